"""A 1,000-table model: the whole-model request splits into parts with an index, and every Mermaid
file stays within Mermaid's defaults (maxTextSize 50,000, maxEdges 500) and parses."""

from __future__ import annotations

import pytest

from datamodeler.export import export_erd, write_export
from datamodeler.export.erd import ErdOptions
from datamodeler.export.formats import mermaid

from conftest import build_synthetic_model, run_node_parser


def test_thousand_tables_split_into_mermaid_files_within_limits(tmp_path):
    model = build_synthetic_model(1000)
    result = export_erd(model, "mermaid", ErdOptions(columns="all"))
    assert result.folder and "index.md" in result.files
    diagrams = {name: text for name, text in result.files.items() if name.endswith(".mmd")}
    assert len(diagrams) >= 1000 // 60
    sizes = [mermaid.text_size(text) for text in diagrams.values()]
    edges = [sum(1 for line in text.splitlines() if " : " in line and ("--" in line or ".." in line)) for text in diagrams.values()]
    assert max(sizes) <= mermaid.MAX_TEXT_SIZE and max(edges) <= mermaid.MAX_EDGES
    drawn = {line.split("[", 1)[1].split("]", 1)[0].strip('"') for text in diagrams.values() for line in text.splitlines() if line.startswith("    ") and '["' in line}
    assert drawn | {"core.dim_date", "core.dim_time"} >= {t.name for t in model.tables}  # every table is in some diagram
    assert "core.dim_date" in result.files["index.md"]  # the shared date dimension is collapsed, and said so
    print(f"\n1,000 tables -> {len(diagrams)} Mermaid files, max {max(sizes)} chars, max {max(edges)} edges")
    written = write_export(result, tmp_path / "erd", "erd.mmd")
    assert len(written) == len(result.files)


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_thousand_table_mermaid_files_parse(tmp_path, node_parsers):
    result = export_erd(build_synthetic_model(1000), "mermaid", ErdOptions())
    files = [p for p in write_export(result, tmp_path, "erd.mmd") if p.suffix == ".mmd"]
    results = run_node_parser(node_parsers, "parse_mermaid.mjs", files)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:3]


def test_thousand_tables_in_every_text_format(tmp_path):
    model = build_synthetic_model(1000)
    for fmt in ("dot", "dbml", "plantuml"):
        result = export_erd(model, fmt, ErdOptions())
        assert result.folder and result.parts > 10


def test_oversized_single_diagram_is_cut_until_it_fits():
    """One schema of the big model drawn with every column still yields Mermaid files within limits."""
    model = build_synthetic_model(1000)
    result = export_erd(model, "mermaid", ErdOptions(columns="all", split_above=10_000))
    for text in result.files.values():
        assert mermaid.text_size(text) <= mermaid.MAX_TEXT_SIZE
