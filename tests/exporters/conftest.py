"""Models the exporter tests draw: a small hand-built shop with every status and cardinality, the
TPC-DS schema crawled from DuckDB with its ``*_sk`` references, and a synthetic 1,000-table model.
Also the reference tools (Graphviz, PlantUML, Node parsers, Chromium), skipped when absent
unless CI is set."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from datamodeler.model import (
    Column,
    ColumnUsage,
    DataModel,
    Entity,
    Evidence,
    LineageEdge,
    Relationship,
    SourceInfo,
    Table,
)

JS = Path(__file__).resolve().parents[1] / "js"
SOURCE = SourceInfo(url="sqlite:///shop.db", dialect="sqlite", scanned_at="2025-01-01T00:00:00+00:00")
HOSTILE = 'Customers <script>alert("x")</script> & \'friends\' | *bold* [link](http://evil) `tick` #tag'


def _col(name: str, type_: str = "INTEGER", nullable: bool = True, **extra) -> Column:
    return Column(name=name, type=type_, nullable=nullable, **extra)


def _rel(child: str, child_cols: list[str], parent: str, parent_cols: list[str], status: str, cardinality: str = "N:1", confidence: float = 0.9, **extra) -> Relationship:
    return Relationship(child_table=child, child_columns=child_cols, parent_table=parent, parent_columns=parent_cols,
                        status=status, cardinality=cardinality, confidence=confidence, **extra)


def build_shop_model() -> DataModel:
    """A small shop: declared, verified, plausible, accepted and rejected relationships; N:1, 1:1 and
    M:N (through a bridge); a composite FK; a self-reference; PII; hostile text in a comment."""
    tables = [
        Table(name="sales.customers", row_count=1200, primary_key=["id"], primary_key_source="declared", comment=HOSTILE,
              entity="Customer", role="dimension",
              columns=[_col("id", nullable=False), _col("name", "VARCHAR(100)", comment='Full "legal" name'),
                       _col("email", "VARCHAR(200)", pii="email"), _col("created_at", "TIMESTAMP")]),
        Table(name="sales.customer_profiles", primary_key=["customer_id"], entity="Customer",
              columns=[_col("customer_id", nullable=False), _col("bio", "TEXT", description="Free text <b>bio</b>")]),
        Table(name="sales.addresses", primary_key=["id"], entity="Customer",
              columns=[_col("id", nullable=False), _col("city", "VARCHAR(80)")]),
        Table(name="sales.orders", row_count=50000, primary_key=["id"], entity="Order", role="fact", description="One row per order.",
              columns=[_col("id", nullable=False), _col("customer_id", nullable=False), _col("shipping_address_id"),
                       _col("total", "DECIMAL(10,2)"), _col("ordered_at", "TIMESTAMP")]),
        Table(name="sales.order_lines", primary_key=["order_id", "line_no"], entity="Order", role="fact",
              columns=[_col("order_id", nullable=False), _col("line_no", nullable=False), _col("product_id", nullable=False),
                       _col("quantity")]),
        Table(name="sales.shipments", primary_key=["id"], entity="Order",
              columns=[_col("id", nullable=False), _col("order_id", nullable=False), _col("line_no", nullable=False),
                       _col("shipped_at", "TIMESTAMP")]),
        Table(name="sales.employees", primary_key=["id"],
              columns=[_col("id", nullable=False), _col("manager_id"), _col("full name", "VARCHAR(100)")]),
        Table(name="catalog.products", primary_key=["id"], entity="Product",
              columns=[_col("id", nullable=False), _col("title", "VARCHAR(200)"), _col("price", "DOUBLE PRECISION")]),
        Table(name="catalog.tags", primary_key=["id"], entity="Product", columns=[_col("id", nullable=False), _col("label", "VARCHAR(40)")]),
        Table(name="catalog.product_tags", primary_key=["product_id", "tag_id"], entity="Product", role="bridge",
              columns=[_col("product_id", nullable=False), _col("tag_id", nullable=False)]),
        Table(name="sales.daily_revenue", kind="view", view_sql="SELECT ...", columns=[_col("day", "DATE"), _col("revenue", "DECIMAL(12,2)")]),
    ]
    relationships = [
        _rel("sales.orders", ["customer_id"], "sales.customers", ["id"], "declared", confidence=1.0, sources=["declared"],
             evidence=[Evidence(kind="declared")]),
        _rel("sales.orders", ["shipping_address_id"], "sales.addresses", ["id"], "plausible", confidence=0.62, sources=["naming"],
             evidence=[Evidence(kind="naming", detail="shipping_address_id ~ addresses.id")]),
        _rel("sales.customer_profiles", ["customer_id"], "sales.customers", ["id"], "verified", cardinality="1:1", confidence=0.97,
             sources=["naming", "inclusion"], evidence=[Evidence(kind="inclusion", ratio=1.0)]),
        _rel("sales.order_lines", ["order_id"], "sales.orders", ["id"], "declared", confidence=1.0, sources=["declared"]),
        _rel("sales.order_lines", ["product_id"], "catalog.products", ["id"], "verified", confidence=0.95,
             sources=["query_join", "inclusion"], evidence=[Evidence(kind="query_join", count=12), Evidence(kind="inclusion", ratio=0.998)]),
        _rel("sales.shipments", ["order_id", "line_no"], "sales.order_lines", ["order_id", "line_no"], "verified", confidence=0.93,
             sources=["query_join"], evidence=[Evidence(kind="query_join", count=4)]),
        _rel("sales.employees", ["manager_id"], "sales.employees", ["id"], "accepted", confidence=0.7, sources=["naming", "human"],
             evidence=[Evidence(kind="human", detail="accepted")]),
        _rel("catalog.product_tags", ["product_id"], "catalog.products", ["id"], "verified", confidence=0.96, sources=["naming", "inclusion"]),
        _rel("catalog.product_tags", ["tag_id"], "catalog.tags", ["id"], "verified", confidence=0.96, sources=["naming", "inclusion"]),
        _rel("catalog.products", ["id"], "catalog.tags", ["id"], "verified", cardinality="M:N", confidence=0.9, sources=["bridge"],
             evidence=[Evidence(kind="bridge", detail="catalog.product_tags")]),
        _rel("sales.customers", ["id"], "sales.employees", ["id"], "rejected", confidence=0.2, sources=["llm", "human"],
             evidence=[Evidence(kind="human", detail="rejected")]),
    ]
    entities = [
        Entity(name="Customer", description="People who buy.", tables=["sales.customers", "sales.customer_profiles", "sales.addresses"], status="verified"),
        Entity(name="Order", tables=["sales.orders", "sales.order_lines", "sales.shipments"], status="verified"),
        Entity(name="Product", tables=["catalog.products", "catalog.tags", "catalog.product_tags"], status="plausible"),
    ]
    lineage = [
        LineageEdge(source="sales.orders.total", target="sales.daily_revenue.revenue", kind="derived"),
        LineageEdge(source="sales.orders.ordered_at", target="sales.daily_revenue.day", kind="derived"),
    ]
    usage = [ColumnUsage(column="sales.orders.customer_id", join=12, filter=3), ColumnUsage(column="sales.orders.ordered_at", filter=7, group_by=5)]
    return DataModel(source=SOURCE, tables=tables, relationships=relationships, entities=entities, lineage=lineage, usage=usage).sort()


@pytest.fixture()
def shop_model() -> DataModel:
    return build_shop_model()


# -- TPC-DS -------------------------------------------------------------------------------------


def build_tpcds_model(ddl: Path, workdir: Path) -> DataModel:
    """TPC-DS as a user gets it: the DDL loaded into an empty DuckDB, scanned with its 99 queries as the log."""
    import duckdb

    from datamodeler.scan import ScanOptions, run_scan

    database = workdir / "tpcds.duckdb"
    with duckdb.connect(str(database)) as conn:
        conn.execute(ddl.read_text(encoding="utf-8"))
    queries = sorted((ddl.parent / "queries").glob("*.sql"))
    model, _ = run_scan(ScanOptions(url=f"duckdb:///{database}", query_logs=queries, out=workdir / "tpcds.json", use_llm=False))
    return model


@pytest.fixture(scope="session")
def tpcds_model(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> DataModel:
    ddl = datasets / "tpc" / "tpcds" / "tpcds.sql"
    if not ddl.exists():
        pytest.skip(f"{ddl} not present")
    return build_tpcds_model(ddl, tmp_path_factory.mktemp("tpcds"))


# -- a synthetic 1,000-table warehouse ------------------------------------------------------------


def build_synthetic_model(n_tables: int = 1000, seed: int = 11) -> DataModel:
    """``n_tables`` tables in 10 schemas: star-shaped domains (facts -> dimensions), a few shared
    date/time dimensions referenced by almost every fact, some loners; no entities."""
    import random

    rng = random.Random(seed)
    tables: list[Table] = []
    relationships: list[Relationship] = []
    shared = [Table(name="core.dim_date", primary_key=["date_sk"], columns=[_col("date_sk", nullable=False), _col("day", "DATE")]),
              Table(name="core.dim_time", primary_key=["time_sk"], columns=[_col("time_sk", nullable=False), _col("hour")])]
    tables += shared
    i = 0
    while len(tables) < n_tables:
        schema = f"domain{i % 10}"
        dims = [Table(name=f"{schema}.dim_{i}_{d}", primary_key=["id"],
                      columns=[_col("id", nullable=False)] + [_col(f"attr_{k}", "VARCHAR(50)") for k in range(rng.randint(3, 12))])
                for d in range(rng.randint(3, 8))]
        facts = []
        for f in range(rng.randint(1, 4)):
            fact = Table(name=f"{schema}.fact_{i}_{f}", primary_key=["id"], columns=[_col("id", nullable=False), _col("date_sk"), _col("time_sk")])
            for dim in dims:
                if rng.random() < 0.7:
                    fk = f"{dim.short_name}_id"
                    fact.columns.append(_col(fk))
                    relationships.append(_rel(fact.name, [fk], dim.name, ["id"], rng.choice(["verified", "declared", "plausible"])))
            relationships.append(_rel(fact.name, ["date_sk"], "core.dim_date", ["date_sk"], "verified"))
            relationships.append(_rel(fact.name, ["time_sk"], "core.dim_time", ["time_sk"], "verified"))
            facts.append(fact)
        loners = [Table(name=f"{schema}.staging_{i}_{k}", columns=[_col("payload", "TEXT")]) for k in range(rng.randint(0, 3))]
        tables += dims + facts + loners
        i += 1
    tables = tables[:n_tables]
    names = {t.name for t in tables}
    relationships = [r for r in relationships if r.child_table in names and r.parent_table in names]
    return DataModel(source=SOURCE, tables=tables, relationships=relationships).sort()


# -- reference tools ---------------------------------------------------------------------------


def require_tool(available: bool, what: str, setup_script: str) -> None:
    """Skip when a reference tool is missing; in CI (env CI set) fail instead, the setup script should have installed it."""
    if available:
        return
    message = f"{what} is not installed (scripts/setup.d/{setup_script} installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def dot_tool() -> str:
    path = shutil.which("dot")
    require_tool(path is not None, "Graphviz (dot)", "20-graphviz.sh")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def plantuml_tool() -> str:
    path = shutil.which("plantuml")
    require_tool(path is not None, "PlantUML", "30-plantuml.sh")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def node_parsers() -> Path:
    ready = shutil.which("node") is not None and all((JS / "node_modules" / p).is_dir() for p in ("@dbml/core", "mermaid", "jsdom"))
    require_tool(ready, "node with @dbml/core, mermaid and jsdom", "40-node-tools.sh")
    return JS


@pytest.fixture(scope="session")
def chromium_tool() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require_tool(path is not None, "Chromium", "50-chromium.sh")
    return path  # type: ignore[return-value]


def run_node_parser(js: Path, script: str, files: list[Path]) -> list[dict]:
    """Run a tests/js parser over ``files`` (in batches); one result dict per file."""
    results = []
    for start in range(0, len(files), 200):
        batch = [str(f) for f in files[start : start + 200]]
        done = subprocess.run(["node", str(js / script), *batch], capture_output=True, text=True, timeout=600, cwd=js)
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        assert len(lines) == len(batch), f"{script} crashed: {done.stderr[-2000:]}"
        results += lines
    return results


def assert_dot_parses(dot: str, text: str) -> None:
    done = subprocess.run([dot, "-Tsvg", "-o", os.devnull], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not re.search(r"\b(error|syntax)\b", done.stderr, re.I), done.stderr


def assert_plantuml_parses(plantuml: str, files: list[Path]) -> None:
    """Render every file to SVG with PlantUML; an error diagram or a non-zero exit fails."""
    done = subprocess.run([plantuml, "-tsvg", "-failfast2", "-nometadata", *[str(f) for f in files]], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for file in files:
        svg = file.with_suffix(".svg").read_text(encoding="utf-8")
        assert "Syntax Error" not in svg and "An error has occured" not in svg, f"{file}: PlantUML error diagram"
