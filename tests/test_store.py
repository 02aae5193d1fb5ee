"""The model file: round trip, stable diffable output, atomic writes, clear errors, human decisions kept."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from datamodeler.errors import ModelFileError
from datamodeler.model import Column, DataModel, Evidence, Relationship, SourceInfo, Table
from datamodeler.store import dump_model, load_model, merge_decisions, save_model


def sample_model() -> DataModel:
    return DataModel(
        source=SourceInfo(url="duckdb:///w.duckdb", dialect="duckdb", scanned_at="2026-01-01T00:00:00+00:00"),
        tables=[
            Table(name="crm.orders", row_count=10, columns=[Column(name="id", type="INTEGER", nullable=False), Column(name="member_id", type="INTEGER")], primary_key=["id"]),
            Table(name="crm.members", row_count=3, columns=[Column(name="id", type="INTEGER", nullable=False)], primary_key=["id"]),
        ],
        relationships=[
            Relationship(child_table="crm.orders", child_columns=["member_id"], parent_table="crm.members", parent_columns=["id"],
                         status="verified", confidence=0.97, sources=["naming", "inclusion"],
                         evidence=[Evidence(kind="inclusion", ratio=1.0), Evidence(kind="naming", detail="x_id -> xs.id")]),
        ],
    )


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "datamodel.json"
    model = sample_model()
    save_model(model, path)
    loaded = load_model(path)
    assert loaded == model
    assert loaded.relationships[0].id == model.relationships[0].id


def test_output_is_stable_and_sorted(tmp_path):
    model = sample_model()
    first = dump_model(model)
    model.tables.reverse()
    assert dump_model(model) == first
    data = json.loads(first)
    assert list(data)[0] == "format_version" and data["format_version"] == 2
    assert [t["name"] for t in data["tables"]] == ["crm.members", "crm.orders"]


def test_relationship_id_is_stable_across_scans():
    a = sample_model().relationships[0]
    b = Relationship(child_table="crm.orders", child_columns=["member_id"], parent_table="crm.members", parent_columns=["id"])
    assert a.id == b.id and a.id.startswith("r_")
    other = Relationship(child_table="crm.orders", child_columns=["id"], parent_table="crm.members", parent_columns=["id"])
    assert other.id != a.id


def test_missing_corrupt_and_other_version_files_give_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no model file"):
        load_model(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1, "source": ')
    with pytest.raises(ModelFileError, match=r"not valid JSON \(line 1"):
        load_model(broken)
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"format_version": 3, "source": {}}))
    with pytest.raises(ModelFileError, match="format_version 3"):
        load_model(future)
    malformed = tmp_path / "malformed.json"
    malformed.write_text(json.dumps({"format_version": 1, "source": {"url": "x", "dialect": "duckdb", "scanned_at": "t"}, "tables": [{"kind": "table"}]}))
    with pytest.raises(ModelFileError, match=r"malformed at tables\.0\.name"):
        load_model(malformed)


def test_a_writer_killed_mid_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "datamodel.json"
    save_model(sample_model(), path)
    before = path.read_text()
    # A child process writes a huge model slowly through write_atomic; we kill it mid-write.
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        import datamodeler.store as store
        real_fdopen = store.os.fdopen
        def slow_fdopen(*a, **k):
            handle = real_fdopen(*a, **k)
            real_write = handle.write
            def write(text):
                for i in range(0, len(text), 1000):
                    real_write(text[i:i + 1000]); handle.flush(); time.sleep(0.01)
                return len(text)
            handle.write = write
            return handle
        store.os.fdopen = slow_fdopen
        print("writing", flush=True)
        store.write_atomic(Path({str(path)!r}), "x" * 10_000_000)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"writing"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert path.read_text() == before
    load_model(path)


def test_human_decisions_survive_a_rescan():
    previous = sample_model()
    previous.relationships[0].status = "rejected"
    accepted = Relationship(child_table="crm.orders", child_columns=["id"], parent_table="crm.members", parent_columns=["id"], status="accepted", sources=["human"])
    previous.relationships.append(accepted)
    scanned = sample_model()  # the scan re-infers the first one as verified and does not find the second
    merged = merge_decisions(previous, scanned)
    by_id = {r.id: r for r in merged.relationships}
    assert by_id[previous.relationships[0].id].status == "rejected"
    assert "human" in by_id[previous.relationships[0].id].sources
    assert by_id[accepted.id].status == "accepted"


def test_save_into_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        save_model(sample_model(), tmp_path / "nope" / "m.json")
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_no_temp_files_left_after_a_failed_write(tmp_path, monkeypatch):
    import datamodeler.store as store

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_model(sample_model(), tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


V1_FILE = {
    "format_version": 1,
    "source": {"url": "sqlite:///shop.db", "dialect": "sqlite", "scanned_at": "2026-01-01T00:00:00+00:00"},
    "tables": [{"name": "members", "primary_key": ["id"], "primary_key_source": "inferred",
                "primary_key_evidence": [{"kind": "unique", "ratio": 1.0, "detail": "unique on all rows"}],
                "description": "People", "description_source": "human",
                "columns": [{"name": "id", "type": "INTEGER", "description_source": "llm", "description_status": "verified",
                             "description": "The member id."}]},
               {"name": "orders", "columns": [{"name": "member_id", "type": "INTEGER"}]}],
    "relationships": [{"child_table": "orders", "child_columns": ["member_id"], "parent_table": "members",
                       "parent_columns": ["id"], "status": "verified", "confidence": 0.9,
                       "evidence": [{"kind": "types", "detail": "castable"},
                                    {"kind": "parent_key", "detail": "inferred (unique on data) primary key"},
                                    {"kind": "inclusion", "ratio": 1.0, "count": 40, "detail": "40 of 40 distinct values found (sample)"},
                                    {"kind": "naming", "strength": 0.5, "strategy": "same_name"}]}],
    "entities": [{"name": "Member", "tables": ["members"], "many_to_many": [{"bridge": "b", "between": ["x", "y"]}]}],
    "glossary": [{"term": "Member", "definition": "A paying person.", "tables": ["members"], "status": "verified", "sources": ["llm"]}],
}


def test_a_version_1_file_is_read_with_its_evidence_typed(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(V1_FILE))
    model = load_model(path)
    evidence = {e.kind: e for e in model.relationships[0].evidence}
    assert evidence["types"].type_match == "castable"
    assert evidence["parent_key"].key_source == "inferred_unique_on_data"
    assert evidence["inclusion"].sampled is True and evidence["naming"].strength == 0.5
    assert model.tables[0].description_source == "human" and model.tables[0].primary_key_evidence[0].kind == "unique"
    assert model.entities[0].many_to_many[0].between == ["x", "y"] and model.glossary[0].term == "Member"
    save_model(model, path)
    assert json.loads(path.read_text())["format_version"] == 2 and load_model(path).relationships[0].evidence == model.relationships[0].evidence


def test_undeclared_fields_are_refused_not_carried(tmp_path):
    data = json.loads(json.dumps(V1_FILE))
    data["format_version"] = 2
    data["relationships"][0]["strength_hint"] = 3
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"relationships\.0\.strength_hint: Extra inputs are not permitted"):
        load_model(path)


def test_the_file_written_in_pieces_is_the_whole_document_dumped_at_once(demo_model, tmp_path):
    """The model file is streamed a record at a time (a 100,000-table file is ~1 GB); its text is exactly what
    dumping the whole document would give, so files stay diffable across versions."""
    model = demo_model.model_copy(deep=True)
    model.glossary, model.entities = [], []  # an empty list and an excluded one beside full ones
    path = tmp_path / "datamodel.json"
    save_model(model, path)
    whole = json.dumps(model.sort().model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False) + "\n"
    assert path.read_text(encoding="utf-8") == whole
    assert '"entities": []' in whole and '"glossary"' not in whole
