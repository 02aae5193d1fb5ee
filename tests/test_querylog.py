"""Query-log readers: splitting, layouts (generic, Snowflake, BigQuery, Databricks), gzip, paths and errors."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from datamodeler.errors import QueryLogError
from datamodeler.querylog import LAYOUTS, READERS, expand_log_paths, read_logs
from datamodeler.querylog.layout import resolve_layout

LOGS = Path(__file__).parent / "fixtures" / "querylog"


def test_sql_file_splits_on_semicolons_outside_quotes_comments_and_dollar_quotes() -> None:
    statements = [q.text for q in read_logs([LOGS / "tricky.sql"])]
    assert len(statements) == 5
    assert statements[0].endswith("""select 'a;b' as x, "odd;name" from t""")
    assert statements[1].endswith("select 1")
    assert "begin; return 1; end" in statements[2]
    assert statements[3] == "select $$x;y$$"
    assert statements[4].startswith("select 2")


def test_snowflake_query_history_export_is_recognised() -> None:
    queries = list(read_logs([LOGS / "snowflake_query_history.csv"]))
    assert [q.user for q in queries] == ["ALICE", "BOB"]
    assert queries[0].duration_ms == 1333
    assert queries[0].database == "ANALYTICS"
    assert queries[0].start_time == "2024-03-01T17:15:02.123000+00:00"  # -08:00 folded to UTC
    assert queries[0].text.startswith("SELECT c.name")


def test_bigquery_jobs_export_takes_duration_from_start_and_end() -> None:
    queries = list(read_logs([LOGS / "bigquery_jobs.jsonl"]))
    assert [q.user for q in queries] == ["carol@example.com", "dave@example.com"]
    assert queries[0].duration_ms == 2500
    assert queries[0].start_time == "2024-03-01T17:15:02+00:00"
    assert queries[0].database == "acme-prod"


def test_databricks_query_history_export_is_recognised() -> None:
    [query] = list(read_logs([LOGS / "databricks_query_history.csv"]))
    assert query.user == "erin@example.com"
    assert query.duration_ms == 2000
    assert query.text.startswith("INSERT INTO mart.customer_totals")


@pytest.mark.parametrize(("columns", "layout"), [
    (["QUERY_TEXT", "USER_NAME", "TOTAL_ELAPSED_TIME", "START_TIME"], "snowflake"),
    (["query", "user_email", "creation_time", "total_slot_ms"], "bigquery"),
    (["statement_text", "executed_by", "total_duration_ms"], "databricks"),
    (["query", "user", "start_time"], "generic"),
])
def test_layout_is_detected_from_column_names(columns: list[str], layout: str) -> None:
    assert resolve_layout(columns, LAYOUTS).layout == layout


def test_generic_jsonl_with_common_names_and_blank_lines() -> None:
    queries = list(read_logs([LOGS / "generic.jsonl"]))
    assert [(q.user, q.duration_ms, q.database) for q in queries] == [("frank", 12.5, "shop"), ("grace", 7.0, "shop")]


def test_explicit_column_mapping(tmp_path: Path) -> None:
    log = tmp_path / "custom.csv"
    log.write_text("body,who\nselect 1,zoe\n")
    [query] = list(read_logs([log], mapping={"query": "body", "user": "who"}))
    assert (query.text, query.user) == ("select 1", "zoe")


def test_gzip_logs_are_read(tmp_path: Path) -> None:
    target = tmp_path / "history.csv.gz"
    with open(LOGS / "snowflake_query_history.csv", "rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert len(list(read_logs([target]))) == 2


def test_directories_and_globs_expand_to_log_files(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("select 1; select 2;")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text('{"query": "select 3"}\n')
    (tmp_path / "notes.txt").write_text("not a log")
    assert [p.name for p in expand_log_paths([tmp_path])] == ["a.sql", "b.jsonl"]
    assert [p.name for p in expand_log_paths([str(tmp_path / "*.sql")])] == ["a.sql"]
    assert len(list(read_logs([tmp_path]))) == 3


def test_every_reader_suffix_is_registered() -> None:
    assert {".sql", ".jsonl", ".csv"} <= set(READERS)


def test_missing_file_is_a_query_log_error(tmp_path: Path) -> None:
    with pytest.raises(QueryLogError, match="does not exist"):
        list(read_logs([tmp_path / "nope.sql"]))


def test_unmatched_glob_is_a_query_log_error(tmp_path: Path) -> None:
    with pytest.raises(QueryLogError, match="matches no file"):
        list(read_logs([str(tmp_path / "*.jsonl")]))


def test_csv_without_query_column_names_the_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.csv"
    log.write_text("id,who\n1,zoe\n")
    with pytest.raises(QueryLogError, match=r"bad\.csv:1: no query column"):
        list(read_logs([log]))


def test_jsonl_without_query_key_names_the_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text('\n{"who": "zoe"}\n')
    with pytest.raises(QueryLogError, match=r"bad\.jsonl:2: no query column"):
        list(read_logs([log]))


def test_invalid_json_line_names_the_line(tmp_path: Path) -> None:
    log = tmp_path / "broken.jsonl"
    log.write_text('{"query": "select 1"}\n{"query": \n')
    with pytest.raises(QueryLogError, match=r"broken\.jsonl:2: not valid JSON"):
        list(read_logs([log]))


def test_an_undecodable_byte_fails_its_statement_only(tmp_path):
    from datamodeler.lineage.shapes import ShapeCollector
    from datamodeler.querylog import read_logs

    log = tmp_path / "log.sql"
    log.write_bytes(b"select a from t;\nselect 'caf\xe9' from t;\nselect b from t;\n")
    collector = ShapeCollector("postgres")
    for query in read_logs([log]):
        collector.add(query)
    assert collector.total == 3
    failures = [s.failure[0] for s in collector.shapes.values() if s.failure]
    assert failures == ["encoding"]


def test_the_splitter_keeps_at_most_the_cap_of_a_statement_without_a_semicolon():
    from datamodeler.querylog.sqlfile import _Splitter

    splitter = _Splitter(max_chars=1000)
    pieces = [text for _ in range(500) for text in splitter.feed("select " + "x, " * 100)]
    assert pieces == [] and splitter.size == 1001
    [statement] = list(splitter.finish())
    assert len(statement) == 1001
