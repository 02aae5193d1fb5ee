"""Personal-data map benchmark: the ``datamodeler pii`` inventory on a synthetic 1,000-table model.

    python benchmarks/pii_map.py [--tables 1000] [--budget-s 5]

The model is built in memory, shaped like a large warehouse: one domain per 20 tables, each with a people
table (email, name, phone), a chain of child tables referencing it up to five levels deep (role keys
included), derived marts written by CTAS with copied, hashed and aggregated columns, 5 query shapes per table
with log users, and column usage. Prints the time of ``build_inventory`` (propagation, subjects, links, readers)
and what it found; exits 1 when it takes longer than the budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.model import Column, ColumnUsage, DataModel, LineageEdge, QueryShape, QueryStats, Relationship, SourceInfo, Table  # noqa: E402
from datamodeler.privacy import build_inventory  # noqa: E402

DOMAIN_SIZE = 20


def domain(index: int) -> tuple[list[Table], list[Relationship], list[LineageEdge]]:
    """One domain: a people table, 14 child tables in chains, 5 marts (copy, hash, aggregate)."""
    schema = f"d{index}"
    people = Table(name=f"{schema}.customers", primary_key=["customer_id"], row_count=10_000, columns=[
        Column(name="customer_id", type="INTEGER", nullable=False), Column(name="email", type="VARCHAR", pii="email"),
        Column(name="full_name", type="VARCHAR", pii="name"), Column(name="phone", type="VARCHAR", pii="phone")])
    tables, rels, lineage = [people], [], []
    for n in range(14):
        parent = tables[max(0, n - 2)] if n % 3 else people
        key = parent.primary_key[0]
        child = Table(name=f"{schema}.t{n}", primary_key=[f"t{n}_id"], row_count=1000 * n, columns=[
            Column(name=f"t{n}_id", type="INTEGER", nullable=False), Column(name=f"ref_{n}", type="INTEGER", nullable=n % 2 == 0),
            Column(name="notes", type="VARCHAR", pii="free_text" if n % 4 == 0 else None), Column(name="amount", type="DECIMAL")])
        rels.append(Relationship(child_table=child.name, child_columns=[f"ref_{n}"], parent_table=parent.name, parent_columns=[key],
                                 status="verified", confidence=0.95))
        tables.append(child)
    for n, transform in enumerate(("copy", "hash", "aggregate", "copy", "other")):
        mart = Table(name=f"{schema}.mart{n}", columns=[Column(name="customer_id", type="INTEGER"), Column(name="value", type="VARCHAR")])
        lineage.append(LineageEdge(source=f"{people.name}.customer_id", target=f"{mart.name}.customer_id", kind="direct", transform="copy"))
        lineage.append(LineageEdge(source=f"{people.name}.email", target=f"{mart.name}.value", transform=transform,
                                   kind="direct" if transform == "copy" else "derived"))
        lineage.append(LineageEdge(source=people.name, target=mart.name, kind="table"))
        tables.append(mart)
    return tables, rels, lineage


def build_model(table_count: int) -> DataModel:
    model = DataModel(source=SourceInfo(url="duckdb:///synthetic.duckdb", dialect="duckdb", scanned_at="2025-01-01T00:00:00+00:00"))
    for index in range(max(1, table_count // DOMAIN_SIZE)):
        tables, rels, lineage = domain(index)
        model.tables += tables
        model.relationships += rels
        model.lineage += lineage
    shapes = [QueryShape(fingerprint=f"q{i}", sql="SELECT 1", users=[f"user{i % 37}"], tables=[model.tables[i % len(model.tables)].name])
              for i in range(5 * len(model.tables))]
    model.queries = QueryStats(total=len(shapes), distinct=len(shapes), parsed=len(shapes), shapes=shapes)
    model.usage = [ColumnUsage(column=f"{t.name}.{c.name}", select=3) for t in model.tables for c in t.columns if c.pii]
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--budget-s", type=float, default=5.0)
    args = parser.parse_args()
    model = build_model(args.tables)
    started = time.perf_counter()
    inventory = build_inventory(model)
    elapsed = time.perf_counter() - started
    columns = sum(len(t.columns) for t in inventory.tables)
    pseudonymised = sum(1 for t in inventory.tables for c in t.columns if c.treatment == "pseudonymised")
    print(f"{len(model.tables)} tables, {len(model.relationships)} relationships, {len(model.lineage)} lineage edges, "
          f"{len(model.queries.shapes)} query shapes")
    print(f"inventory: {len(inventory.subjects)} subjects, {len(inventory.tables)} tables with personal data, {columns} personal columns "
          f"({pseudonymised} pseudonymised), {len(inventory.unreached)} unreached")
    print(f"build_inventory: {elapsed:.2f} s (budget {args.budget_s:g} s)")
    return 0 if elapsed <= args.budget_s else 1


if __name__ == "__main__":
    sys.exit(main())
