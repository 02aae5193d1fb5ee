"""Ask benchmark: schema-linking recall of the gold SQL's tables on Spider dev questions, no LLM.

    python benchmarks/ask_linking.py [--datasets ../shared/datasets] [--verbose]

One DataModel per Spider database from ``spider/tables.json`` (original table and column names, types, declared
primary keys, foreign keys as declared relationships; no data, no descriptions, no query log). Each dev question
is linked with ``datamodeler.ask.linking.link_question``; the gold tables are the tables the gold SQL reads
(sqlglot). Recall@k = gold tables found in the top k / gold tables. The dev databases are split by sorted
position: even positions were used to tune the linker, odd positions are held out; both halves are reported.
Most Spider dev databases have five tables or fewer, where recall@5 is 1.0 by construction, so the table also
shows recall@|gold| (the gold tables must be the top-ranked ones) and recall@5 on databases with more than five.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datamodeler.ask.linking import link_question  # noqa: E402
from spider import spider_model  # noqa: E402
from datamodeler.model import DataModel  # noqa: E402

def gold_tables(sql: str, model: DataModel) -> set[str]:
    """The model tables the gold SQL reads (CTE names and unknown names left out)."""
    tree = sqlglot.parse_one(sql, read="sqlite")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        known = model.table(table.name) if table.name.lower() not in ctes else None
        if known is not None:
            found.add(known.name)
    return found


@dataclass
class Recall:
    """Gold tables found at several cut-offs, summed over questions."""

    questions: int = 0
    gold: int = 0
    at: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    complete_at_5: int = 0  # questions with every gold table in the top 5

    def add(self, ranked: list[str], gold: set[str]) -> None:
        self.questions += 1
        self.gold += len(gold)
        for k in (1, 3, 5):
            self.at[str(k)] += len(gold & set(ranked[:k]))
        self.at["gold"] += len(gold & set(ranked[: len(gold)]))
        self.complete_at_5 += gold <= set(ranked[:5])

    def merge(self, other: Recall) -> None:
        self.questions += other.questions
        self.gold += other.gold
        self.complete_at_5 += other.complete_at_5
        for key, value in other.at.items():
            self.at[key] += value

    def recall(self, key: str) -> float:
        return self.at[key] / self.gold if self.gold else 1.0


def evaluate(datasets: Path, verbose: bool = False) -> dict[str, tuple[int, Recall]]:
    """Recall per dev database: ``{db_id: (table count, Recall)}``."""
    spider = datasets / "spider"
    schemas = {db["db_id"]: db for db in json.loads((spider / "tables.json").read_text())}
    models: dict[str, DataModel] = {}
    results: dict[str, tuple[int, Recall]] = {}
    for item in json.loads((spider / "dev.json").read_text()):
        db_id = item["db_id"]
        model = models.get(db_id) or models.setdefault(db_id, spider_model(schemas[db_id], declared_fks=True))
        gold = gold_tables(item["query"], model)
        ranked = [t.name for t in link_question(item["question"], model).tables]
        results.setdefault(db_id, (len(model.tables), Recall()))[1].add(ranked, gold)
        if verbose and not gold <= set(ranked[: len(gold)]):
            print(f"  {db_id}: {item['question']!r} gold {sorted(gold)} top {ranked[:len(gold) + 1]}", file=sys.stderr)
    return results


def split(db_ids: list[str]) -> tuple[list[str], list[str]]:
    """(tuning half, held-out half): even and odd positions of the sorted database names."""
    ordered = sorted(db_ids)
    return ordered[0::2], ordered[1::2]


def total(results: dict[str, tuple[int, Recall]], db_ids: list[str], min_tables: int = 0) -> Recall:
    summed = Recall()
    for db_id in db_ids:
        tables, recall = results[db_id]
        if tables > min_tables:
            summed.merge(recall)
    return summed


def row(label: str, tables: str, recall: Recall) -> str:
    return (f"| {label} | {tables} | {recall.questions} | {recall.recall('1'):.3f} | {recall.recall('3'):.3f} | "
            f"**{recall.recall('5'):.3f}** | {recall.recall('gold'):.3f} | {recall.complete_at_5 / max(recall.questions, 1):.3f} |")


def report(results: dict[str, tuple[int, Recall]]) -> str:
    tune, held_out = split(list(results))
    lines = ["| databases | tables | questions | recall@1 | recall@3 | recall@5 | recall@\\|gold\\| | all gold in top 5 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for db_id in sorted(results):
        half = "tune" if db_id in tune else "held out"
        lines.append(row(f"{db_id} ({half})", str(results[db_id][0]), results[db_id][1]))
    lines.append(row("**tuning half**", "", total(results, tune)))
    lines.append(row("**held-out half**", "", total(results, held_out)))
    lines.append(row("**held-out, > 5 tables**", "", total(results, held_out, min_tables=5)))
    lines.append(row("**all dev**", "", total(results, list(results))))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--verbose", action="store_true", help="list questions whose gold tables are not the top-ranked ones")
    args = parser.parse_args(argv)
    if not (args.datasets / "spider" / "dev.json").exists():
        print(f"no Spider dev set under {args.datasets}", file=sys.stderr)
        return 1
    print(report(evaluate(args.datasets, args.verbose)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
