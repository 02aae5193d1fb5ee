"""Relationship discovery benchmark: recovered relationships vs declared foreign keys, next to naming baselines.

    python benchmarks/relationships.py [--datasets ../shared/datasets] [--markdown]

Chinook, Northwind and Sakila are copied to a temp dir and rebuilt without their foreign keys (and, in a second
variant, without primary keys), then scanned (profile, keys, relationships). Spider's tables.json is inferred from
names, types and declared primary keys alone. The demo warehouse is scanned with its query log against
``examples/streaming/relationships.json``. Scores compare asserted relationships (declared|verified|accepted),
one (child column -> parent column) pair at a time, case-insensitively.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datamodeler.discovery.keys import infer_primary_keys  # noqa: E402
from datamodeler.discovery.relationships import discover_relationships  # noqa: E402
from datamodeler.identifiers import singular  # noqa: E402
from datamodeler.model import ASSERTED_STATUSES, DataModel, SourceInfo  # noqa: E402
from datamodeler.profile import Budget, profile_tables  # noqa: E402
from datamodeler.sources import CatalogFilter, open_source  # noqa: E402

import mutate as mutations  # noqa: E402
import relationship_errors  # noqa: E402
from spider import spider_model  # noqa: E402

Pair = tuple[str, str, str, str]
SAMPLE_DATABASES = {"chinook": "Chinook_Sqlite.sqlite", "northwind": "northwind.db", "sakila": "sakila.db"}


@dataclass
class Score:
    name: str
    found: int
    truth: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(name: str, found: set[Pair], truth: set[Pair]) -> Score:
    return Score(name, len(found), len(truth), len(found & truth))


def pairs_of(relationships) -> set[Pair]:
    """Asserted relationships as lower-cased (child table, child column, parent table, parent column) pairs."""
    out: set[Pair] = set()
    for rel in relationships:
        if rel.status in ASSERTED_STATUSES and rel.cardinality != "M:N":
            for c, p in zip(rel.child_columns, rel.parent_columns):
                out.add((rel.child_table.lower(), c.lower(), rel.parent_table.lower(), p.lower()))
    return out


# -- naming baselines ----------------------------------------------------------------------------


def naming_baseline(model: DataModel, truth_keys: dict[str, list[str]]) -> set[Pair]:
    """SchemaSpy style (identical column name to a single-column PK) plus tbls style (``x_id`` -> ``xs.id``)."""
    keys = {t.lower(): [k.lower() for k in pk] for t, pk in truth_keys.items() if len(pk) == 1}
    found: set[Pair] = set()
    for table in model.tables:
        for column in table.columns:
            name = column.name.lower()
            for parent, (pk,) in keys.items():
                if parent == table.name.lower():
                    continue
                short = parent.rpartition(".")[2]
                if name == pk or (pk == "id" and name in (f"{short}_id", f"{singular(short)}_id")):
                    found.add((table.name.lower(), name, parent, pk))
    return found


# -- sample databases ----------------------------------------------------------------------------


def rebuild_without_constraints(original: Path, target: Path, keep_primary_keys: bool) -> None:
    """Copy a SQLite database table by table, dropping FOREIGN KEY clauses (and PRIMARY KEYs when asked)."""
    src = sqlite3.connect(f"file:{original}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").fetchall():
        info = src.execute(f'PRAGMA table_info("{name}")').fetchall()
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        columns = [f'"{row[1]}" {row[2]}'.strip() for row in info]
        if keep_primary_keys and pk:
            columns.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in pk) + ")")
        dst.execute(f'CREATE TABLE "{name}" ({", ".join(columns)})')
        marks = ", ".join("?" for _ in info)
        dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', src.execute(f'SELECT * FROM "{name}"'))
    dst.commit()
    src.close()
    dst.close()


def scan_database(url: str, sample_rows: int = 100_000, budget_s: float = 60) -> DataModel:
    """Crawl, profile, infer keys and relationships (the scan's own stage functions, no query log)."""
    source = open_source(url)
    try:
        model = DataModel(source=SourceInfo(url=url, dialect=source.dialect, scanned_at="benchmark"))
        model.tables = source.catalog(CatalogFilter())
        profile_tables(source, model.tables, sample_rows, Budget(budget_s, budget_s / 2))
        budget = Budget(budget_s, budget_s / 2)
        infer_primary_keys(source, model.tables, budget)
        model.relationships = discover_relationships(model, source, sample_rows, budget)
        return model
    finally:
        source.close()


def truth_of_sample(declared: dict) -> set[Pair]:
    return {(fk["table"].lower(), c.lower(), fk["ref_table"].lower(), p.lower())
            for fk in declared["foreign_keys"] for c, p in zip(fk["columns"], fk["ref_columns"])}


def run_sample_database(folder: Path, keep_primary_keys: bool, workdir: Path) -> tuple[Score, Score, DataModel]:
    declared = json.loads((folder / "declared_fks.json").read_text())
    target = workdir / f"{folder.name}_{'pk' if keep_primary_keys else 'nopk'}.db"
    rebuild_without_constraints(folder / SAMPLE_DATABASES[folder.name], target, keep_primary_keys)
    model = scan_database(f"sqlite:///{target}")
    truth = truth_of_sample(declared)
    label = f"{folder.name} ({'PKs kept' if keep_primary_keys else 'PKs dropped'})"
    keys = {t: v["primary_key"] for t, v in declared["tables"].items()} if keep_primary_keys else \
        {t.name: t.primary_key for t in model.tables if t.primary_key_source == "inferred"}
    return score(label, pairs_of(model.relationships), truth), score(label, naming_baseline(model, keys), truth), model


# -- Spider --------------------------------------------------------------------------------------

def spider_truth(db: dict) -> set[Pair]:
    names, cols = db["table_names_original"], db["column_names_original"]
    return {(names[cols[c][0]].lower(), cols[c][1].lower(), names[cols[p][0]].lower(), cols[p][1].lower()) for c, p in db["foreign_keys"]}


def run_spider(path: Path) -> tuple[Score, Score]:
    found_all = base_all = truth_all = hits = base_hits = 0
    for db in json.loads(path.read_text()):
        model = spider_model(db)
        infer_primary_keys(None, model.tables, None)
        model.relationships = discover_relationships(model)
        truth = spider_truth(db)
        found, base = pairs_of(model.relationships), naming_baseline(model, {t.name: t.primary_key for t in model.tables})
        found_all, base_all, truth_all = found_all + len(found), base_all + len(base), truth_all + len(truth)
        hits, base_hits = hits + len(found & truth), base_hits + len(base & truth)
    return Score("spider (schema only, 166 DBs)", found_all, truth_all, hits), Score("spider", base_all, truth_all, base_hits)


# -- Spider databases with data, and their mutations ---------------------------------------------


@dataclass
class DataRun:
    """One dev set under one mutation: FK score, PK exactness and (confidence, right) per proposed relationship."""

    score: Score
    pk_exact: int = 0
    pk_total: int = 0
    calibration: list[tuple[float, bool]] | None = None
    errors: list[tuple[str, str, str, Pair]] | None = None  # (database, MISS|EXTRA, cause, pair)

    @property
    def self_evident(self) -> int:
        return sum(1 for _, kind, cause, _ in self.errors or [] if cause == "undeclared, named after the parent")

    @property
    def with_self_evident(self) -> Score:
        """The score against declared FKs plus the self-evident undeclared references found."""
        s, extra = self.score, self.self_evident
        return Score(s.name, s.found, s.truth + extra, s.hits + extra)


def spider_databases(folder: Path, sample: int | None, only: set[str] | None = None) -> list[Path]:
    """The Spider SQLite files (those named in ``only`` when given); every n-th one when a sample size is given."""
    files = sorted(f for f in folder.glob("*.sqlite") if not only or f.stem in only)
    if sample and sample < len(files):
        step = len(files) / sample
        files = [files[int(i * step)] for i in range(sample)]
    return files


def run_one_database(path: Path, mutation: str, keep_primary_keys: bool, workdir: Path) -> DataRun:
    """Mutate, drop FKs (and PKs), scan with a small profile budget, score against the mutated copy's declared FKs."""
    mutated, bare = workdir / f"{path.stem}_{mutation}.sqlite", workdir / f"{path.stem}_{mutation}_bare.sqlite"
    for stale in (mutated, bare):
        stale.unlink(missing_ok=True)
    mutations.mutate(path, mutated, mutation)
    specs = mutations.read_schema(mutated)
    truth = mutations.declared_pairs(mutated)
    mutations.copy_database(mutated, bare, specs, specs, keep_primary_keys, keep_foreign_keys=False)
    model = scan_database(f"sqlite:///{bare}", budget_s=10)
    found = pairs_of(model.relationships)
    calibration = [(rel.confidence, _pairs_of_one(rel) <= truth) for rel in model.relationships if rel.status in ("verified", "plausible")]
    declared_keys = {s.name.lower(): sorted(c.lower() for c in s.primary_key) for s in specs if s.primary_key}
    exact = sum(1 for t in model.tables if declared_keys.get(t.name.lower()) == sorted(c.lower() for c in t.primary_key))
    errors = [(path.stem, kind, cause, p) for kind, cause, p in relationship_errors.explain(model, found, truth, declared_keys)]
    return DataRun(score(path.stem, found, truth), exact, len(declared_keys), calibration, errors)


def _pairs_of_one(rel) -> set[Pair]:
    return {(rel.child_table.lower(), c.lower(), rel.parent_table.lower(), p.lower()) for c, p in zip(rel.child_columns, rel.parent_columns)}


def _run_job(job: tuple[Path, str, bool, Path]) -> DataRun:
    return run_one_database(*job)


def run_spider_data(files: list[Path], mutation: str, keep_primary_keys: bool, workdir: Path, jobs: int = 1) -> DataRun:
    """All ``files`` under one mutation, summed."""
    work = [(f, mutation, keep_primary_keys, workdir) for f in files]
    if jobs > 1:
        from multiprocessing import Pool

        with Pool(jobs) as pool:
            runs = pool.map(_run_job, work, chunksize=4)
    else:
        runs = [_run_job(w) for w in work]
    label = f"spider data ({len(files)} DBs) {mutation}, {'PKs kept' if keep_primary_keys else 'PKs dropped'}"
    total = DataRun(Score(label, sum(r.score.found for r in runs), sum(r.score.truth for r in runs), sum(r.score.hits for r in runs)),
                    sum(r.pk_exact for r in runs), sum(r.pk_total for r in runs), [c for r in runs for c in r.calibration or []],
                    [m for r in runs for m in r.errors or []])
    return total


def reliability_table(calibration: list[tuple[float, bool]], bins: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.01)) -> str:
    """Confidence bins against the measured precision of the relationships in them."""
    lines = ["| confidence | relationships | right | precision | mean confidence |", "| --- | ---: | ---: | ---: | ---: |"]
    for low, high in zip(bins, bins[1:]):
        inside = [(c, ok) for c, ok in calibration if low <= c < high]
        if not inside:
            continue
        right = sum(ok for _, ok in inside)
        mean = sum(c for c, _ in inside) / len(inside)
        lines.append(f"| {low:.1f}–{min(high, 1.0):.1f} | {len(inside)} | {right} | {right / len(inside):.3f} | {mean:.3f} |")
    return "\n".join(lines)


