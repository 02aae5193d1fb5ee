"""Golden files for every exporter on the hand-built shop model (``UPDATE_GOLDEN=1`` regenerates them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from datamodeler.export.erd import ErdOptions, plan_diagrams
from datamodeler.export.formats import DIAGRAM_FORMATS, EXPORTERS, dbml, dbt, dot, html, markdown, mermaid, plantuml

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
TEXT_DIAGRAMS = {"mermaid": mermaid, "dot": dot, "dbml": dbml, "plantuml": plantuml}


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"golden file {name} was missing and has been written; check it and re-run")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("fmt", sorted(TEXT_DIAGRAMS))
def test_whole_model_diagram_matches_golden(shop_model, fmt):
    [planned] = plan_diagrams(shop_model, ErdOptions(columns="all"))
    check_golden(f"shop{EXPORTERS[fmt].suffix}", TEXT_DIAGRAMS[fmt].export(planned.diagram))


@pytest.mark.parametrize("fmt", sorted(TEXT_DIAGRAMS))
def test_neighbourhood_diagram_matches_golden(shop_model, fmt):
    [planned] = plan_diagrams(shop_model, ErdOptions(table="orders", depth=1, include_plausible=False))
    check_golden(f"shop-orders-verified-only{EXPORTERS[fmt].suffix}", TEXT_DIAGRAMS[fmt].export(planned.diagram))


def test_markdown_docs_match_golden(shop_model):
    files = markdown.export(shop_model)
    assert set(files) == {"index.md", "personal-data.md"} | {f"tables/{p}.md" for p in ("catalog-product-tags", "catalog-products", "catalog-tags", "sales-addresses",
                                                                     "sales-customer-profiles", "sales-customers", "sales-daily-revenue",
                                                                     "sales-employees", "sales-order-lines", "sales-orders", "sales-shipments")}
    for name in ("index.md", "personal-data.md", "tables/sales-orders.md", "tables/sales-customers.md"):
        check_golden(f"markdown/{name}", files[name])


def test_html_docs_match_golden(shop_model):
    check_golden("html/index.html", html.export(shop_model, svg_diagrams=False)["index.html"])


def test_dbt_schema_matches_golden(shop_model):
    check_golden("dbt/schema.yml", dbt.export(shop_model)["schema.yml"])


def test_registry_lists_every_format_once():
    assert DIAGRAM_FORMATS == ("mermaid", "dot", "svg", "png", "dbml", "plantuml")
    assert [n for n, e in EXPORTERS.items() if e.kind == "docs"] == ["markdown", "html", "dbt"]


def test_rejected_relationships_are_never_drawn(shop_model):
    [planned] = plan_diagrams(shop_model, ErdOptions(columns="all"))
    assert all(r.status != "rejected" for r in planned.diagram.relationships)
    for module in TEXT_DIAGRAMS.values():
        assert "rejected" not in module.export(planned.diagram)


def test_plausible_lines_are_dashed_and_verified_only_drops_them(shop_model):
    [planned] = plan_diagrams(shop_model, ErdOptions())
    assert "sales_orders }o..o| sales_addresses" in mermaid.export(planned.diagram)
    assert "style=dashed" in dot.export(planned.diagram)
    [strict] = plan_diagrams(shop_model, ErdOptions(include_plausible=False))
    assert {r.status for r in strict.diagram.relationships} == {"declared", "verified", "accepted"}


def test_untrusted_text_is_escaped_everywhere(shop_model):
    [planned] = plan_diagrams(shop_model, ErdOptions(columns="all"))
    outputs = {fmt: module.export(planned.diagram) for fmt, module in TEXT_DIAGRAMS.items()}
    outputs["html"] = html.export(shop_model, svg_diagrams=False)["index.html"]
    outputs["markdown"] = markdown.export(shop_model)["tables/sales-customers.md"]
    for fmt, text in outputs.items():
        if fmt not in ("dot", "dbml"):  # both keep it as data inside a quoted string (Graphviz escapes it in SVG)
            assert "<script>alert" not in text, fmt
    assert "<i>Customers &lt;script&gt;" in outputs["dot"] and 'tooltip="Customers <script>alert(\\"x\\")' in outputs["dot"]
    assert "&lt;script&gt;alert(&quot;x&quot;)" in outputs["html"]
    assert 'Full #quot;legal#quot; name' in outputs["mermaid"]
    assert "\\[link\\](http://evil)" in outputs["markdown"]
    assert "It\\'s" not in outputs["dbml"] and "\\'friends\\'" in outputs["dbml"]


def test_dbml_draws_one_reference_between_the_same_columns():
    """Two relationships over the same columns, one each way, are one DBML Ref (DBML refuses the second)."""
    from datamodeler.export import export_erd
    from datamodeler.model import Column, DataModel, Relationship, SourceInfo, Table

    tables = [Table(name=f"s.{n}", primary_key=["id"], columns=[Column(name="id", type="INTEGER")]) for n in ("a", "b")]
    rels = [Relationship(child_table=c, child_columns=["id"], parent_table=p, parent_columns=["id"], status="plausible",
                         cardinality="1:1") for c, p in (("s.a", "s.b"), ("s.b", "s.a"))]
    model = DataModel(source=SourceInfo(url="x", dialect="duckdb", scanned_at="t"), tables=tables, relationships=rels)
    text = str(export_erd(model, "dbml").single)
    assert text.count("\nRef ") == 1 and "already linked above" in text
