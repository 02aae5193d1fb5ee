"""Ask benchmark: do the gold SQL's tables all reach the LLM prompt? Per question set and per schema size, no LLM.

    python benchmarks/ask_linking.py [--datasets ../shared/datasets] [--sets spider,bird,spider2,pooled] [--verbose]

Sets (schema-only models; no data, descriptions or query log, so value and query-log evidence play no part):

- ``spider``: Spider dev, one model per database from ``spider/tables.json`` (declared keys as relationships).
- ``bird``: BIRD dev, question only (the evidence hint is not used), models from ``bird_dev/dev_tables.json``.
- ``spider2``: Spider 2.0-lite's local questions, models built from each database's ``DDL.csv`` in SQLite.
- ``pooled``: Spider dev with all 20 dev databases in one model (tables named ``db.table``).
- ``scale``: every Spider, BIRD and Spider 2.0-lite schema in one model (about 1,000 tables), Spider dev
  questions; reports the time to link one question.

For each question the gold tables are the tables its gold SQL reads (sqlglot; Spider 2.0-lite lists them). Spider 2.0-lite's
DDL declares few keys, so its models also get the relationships the naming proposer infers, as a scan would.
Two figures per set: **sent** — every gold table is among the tables sent at the default prompt budget
(``[ask] prompt_budget_tokens``; a schema that fits is sent whole) — and **ranked** — every gold table is among
the ranked selection alone (as if no schema fitted the budget), with the mean number of tables it sends.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datamodeler.ask.linking import link_question, ranked_selection, schema_index  # noqa: E402
from datamodeler.discovery.proposers import naming  # noqa: E402
from datamodeler.model import Column, DataModel, Relationship, SourceInfo, Table  # noqa: E402

from spider import spider_model  # noqa: E402

BUCKETS = ((5, "≤ 5"), (10, "6–10"), (20, "11–20"), (50, "21–50"), (200, "51–200"), (10**9, "> 200"))
csv.field_size_limit(10**8)
RESERVED_COLUMN = re.compile(r"([(,]\s*)(index|table|order|group)(?=\s)", re.IGNORECASE)
"""A column named by an SQL keyword, unquoted in some DDL (``index INTEGER``): quoted before SQLite reads it."""


@dataclass(frozen=True)
class Case:
    """One question: the model it is asked against and the model tables its gold SQL reads."""

    question: str
    model: DataModel
    gold: frozenset[str]
    database: str


# -- models --------------------------------------------------------------------------------------


def gold_tables(sql: str, model: DataModel, prefix: str = "") -> frozenset[str]:
    """The model tables the gold SQL reads (CTE names and unknown names left out)."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return frozenset()
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        known = model.table(prefix + table.name) if table.name.lower() not in ctes else None
        if known is not None:
            found.add(known.name)
    return frozenset(found)


def pooled_model(models: dict[str, DataModel]) -> DataModel:
    """One model holding every table of ``models``, named ``db.table``."""
    tables, relationships = [], []
    for db_id, model in sorted(models.items()):
        tables += [table.model_copy(update={"name": f"{db_id}.{table.name}"}) for table in model.tables]
        relationships += [rel.model_copy(update={"child_table": f"{db_id}.{rel.child_table}", "parent_table": f"{db_id}.{rel.parent_table}"})
                          for rel in model.relationships]
    return DataModel(source=SourceInfo(url="pooled", dialect="sqlite", scanned_at="benchmark"), tables=tables, relationships=relationships)


