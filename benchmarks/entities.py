"""Entities and table roles benchmark: pairwise clustering precision/recall/F1 against the demo's truth entities.

    python benchmarks/entities.py [--datasets ../shared/datasets] [--demo-model PATH] [--markdown]

The demo warehouse is scanned with its query log (no LLM) and its entities are compared with the ``entities`` map of
``examples/streaming/relationships.json`` (also without its query log, so with no lineage): a pair of tables counts when both are in the same entity, over the tables
the truth lists. Role accuracy uses the roles the demo's README names (its bridge tables and its CTAS marts).
Chinook, Northwind and Sakila have no entity truth: they are scanned as shipped (declared keys kept) and their
grouping is printed for eyeballing. ``--demo-model`` re-runs roles and entities on a saved model file instead of
scanning (fast, for iterating on the rules).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.discovery.entities import assign_roles, group_entities  # noqa: E402
from datamodeler.model import DataModel  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TRUTH_FILE = REPO / "examples" / "streaming" / "relationships.json"
SAMPLE_DATABASES = {"chinook": "Chinook_Sqlite.sqlite", "northwind": "northwind.db", "sakila": "sakila.db"}

DEMO_ROLES = {
    # examples/streaming/README.md: "Bridge tables: catalog.title_genres ... and catalog.credits"
    "catalog.title_genres": "bridge",
    "catalog.credits": "bridge",
    # examples/streaming/README.md: marts "daily_title_views, member_ltv, title_popularity — all CTAS" (GROUP BY marts)
    "marts.daily_title_views": "aggregate",
    "marts.member_ltv": "aggregate",
    "marts.title_popularity": "aggregate",
}


@dataclass
class EntityScore:
    name: str
    tables: int
    entities: int
    singletons: int
    duplicated: int
    found_pairs: int
    truth_pairs: int
    hits: int
    roles_right: int = 0
    roles_total: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.truth_pairs if self.truth_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def same_entity_pairs(groups: dict[str, list[str]], universe: set[str]) -> set[tuple[str, str]]:
    """Unordered pairs of tables (lower-cased, restricted to ``universe``) that share an entity."""
    pairs: set[tuple[str, str]] = set()
    for tables in groups.values():
        members = sorted({t.lower() for t in tables} & universe)
        pairs.update(combinations(members, 2))
    return pairs


def score_entities(name: str, model: DataModel, truth: dict[str, list[str]], roles: dict[str, str] | None = None) -> EntityScore:
    """Pairwise clustering scores of ``model.entities`` against ``truth`` (entity -> tables)."""
    universe = {t.lower() for tables in truth.values() for t in tables}
    found = {e.name: e.tables for e in model.entities}
    counts = Counter(t.lower() for tables in found.values() for t in tables)
    found_pairs, truth_pairs = same_entity_pairs(found, universe), same_entity_pairs(truth, universe)
    result = EntityScore(name, len(universe), len(found), sum(1 for t in found.values() if len(t) == 1),
                         sum(1 for c in counts.values() if c > 1), len(found_pairs), len(truth_pairs), len(found_pairs & truth_pairs))
    if roles:
        by_name = {t.name.lower(): t.role for t in model.tables}
        result.roles_total = len(roles)
        result.roles_right = sum(1 for table, role in roles.items() if by_name.get(table.lower()) == role)
    return result


def scan(url: str | None, out: Path, query_logs: list[Path] | None = None) -> DataModel:
    from datamodeler.scan import ScanOptions, run_scan

    model, _ = run_scan(ScanOptions(url=url, query_logs=query_logs or [], out=out, use_llm=False))
    return model


def _demo_url() -> str:
    from datamodeler.demo import demo_url, ensure_demo

    return demo_url(ensure_demo())


def regroup(model: DataModel) -> DataModel:
    """Roles and entities recomputed on a loaded model (what the scan's entities stage does)."""
    for table in model.tables:
        table.role, table.entity = None, None
    assign_roles(model, model.relationships)
    model.entities = group_entities(model, model.relationships)
    return model


def describe(model: DataModel) -> str:
    """The grouping, one entity a line: ``Name: table (role), ...``, then tables in no entity."""
    roles = {t.name: t.role for t in model.tables}
    lines = [f"  {e.name}: " + ", ".join(f"{t} ({roles.get(t)})" for t in e.tables) for e in sorted(model.entities, key=lambda e: e.name)]
    grouped = {t for e in model.entities for t in e.tables}
    loose = [f"{t.name} ({t.role})" for t in model.tables if t.name not in grouped]
    if loose:
        lines.append("  (no entity): " + ", ".join(loose))
    return "\n".join(lines)


def markdown_table(rows: list[EntityScore]) -> str:
    lines = ["| dataset | tables | entities | single-table | in 2+ entities | pairs found / truth | precision | recall | F1 | roles right |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in rows:
        roles = f"{s.roles_right}/{s.roles_total}" if s.roles_total else "–"
        lines.append(f"| {s.name} | {s.tables} | {s.entities} | {s.singletons} | {s.duplicated} | {s.found_pairs} / {s.truth_pairs} | "
                     f"{s.precision:.3f} | {s.recall:.3f} | **{s.f1:.3f}** | {roles} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--demo-model", type=Path, help="re-run roles and entities on this saved demo model instead of scanning")
    parser.add_argument("--no-samples", action="store_true", help="skip Chinook, Northwind and Sakila")
    parser.add_argument("--quiet", action="store_true", help="print the scores only, not the groupings")
    args = parser.parse_args(argv)
    from datamodeler.store import load_model

    truth = json.loads(TRUTH_FILE.read_text())
    with tempfile.TemporaryDirectory(prefix="dm-entities-") as tmp:
        work = Path(tmp)
        demo = regroup(load_model(args.demo_model)) if args.demo_model else scan(None, work / "demo.json")
        rows = [score_entities("demo warehouse (data + query log)", demo, truth["entities"], DEMO_ROLES)]
        if not args.demo_model:
            rows.append(score_entities("demo warehouse (data, no query log)", scan(_demo_url(), work / "demo-nolog.json"),
                                       truth["entities"], DEMO_ROLES))
        groupings = [("demo warehouse", demo)]
        for name, filename in ({} if args.no_samples else SAMPLE_DATABASES).items():
            database = args.datasets / name / filename
            if not database.exists():
                continue
            copy = work / f"{name}.db"
            shutil.copyfile(database, copy)
            groupings.append((name, scan(f"sqlite:///{copy}", work / f"{name}.json")))
    print(markdown_table(rows))
    if not args.quiet:
        roles = {t.name: t.role for t in demo.tables}
        print("\ndemo roles: " + ", ".join(f"{t}={roles.get(t)}" for t in sorted(roles)))
        for name, model in groupings:
            print(f"\n{name}:\n{describe(model)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
