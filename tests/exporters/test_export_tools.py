"""Every diagram format parses in its reference tool: Graphviz ``dot``, PlantUML, @dbml/core and
mermaid (under jsdom); on the shop model and on TPC-DS scanned from its DDL and 99 queries (24 tables, 100+ relationships)."""

from __future__ import annotations

import pytest

from datamodeler.export.erd import ErdOptions, plan_diagrams
from datamodeler.export.formats import dbml, dot, markdown, mermaid, plantuml, svg

from conftest import assert_dot_parses, assert_plantuml_parses, run_node_parser

VARIANTS = {
    "all-columns": ErdOptions(columns="all", collapse_shared=False),
    "keys": ErdOptions(),
    "collapsed": ErdOptions(collapse_shared=True),
}


def diagrams(model, name):
    return [p.diagram for p in plan_diagrams(model, VARIANTS[name])]


@pytest.fixture(params=["shop", "tpcds"])
def model(request, shop_model):
    return shop_model if request.param == "shop" else request.getfixturevalue("tpcds_model")


def test_tpcds_model_is_big_enough(tpcds_model):
    drawable = [r for r in tpcds_model.relationships if r.status != "rejected"]
    assert len(tpcds_model.tables) >= 24 and len(drawable) >= 100


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_dot_parses_in_graphviz(model, variant, dot_tool):
    for diagram in diagrams(model, variant):
        assert_dot_parses(dot_tool, dot.export(diagram))


def test_svg_is_rendered_and_escaped(shop_model, dot_tool):
    [planned] = plan_diagrams(shop_model, ErdOptions(columns="all"))
    image = svg.export(planned.diagram).decode("utf-8")
    assert image.lstrip().startswith("<?xml") and "<svg" in image
    assert "<script" not in image and "&lt;script&gt;" in image


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_plantuml_renders_without_error(model, plantuml_tool, tmp_path):
    """Every variant's files in one PlantUML run: starting the JVM is most of the cost."""
    files = []
    for variant in sorted(VARIANTS):
        for i, diagram in enumerate(diagrams(model, variant)):
            files.append(tmp_path / f"{variant}-{i}.puml")
            files[-1].write_text(plantuml.export(diagram), encoding="utf-8")
    assert_plantuml_parses(plantuml_tool, files)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_dbml_parses_in_dbml_core(model, variant, node_parsers, tmp_path):
    files = []
    for i, diagram in enumerate(diagrams(model, variant)):
        files.append(tmp_path / f"d{i}.dbml")
        files[-1].write_text(dbml.export(diagram), encoding="utf-8")
    results = run_node_parser(node_parsers, "parse_dbml.js", files)
    assert all(r["ok"] for r in results), results
    if variant == "all-columns":
        assert results[0]["tables"] == len(model.tables)
        assert results[0]["refs"] == len([r for r in model.relationships if r.status != "rejected"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_mermaid_parses_in_mermaid(model, variant, node_parsers, tmp_path):
    files = []
    for i, diagram in enumerate(diagrams(model, variant)):
        text = mermaid.export(diagram)
        assert mermaid.fits(diagram)
        files.append(tmp_path / f"d{i}.mmd")
        files[-1].write_text(text, encoding="utf-8")
    results = run_node_parser(node_parsers, "parse_mermaid.mjs", files)
    assert all(r["ok"] for r in results), results


def test_mermaid_parser_rejects_broken_input(node_parsers, tmp_path):
    broken = tmp_path / "broken.mmd"
    broken.write_text("erDiagram\n    a }o--o{{ b : x\n", encoding="utf-8")
    [result] = run_node_parser(node_parsers, "parse_mermaid.mjs", [broken])
    assert not result["ok"]


def test_markdown_pages_embed_mermaid_that_parses(model, node_parsers, tmp_path):
    files = []
    for name, text in markdown.export(model).items():
        if "```mermaid" in text:
            block = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
            files.append(tmp_path / (name.replace("/", "_") + ".mmd"))
            files[-1].write_text(block + "\n", encoding="utf-8")
    assert files
    results = run_node_parser(node_parsers, "parse_mermaid.mjs", files)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]


def test_tpcds_whole_model_collapses_date_dim_automatically(tpcds_model):
    [planned] = plan_diagrams(tpcds_model, ErdOptions())
    assert "date_dim" in {c.table.rpartition(".")[2] for c in planned.diagram.collapsed}
    assert all(r.parent_table.rpartition(".")[2] != "date_dim" for r in planned.diagram.relationships)


def test_png_renders(shop_model, dot_tool):
    from datamodeler.export.formats import png

    [planned] = plan_diagrams(shop_model, ErdOptions(table="orders"))
    assert png.export(planned.diagram).startswith(b"\x89PNG")


def test_missing_graphviz_is_a_clear_error(shop_model, monkeypatch):
    from datamodeler.errors import ExportError
    from datamodeler.export.formats import graphviz

    monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
    [planned] = plan_diagrams(shop_model, ErdOptions())
    with pytest.raises(ExportError, match="apt-get install graphviz"):
        svg.export(planned.diagram)