def ddl_model(db_dir: Path) -> DataModel:
    """A schema-only model of a Spider 2.0-lite database: its DDL run in an in-memory SQLite, then read back."""
    connection = sqlite3.connect(":memory:")
    with (db_dir / "DDL.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            run_ddl(connection, row["DDL"])
    tables = []
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        info = connection.execute(f'PRAGMA table_info("{name}")').fetchall()
        table = Table(name=name, columns=[Column(name=c[1], type=c[2] or "TEXT") for c in info],
                      primary_key=[c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]])
        tables.append(table)
    relationships = [Relationship(child_table=t.name, child_columns=[fk[3]], parent_table=fk[2], parent_columns=[fk[4] or fk[3]],
                                  status="declared", confidence=1.0, sources=["declared"])
                     for t in tables for fk in connection.execute(f'PRAGMA foreign_key_list("{t.name}")').fetchall()]
    model = DataModel(source=SourceInfo(url=f"spider2:{db_dir.name}", dialect="sqlite", scanned_at="benchmark"),
                      tables=tables, relationships=relationships)
    model.relationships += naming.propose(model)  # what a scan infers from names (plausible until verified)
    return model


def run_ddl(connection: sqlite3.Connection, ddl: str) -> None:
    """The DDL as written, else transpiled from PostgreSQL; a statement SQLite cannot take is skipped."""
    ddl = RESERVED_COLUMN.sub(lambda m: f'{m.group(1)}"{m.group(2)}"', ddl)
    try:
        connection.execute(ddl)
    except sqlite3.Error as exc:
        first_error = exc
        if "already exists" in str(exc):
            return
        try:
            connection.execute(sqlglot.transpile(ddl, read="postgres", write="sqlite")[0])
        except (sqlite3.Error, sqlglot.errors.SqlglotError, IndexError):
            print(f"  skipped DDL: {ddl.strip().splitlines()[0][:60]} ({first_error})", file=sys.stderr)


# -- question sets -------------------------------------------------------------------------------


def spider_cases(datasets: Path) -> Iterator[Case]:
    yield from spider_style_cases(datasets / "spider" / "tables.json", datasets / "spider" / "dev.json", "query")


def bird_cases(datasets: Path) -> Iterator[Case]:
    yield from spider_style_cases(datasets / "bird_dev" / "dev_tables.json", datasets / "bird_dev" / "dev.json", "SQL")


def spider_style_cases(tables_path: Path, questions_path: Path, sql_key: str) -> Iterator[Case]:
    schemas = {db["db_id"]: db for db in json.loads(tables_path.read_text())}
    models: dict[str, DataModel] = {}
    for item in json.loads(questions_path.read_text()):
        db_id = item["db_id"]
        model = models.get(db_id) or models.setdefault(db_id, spider_model(schemas[db_id], declared_fks=True))
        yield Case(item["question"], model, gold_tables(item[sql_key], model), db_id)


def spider2_cases(datasets: Path) -> Iterator[Case]:
    root = datasets / "spider2_lite_local"
    folders = {p.name.lower().replace("-", "_"): p for p in (root / "databases").iterdir() if p.is_dir()}
    gold = {row["instance_id"]: row["gold_tables"] for row in map(json.loads, (root / "gold_tables.jsonl").read_text().splitlines())}
    models: dict[str, DataModel] = {}
    for item in map(json.loads, (root / "questions.jsonl").read_text().splitlines()):
        key = item["db"].lower().replace("-", "_")
        if key not in folders or item["instance_id"] not in gold:
            continue
        model = models.get(key) or models.setdefault(key, ddl_model(folders[key]))
        found = [model.table(name) for name in gold[item["instance_id"]]]
        yield Case(item["question"], model, frozenset(t.name for t in found if t is not None), item["db"])


def pooled_cases(datasets: Path) -> Iterator[Case]:
    cases = list(spider_cases(datasets))
    pooled = pooled_model({case.database: case.model for case in cases})
    for case in cases:
        yield Case(case.question, pooled, frozenset(f"{case.database}.{name}" for name in case.gold), case.database)