def data_markdown(rows: list[tuple[str, DataRun, float | None]]) -> str:
    lines = ["| mutation | PKs | truth | found | precision | recall | F1 | F1 cost | PKs exact | F1 incl. self-evident |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for mutation, run, base in rows:
        s = run.score
        keys = "kept" if "PKs kept" in s.name else "dropped"
        cost = f"{base - s.f1:+.3f}" if base is not None else "—"
        pk = f"{run.pk_exact}/{run.pk_total}"
        lines.append(f"| {mutation} | {keys} | {s.truth} | {s.found} | {s.precision:.3f} | {s.recall:.3f} | **{s.f1:.3f}** | {cost} | {pk} | "
                     f"{run.with_self_evident.f1:.3f} (+{run.self_evident}) |")
    return "\n".join(lines)


def run_mutations(folder: Path, selected: list[str], sample: int | None, workdir: Path, jobs: int, verbose: bool,
                  errors_file: Path | None = None, only: set[str] | None = None, keys: tuple[bool, ...] = (True, False)) -> str:
    """Every selected mutation with PKs kept and dropped; the F1 cost against the original names; the errors of the
    original names grouped by cause (every error, per database, to ``errors_file``)."""
    files = spider_databases(folder, sample, only)
    rows: list[tuple[str, DataRun, float | None]] = []
    calibration: list[tuple[float, bool]] = []
    causes: list[str] = []
    listing: list[str] = []
    for keep in keys:
        base = None
        for mutation in selected:
            run = run_spider_data(files, mutation, keep, workdir, jobs)
            label = f"{mutation}, {'PKs kept' if keep else 'PKs dropped'}"
            if mutation == "original":
                base = run.score.f1
                calibration += run.calibration or []
                causes.append(f"Errors by cause ({label}):\n\n" + relationship_errors.summary(run.errors or []))
            rows.append((mutation, run, None if mutation == "original" else base))
            listing += [f"[{label}] {db} {kind} {cause}: {p[0]}.{p[1]} -> {p[2]}.{p[3]}" for db, kind, cause, p in run.errors or []]
    if verbose:
        print("\n".join(listing), file=sys.stderr)
    if errors_file:
        errors_file.write_text("\n".join(listing) + "\n")
    out = data_markdown(rows) + "".join("\n\n" + c for c in causes)
    if calibration:
        out += "\n\nReliability (original names, PKs kept and dropped):\n\n" + reliability_table(calibration)
    return out


# -- demo ----------------------------------------------------------------------------------------


def run_demo(workdir: Path) -> tuple[Score, Score] | None:
    truth_file = Path(__file__).resolve().parents[1] / "examples" / "streaming" / "relationships.json"
    if not truth_file.exists():
        return None
    from datamodeler.scan import ScanOptions, run_scan

    model, _ = run_scan(ScanOptions(url=None, use_llm=False, out=workdir / "demo_model.json"))
    truth = demo_truth(json.loads(truth_file.read_text()), model)
    keys = {t.name: t.primary_key for t in model.tables}
    return score("demo warehouse (data + query log)", pairs_of(model.relationships), truth), score("demo", naming_baseline(model, keys), truth)


def demo_truth(data, model: DataModel) -> set[Pair]:
    items = data.get("relationships", data) if isinstance(data, dict) else data
    out: set[Pair] = set()
    for item in items:
        child, parent = model.table(item["child_table"]), model.table(item["parent_table"])
        child_name = child.name if child else item["child_table"]
        parent_name = parent.name if parent else item["parent_table"]
        for c, p in zip(item["child_columns"], item["parent_columns"]):
            out.add((child_name.lower(), c.lower(), parent_name.lower(), p.lower()))
    return out


# -- report --------------------------------------------------------------------------------------


def markdown_table(rows: list[tuple[Score, Score]]) -> str:
    lines = ["| dataset | truth | found | precision | recall | F1 | naming baseline P / R / F1 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for ours, base in rows:
        lines.append(f"| {ours.name} | {ours.truth} | {ours.found} | {ours.precision:.3f} | {ours.recall:.3f} | **{ours.f1:.3f}** | "
                     f"{base.precision:.3f} / {base.recall:.3f} / {base.f1:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo warehouse")
    parser.add_argument("--verbose", action="store_true", help="list misses and false positives")
    parser.add_argument("--errors", type=Path, default=None, help="write every miss and false positive of the Spider databases with data, with its cause, to this file")
    parser.add_argument("--only-spider-data", action="store_true", help="only the Spider databases with data and their mutations")
    parser.add_argument("--no-spider-data", action="store_true", help="skip the Spider databases with data")
    parser.add_argument("--sample", type=int, default=None, help="use every n-th of the Spider databases, this many in all")
    parser.add_argument("--mutations", default=",".join(mutations.MUTATIONS), help="comma-separated: " + ", ".join(mutations.MUTATIONS))
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the Spider databases")
    parser.add_argument("--only", default=None, help="comma-separated Spider database names (file stems): a subset for fast iteration")
    parser.add_argument("--pks", choices=("both", "kept", "dropped"), default="both", help="the Spider runs with PKs kept, dropped, or both")
    args = parser.parse_args(argv)
    rows: list[tuple[Score, Score]] = []
    with tempfile.TemporaryDirectory(prefix="dm-bench-") as tmp:
        data = args.datasets / "spider" / "database"
        if not args.no_spider_data and data.is_dir():
            selected = ["original"] + [m for m in args.mutations.split(",") if m and m != "original"]
            only = {name.strip() for name in args.only.split(",") if name.strip()} if args.only else None
            keys = {"both": (True, False), "kept": (True,), "dropped": (False,)}[args.pks]
            print(run_mutations(data, selected, args.sample, Path(tmp), args.jobs, args.verbose, args.errors, only, keys) + "\n", flush=True)
        if args.only_spider_data:
            return 0
        for name in SAMPLE_DATABASES:
            folder = args.datasets / name
            if not folder.is_dir():
                continue
            for keep in (True, False):
                ours, base, model = run_sample_database(folder, keep, Path(tmp))
                rows.append((ours, base))
                if args.verbose:
                    _explain(model, truth_of_sample(json.loads((folder / "declared_fks.json").read_text())), ours.name)
        spider = args.datasets / "spider" / "tables.json"
        if spider.exists():
            rows.append(run_spider(spider))
        if not args.no_demo and (demo := run_demo(Path(tmp))):
            rows.append(demo)
    print(markdown_table(rows))
    return 0


def _explain(model: DataModel, truth: set[Pair], label: str) -> None:
    found = pairs_of(model.relationships)
    for pair in sorted(truth - found):
        print(f"  {label} MISS {pair}", file=sys.stderr)
    for pair in sorted(found - truth):
        print(f"  {label} EXTRA {pair}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