def scale_model(datasets: Path) -> DataModel:
    """Every schema of the three sets in one model (about 1,000 tables)."""
    models: dict[str, DataModel] = {}
    for path in (datasets / "spider" / "tables.json", datasets / "bird_dev" / "dev_tables.json"):
        for db in json.loads(path.read_text()):
            models.setdefault(db["db_id"], spider_model(db, declared_fks=True))
    for folder in sorted((datasets / "spider2_lite_local" / "databases").iterdir()):
        models.setdefault(f"s2_{folder.name}", ddl_model(folder))
    return pooled_model(models)


def scale_cases(datasets: Path) -> Iterator[Case]:
    model = scale_model(datasets)
    for case in spider_cases(datasets):
        yield Case(case.question, model, frozenset(f"{case.database}.{name}" for name in case.gold), case.database)


SETS = {"spider": spider_cases, "bird": bird_cases, "spider2": spider2_cases, "pooled": pooled_cases, "scale": scale_cases}
TARGETS = {"spider": 0.98, "bird": 0.95, "spider2": 0.90, "pooled": 0.90}


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """All-gold-sent counts for one group of questions."""

    questions: int = 0
    sent: int = 0  # every gold table sent at the default budget
    ranked: int = 0  # every gold table in the ranked selection alone
    ranked_tables: int = 0  # tables the ranked selection sent, summed
    whole: int = 0  # questions whose whole schema fit the budget
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        for name in ("questions", "sent", "ranked", "ranked_tables", "whole", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def measure(case: Case, verbose: bool) -> Tally:
    started = time.perf_counter()
    linking = link_question(case.question, case.model)
    seconds = time.perf_counter() - started
    index = schema_index(case.model)
    selection = ranked_selection(linking, index)
    covered = set(selection) | {m for name in selection for m in index.tables[name].members}
    sent_ok, ranked_ok = case.gold <= linking.sent_tables(), case.gold <= covered
    if verbose and not ranked_ok:
        print(f"  {case.database}: {case.question!r} missing {sorted(case.gold - covered)} sent {selection[:8]}", file=sys.stderr)
    return Tally(1, int(sent_ok), int(ranked_ok), len(selection), int(linking.whole_schema), seconds)


def bucket(tables: int) -> str:
    return next(label for limit, label in BUCKETS if tables <= limit)


def evaluate(name: str, datasets: Path, verbose: bool = False) -> dict[str, Tally]:
    """Tallies for one set: ``{"all": …, "≤ 5": …, …}`` by the number of tables in the question's model."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in SETS[name](datasets):
        if not case.gold:
            continue
        tally = measure(case, verbose)
        tallies["all"].add(tally)
        tallies[bucket(len(case.model.tables))].add(tally)
    return dict(tallies)


def report(results: dict[str, dict[str, Tally]]) -> str:
    lines = ["| set | tables in model | questions | whole schema fits | all gold sent | all gold in ranked selection | tables in ranked selection (mean) | ms / question |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, tallies in results.items():
        for label in ["all", *(label for _, label in BUCKETS)]:
            t = tallies.get(label)
            if t is None or not t.questions:
                continue
            target = f" (target {TARGETS[name]:.2f})" if label == "all" and name in TARGETS else ""
            lines.append(f"| {name} | {label} | {t.questions} | {t.whole / t.questions:.2f} | **{t.sent / t.questions:.3f}**{target} | "
                         f"{t.ranked / t.questions:.3f} | {t.ranked_tables / t.questions:.1f} | {1000 * t.seconds / t.questions:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--sets", default="spider,bird,spider2,pooled,scale", help=f"comma-separated: {', '.join(SETS)}")
    parser.add_argument("--verbose", action="store_true", help="list questions whose gold tables miss the ranked selection")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        print(f"unknown set(s) {', '.join(unknown)}; valid: {', '.join(SETS)}", file=sys.stderr)
        return 1
    if not (args.datasets / "spider" / "dev.json").exists():
        print(f"no Spider dev set under {args.datasets}", file=sys.stderr)
        return 1
    print(report({name: evaluate(name, args.datasets, args.verbose) for name in names}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
