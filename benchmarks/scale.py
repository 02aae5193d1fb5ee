"""Scale benchmark: a synthetic warehouse of many small tables and a big query log, scanned end to end.

    python benchmarks/scale.py                                   # 10,000 tables, 1,000,000 queries, 100,000 shapes
    python benchmarks/scale.py --tables 1000 --queries 100000 --shapes 10000
    python benchmarks/scale.py --sweep                           # 10k / 25k / 50k shapes at fixed tables: linear?
    python benchmarks/scale.py --shape all --sizes 1000,2000,4000  # generator shapes: seconds per stage per size
    python benchmarks/scale.py --shape star --sizes 1000 --no-value-search  # ... without the data-driven search
    python benchmarks/scale.py --tables 100000 --queries 10000000  # the moonshot (1,000,000 shapes; hours here)

``--shape`` builds warehouses whose naming once made discovery quadratic: ``shared_key`` (every table keyed ``id``,
``t<k>.t<k//2>_id``, SQLite), ``chain`` (chains of 1,000 tables ``t<k>.t<k-1>_id``), ``star`` (one fact per 500
dimensions), ``repeated`` (schemas holding the same ten table names, DuckDB), ``roles`` (``t<k>.<syllables>_ref`` -> ``t<k//2>.id``:
role names no table name explains, every value fitting every key: the data-driven search's worst case); each with 5 statement shapes per
table, 10 statements each, and prints a markdown row per size (ms per table should stay flat).

The warehouse (DuckDB) is built deterministically from a seed: schemas of star-like groups, each with dimension
tables keyed by ``<name>_id`` / ``<name>_key`` / ``<Name>Id`` / ``id`` (mixed naming, half the keys declared, no
foreign keys declared) and fact tables referencing several of them. The query log (``.jsonl``, streamed to disk)
holds dashboards joining facts to dimensions with varying literals, so the statements collapse to ``--shapes``
distinct shapes. Then the real scan runs (``run_scan``, no LLM) and per-stage seconds, wall time, peak RSS and the
relationships found are printed. The SPEC target: 10k tables and 1M queries (100k shapes) in under 10 minutes and
2 GiB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.config import load_settings, with_overrides  # noqa: E402
from datamodeler.scan import ScanOptions, run_scan  # noqa: E402

SYLLABLES = ("ka", "lo", "ru", "me", "si", "ta", "no", "vi", "pe", "du", "ga", "zo", "fi", "be", "xu", "ha")
DIMS_PER_GROUP, FACTS_PER_GROUP = 4, 2
GROUPS_PER_SCHEMA = 16
STYLES = ("plain", "dimfct", "camel")  # naming conventions, one per group in turn
BATCH_STATEMENTS = 2000  # CREATE TABLE statements per execute() call


def word(n: int) -> str:
    """A deterministic pseudo-word for ``n`` (4 syllables below 65,536, 5 up to 1,048,576; none ending in 's')."""
    return "".join(SYLLABLES[(n >> shift) & 15] for shift in ((16,) if n >> 16 else ()) + (12, 8, 4, 0))


@dataclass
class Dimension:
    table: str  # schema.table
    key: str  # its key column
    ref: str  # the column name fact tables use for it
    declared: bool


@dataclass
class Fact:
    table: str
    dims: list[Dimension]


def design(tables: int, seed: int = 7) -> list[tuple[str, list[Dimension], list[Fact]]]:
    """(schema, dimensions, facts) per group; about ``tables`` tables in all."""
    rng = random.Random(seed)
    space = 1 << 16 if tables * 2 <= 1 << 16 else 1 << 20  # 100,000 tables need more than 65,536 names
    words = rng.sample(range(space), k=min(space, tables * 2))
    per_group = DIMS_PER_GROUP + FACTS_PER_GROUP
    groups = []
    for g in range(max(1, tables // per_group)):
        schema, style = f"s{g // GROUPS_PER_SCHEMA:03d}", STYLES[g % len(STYLES)]
        names = [word(words[g * per_group + i]) for i in range(per_group)]
        dims = []
        for i, name in enumerate(names[:DIMS_PER_GROUP]):
            declared = (g + i) % 2 == 0
            if style == "plain":
                dims.append(Dimension(f"{schema}.{name}s", "id" if i % 2 else f"{name}_id", f"{name}_id", declared))
            elif style == "dimfct":
                dims.append(Dimension(f"{schema}.dim_{name}", f"{name}_key", f"{name}_key", declared))
            else:
                camel = name.capitalize()
                dims.append(Dimension(f"{schema}.{camel}", f"{camel}Id", f"{camel}Id", declared))
        facts = []
        for j, name in enumerate(names[DIMS_PER_GROUP:]):
            table = {"plain": f"{name}_events", "dimfct": f"fct_{name}", "camel": f"{name.capitalize()}Facts"}[style]
            chosen = dims[j:] + dims[:1] if j else dims[:3]  # facts share some dimensions
            facts.append(Fact(f"{schema}.{table}", chosen))
        groups.append((schema, dims, facts))
    return groups


def build_warehouse(path: Path, groups, rows: int) -> float:
    """Create every table with a few large batches of CREATE TABLE ... AS SELECT over range(); seconds taken."""
    import duckdb

    started = time.monotonic()
    path.unlink(missing_ok=True)
    conn = duckdb.connect(str(path))
    statements = [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in sorted({schema for schema, _, _ in groups})]
    for _, dims, facts in groups:
        for dim in dims:
            pk = f", PRIMARY KEY ({_q(dim.key)})" if dim.declared else ""
            statements.append(
                f"CREATE TABLE {_qt(dim.table)} ({_q(dim.key)} INTEGER NOT NULL, name VARCHAR, category VARCHAR, "
                f"region VARCHAR, created_at DATE{pk})")
            statements.append(
                f"INSERT INTO {_qt(dim.table)} SELECT i, 'name ' || i, 'cat' || (i % 5), "
                f"['eu', 'us', 'apac'][1 + i % 3], DATE '2024-01-01' + CAST(i AS INTEGER) FROM range(1, {rows + 1}) t(i)")
        for fact in facts:
            refs = ", ".join(f"CAST(1 + (i * {7 + n} + {n}) % {rows} AS INTEGER) AS {_q(d.ref)}" for n, d in enumerate(fact.dims))
            statements.append(
                f"CREATE TABLE {_qt(fact.table)} AS SELECT CAST(i AS INTEGER) AS event_id, {refs}, "
                f"CAST(i * 1.5 AS DOUBLE) AS amount, CAST(i % 7 AS INTEGER) AS quantity, "
                f"['open', 'closed', 'void'][1 + i % 3] AS status, DATE '2024-01-01' + CAST(i % 90 AS INTEGER) AS created_at "
                f"FROM range(1, {rows + 1}) t(i)")
    _run_in_batches(conn, statements)
    return time.monotonic() - started


def _run_in_batches(conn, statements: list[str]) -> None:
    """Run ``statements`` ``BATCH_STATEMENTS`` at a time, a transaction each, then close the connection.

    One transaction for everything held the whole warehouse in memory until the commit (over 20 GiB at 100,000
    tables); a commit per batch lets DuckDB write each batch out."""
    conn.execute("SET memory_limit = '2GB'")  # DuckDB's default buffer cache is 80% of RAM
    for start in range(0, len(statements), BATCH_STATEMENTS):
        conn.execute("BEGIN")
        conn.execute(";\n".join(statements[start:start + BATCH_STATEMENTS]))
        conn.execute("COMMIT")
    conn.close()


def _q(name: str) -> str:
    return f'"{name}"'


def _qt(table: str) -> str:
    schema, _, name = table.partition(".")
    return f'{schema}."{name}"'


AGGREGATES = ("SUM(f.amount)", "COUNT(*)", "AVG(f.quantity)", "MAX(f.amount)")
GROUP_COLUMNS = ("name", "category", "region")
FILTERS = ("f.created_at >= '{date}'", "f.status = '{status}'", "d1.region IN ({regions})")
VARIANTS = 7 * len(AGGREGATES) * len(GROUP_COLUMNS) * len(FILTERS) * 2  # dimension subsets x ... x LIMIT or not


def shape_template(facts: list[Fact], index: int) -> str:
    """The dashboard statement of shape ``index`` with ``{placeholders}`` for its literals."""
    fact = facts[index % len(facts)]
    variant = index // len(facts)
    if variant >= VARIANTS:
        raise ValueError(f"at most {VARIANTS * len(facts)} shapes for {len(facts)} fact tables")
    variant, subset = divmod(variant, 7)
    variant, aggregate = divmod(variant, len(AGGREGATES))
    variant, group = divmod(variant, len(GROUP_COLUMNS))
    limit, filter_ = divmod(variant, len(FILTERS))
    dims = [d for bit, d in enumerate(fact.dims[:3]) if (subset + 1) >> bit & 1]  # a non-empty subset of three
    joins = " ".join(f"JOIN {d.table} d{n} ON f.{d.ref} = d{n}.{d.key}" for n, d in enumerate(dims, 1))
    sql = (f"SELECT d1.{GROUP_COLUMNS[group]}, {AGGREGATES[aggregate]} AS measure FROM {fact.table} f {joins} "
           f"WHERE {FILTERS[filter_]} GROUP BY d1.{GROUP_COLUMNS[group]}")
    return sql + (" ORDER BY measure DESC LIMIT {limit}" if limit else "")


def write_query_log(path: Path, groups, queries: int, shapes: int, seed: int = 11) -> float:
    """``queries`` statements over ``shapes`` shapes (each at least once, then skewed), written line by line."""
    started = time.monotonic()
    facts = [fact for _, _, group_facts in groups for fact in group_facts]
    rng = random.Random(seed)
    templates: dict[int, str] = {}
    users = [f"analyst{n}@example.com" for n in range(40)]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(queries):
            if n < shapes:
                index = n
            else:  # popular dashboards run far more often than the rest
                index = rng.randrange(max(1, shapes // 100)) if rng.random() < 0.3 else rng.randrange(shapes)
            template = templates.get(index)
            if template is None:
                template = templates[index] = shape_template(facts, index)
            regions = ", ".join(f"'{r}'" for r in rng.sample(["eu", "us", "apac", "latam", "mea"], rng.randint(2, 4)))
            sql = template.format(date=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", status=rng.choice(["open", "closed", "void"]),
                                  regions=regions, limit=rng.choice([10, 20, 50, 100]))
            day, second = divmod(n, 86400 // 4)
            row = {"query_text": sql, "user_name": users[n % len(users)], "start_time": f"2024-03-{1 + day % 28:02d}T{second * 4 // 3600:02d}:{second * 4 // 60 % 60:02d}:{second * 4 % 60:02d}Z"}
            out.write(json.dumps(row) + "\n")
            if len(templates) > 50_000:
                templates.clear()
    return time.monotonic() - started


# --- Generator shapes (issue 14): warehouses whose naming makes naive discovery quadratic -------------------------

SHAPES = ("shared_key", "chain", "star", "repeated", "roles")
SHAPE_KINDS_PER_TABLE = 5  # distinct statement shapes per table in the log


@dataclass
class TableSpec:
    """One generated table: key ``id``, reference columns ``(column, parent index)``, two plain columns."""

    schema: str | None
    name: str
    refs: list[tuple[str, int]]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def shape_tables(shape: str, tables: int) -> list[TableSpec]:
    """The tables of a generator shape (see ``SHAPES``); every table has the key ``id``."""
    if shape == "shared_key":  # t<k>.t<k//2>_id -> t<k//2>.id: one key name shared by every table, a binary tree
        return [TableSpec(None, f"t{k}", [(f"t{k // 2}_id", k // 2)] if k else []) for k in range(tables)]
    if shape == "chain":  # t<k>.parent_id -> t<k-1>.id: chains of 1,000 tables, all their references named alike
        return [TableSpec(None, f"t{k}", [(f"t{k - 1}_id", k - 1)] if k % 1000 else []) for k in range(tables)]
    if shape == "roles":  # t<k>.<syllables>_ref -> t<k//2>.id: role names no table name explains (the value search's work)
        return [TableSpec(None, f"t{k}", [(f"{word(k // 2)}_ref", k // 2)] if k else []) for k in range(tables)]
    if shape == "star":  # one fact per 501 tables, referencing its 500 dimensions
        return _star_tables(tables)
    if shape == "repeated":  # schemas s0000.. holding the same ten table names (an app database per tenant)
        return _repeated_tables(tables)
    raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")


def _star_tables(tables: int) -> list[TableSpec]:
    specs: list[TableSpec] = []
    for star in range(max(1, tables // 501)):
        first = len(specs)
        specs.extend(TableSpec(None, f"dim_{word(star * 512 + d)}", []) for d in range(500))
        refs = [(f"{specs[first + d].name[4:]}_id", first + d) for d in range(500)]
        specs.append(TableSpec(None, f"fact_{word(star * 512 + 511)}", refs))
    return specs


REPEATED = (("customers", ()), ("products", ("category",)), ("categories", ()), ("orders", ("customer",)),
            ("order_items", ("order", "product")), ("suppliers", ()), ("shipments", ("order", "supplier")),
            ("invoices", ("order", "customer")), ("payments", ("invoice",)), ("employees", ()))


def _repeated_tables(tables: int) -> list[TableSpec]:
    specs: list[TableSpec] = []
    plural = {"category": "categories"}
    for s in range(max(1, tables // len(REPEATED))):
        first = len(specs)
        position = {name: first + i for i, (name, _) in enumerate(REPEATED)}
        for name, parents in REPEATED:
            refs = [(f"{p}_id", position[plural.get(p, p + "s")]) for p in parents]
            specs.append(TableSpec(f"s{s:04d}", name, refs))
    return specs


def build_shape_warehouse(path: Path, specs: list[TableSpec], rows: int) -> float:
    """SQLite (one schema) or DuckDB (``repeated``: many schemas); each table ``rows`` rows, references valid."""
    started = time.monotonic()
    path.unlink(missing_ok=True)
    if any(spec.schema for spec in specs):
        import duckdb

        conn = duckdb.connect(str(path))
        statements = [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in sorted({spec.schema for spec in specs})]
        statements += [_create_as_select(spec, rows, "range") for spec in specs]
        _run_in_batches(conn, statements)
        return time.monotonic() - started
    import sqlite3

    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE _range (i INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO _range VALUES (?)", [(i,) for i in range(1, rows + 1)])
    for spec in specs:
        columns = ", ".join(["id INTEGER PRIMARY KEY"] + [f'"{c}" INTEGER' for c, _ in spec.refs] + ["name TEXT", "amount REAL"])
        conn.execute(f'CREATE TABLE "{spec.name}" ({columns})')
        conn.execute(f'INSERT INTO "{spec.name}" {_select_rows(spec, rows, "_range")}')
    conn.execute("DROP TABLE _range")
    conn.commit()
    conn.close()
    return time.monotonic() - started


def _select_rows(spec: TableSpec, rows: int, range_table: str) -> str:
    refs = "".join(f", 1 + (i * {7 + n}) % {rows}" for n in range(len(spec.refs)))
    return f"SELECT i{refs}, 'name ' || i, i * 1.5 FROM {range_table}"


def _create_as_select(spec: TableSpec, rows: int, _: str) -> str:
    refs = "".join(f', CAST(1 + (i * {7 + n}) % {rows} AS INTEGER) AS "{c}"' for n, (c, _) in enumerate(spec.refs))
    return (f'CREATE TABLE {spec.schema}."{spec.name}" AS SELECT CAST(i AS INTEGER) AS id{refs}, '
            f"'name ' || i AS name, i * 1.5 AS amount FROM range(1, {rows + 1}) t(i)")


def shape_statement(specs: list[TableSpec], index: int, literal: int) -> str:
    """Statement shape ``index`` (``SHAPE_KINDS_PER_TABLE`` per table) with its literal filled in."""
    table, kind = divmod(index, SHAPE_KINDS_PER_TABLE)
    spec = specs[table % len(specs)]
    child = spec.qualified
    if spec.refs and kind in (0, 2, 4):
        column, parent_index = spec.refs[(kind // 2) % len(spec.refs)]
        parent = specs[parent_index].qualified
        join = f'{child} c JOIN {parent} p ON c."{column}" = p.id'
        if kind == 0:
            return f"SELECT c.name, p.name FROM {join} WHERE c.id = {literal}"
        if kind == 2:
            return f"SELECT p.name, SUM(c.amount) AS total FROM {join} GROUP BY p.name HAVING SUM(c.amount) > {literal}"
        return f"SELECT c.id, p.amount FROM {join} WHERE p.amount > {literal} ORDER BY c.id LIMIT 10"
    if kind in (0, 1):
        return f"SELECT COUNT(*) FROM {child} WHERE amount > {literal}"
    if kind in (2, 3):
        return f"SELECT name, amount FROM {child} WHERE name = 'name {literal}'"
    return f"SELECT MAX(amount) FROM {child} WHERE id < {literal}"


def write_shape_log(path: Path, specs: list[TableSpec], queries: int, seed: int = 11) -> float:
    """``queries`` statements streamed to disk, cycling through every table's shapes (each shape ~equally often)."""
    started = time.monotonic()
    shapes = len(specs) * SHAPE_KINDS_PER_TABLE
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(queries):
            sql = shape_statement(specs, n % shapes, rng.randint(1, 10_000))
            row = {"query_text": sql, "user_name": f"analyst{n % 40}@example.com",
                   "start_time": f"2024-03-{1 + n // 86400 % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"}
            out.write(json.dumps(row) + "\n")
    return time.monotonic() - started


class TreeMemory:
    """Samples the resident memory of this process and all its descendants (worker pools included) twice a second."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, tree_rss_mib(os.getpid()))


def tree_rss_mib(root: int) -> float:
    """Resident MiB of ``root`` and its descendants, from /proc (0 where /proc is absent)."""
    parents: dict[int, int] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0.0) for pid in tree)


class PrintedProgress:
    """Prints when each stage starts and ends, with the process tree's memory (to watch a long run)."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[PrintedProgress]:
        print(f"  [{time.monotonic() - self.started:6.1f}s] {name} ({total if total is not None else '-'}) ...", flush=True)
        yield self
        print(f"  [{time.monotonic() - self.started:6.1f}s] {name} done, {tree_rss_mib(os.getpid()):.0f} MiB", flush=True)

    def advance(self, n: int = 1) -> None:
        pass


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its (waited-for) children, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run_once(tables: int, queries: int, shapes: int, rows: int, workdir: Path, rebuild: bool = True, reuse_log: bool = False) -> dict:
    groups = design(tables)
    shapes = min(shapes, queries)
    db, log, out = workdir / f"scale_{tables}.duckdb", workdir / f"scale_{queries}_{shapes}.jsonl", workdir / "datamodel.json"
    built = build_warehouse(db, groups, rows) if rebuild or not db.exists() else 0.0
    written = 0.0 if reuse_log and log.exists() else write_query_log(log, groups, queries, shapes)
    out.unlink(missing_ok=True)
    started = time.monotonic()
    with TreeMemory() as memory:
        model, summary = run_scan(ScanOptions(url=f"duckdb:///{db}", query_logs=[log], out=out, use_llm=False), PrintedProgress())
    wall = time.monotonic() - started
    own, children = peak_rss_mib()
    return {
        "tables": summary.tables, "queries": summary.queries.get("total"), "shapes": summary.queries.get("distinct"),
        "parsed": summary.queries.get("parsed"), "build_s": round(built, 1), "log_s": round(written, 1),
        "timings": summary.timings, "wall_s": round(wall, 1), "peak_rss_mib": round(own), "peak_rss_children_mib": round(children),
        "peak_tree_mib": round(memory.peak),
        "relationships": summary.relationships, "true_references": sum(len(f.dims) for _, _, fs in groups for f in fs),
        "model_mib": round(out.stat().st_size / 2**20, 1), "log_mib": round(log.stat().st_size / 2**20, 1),
        "lineage_edges": summary.lineage_edges, "warnings": len(summary.warnings),
    }


def run_shape(shape: str, tables: int, per_shape: int, rows: int, workdir: Path, queries: int | None = None,
              value_search: bool = True) -> dict:
    """Build a generator shape's warehouse and log, scan it (no LLM), return the per-stage seconds and memory;
    ``value_search=False`` switches the data-driven relationship search off (``[scan] value_search``)."""
    specs = shape_tables(shape, tables)
    suffix = ".duckdb" if any(s.schema for s in specs) else ".db"
    db, log, out = workdir / f"{shape}_{tables}{suffix}", workdir / f"{shape}_{tables}.jsonl", workdir / f"{shape}_{tables}.json"
    built = build_shape_warehouse(db, specs, rows)
    total = queries if queries is not None else len(specs) * SHAPE_KINDS_PER_TABLE * per_shape
    written = write_shape_log(log, specs, total)
    out.unlink(missing_ok=True)
    url = f"duckdb:///{db}" if suffix == ".duckdb" else f"sqlite:///{db}"
    started = time.monotonic()
    with TreeMemory() as memory:
        settings = with_overrides(load_settings(), "scan", value_search=value_search)
        _, summary = run_scan(ScanOptions(url=url, query_logs=[log], out=out, use_llm=False, settings=settings))
    return {"shape": shape, "value_search": value_search, "tables": summary.tables, "queries": summary.queries.get("total"),
            "shapes": summary.queries.get("distinct"), "build_s": round(built, 1), "log_s": round(written, 1),
            "timings": summary.timings, "wall_s": round(time.monotonic() - started, 1), "peak_tree_mib": round(memory.peak),
            "relationships": summary.relationships}


def run_isolated(shape: str, tables: int, args: argparse.Namespace, workdir: Path) -> dict:
    """``run_shape`` in a fresh interpreter, so no cache warmed by a smaller size flatters a larger one."""
    import subprocess

    command = [sys.executable, __file__, "--shape", shape, "--sizes", str(tables), "--one", "--workdir", str(workdir),
               "--queries-per-shape", str(args.queries_per_shape), "--rows-per-table", str(args.rows_per_table)]
    command += ["--no-value-search"] if args.no_value_search else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{shape} at {tables} tables failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_shapes(results: list[dict]) -> None:
    """One markdown row per run: seconds per stage and milliseconds per table (flat = linear)."""
    stages = ("query log", "lineage", "profile", "relationships", "entities")
    print("\n| shape | tables | shapes | " + " | ".join(f"{s} s" for s in stages) + " | total s | ms/table | peak MiB |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in stages) + " | ---: | ---: | ---: |")
    for r in results:
        seconds = " | ".join(f"{r['timings'].get(s, 0):.1f}" for s in stages)
        label = r["shape"] + ("" if r.get("value_search", True) else " (no value search)")
        print(f"| {label} | {r['tables']:,} | {r['shapes']:,} | {seconds} | {r['wall_s']:.1f} "
              f"| {1000 * r['wall_s'] / max(1, r['tables']):.1f} | {r['peak_tree_mib']} |", flush=True)


def report(result: dict) -> None:
    print(f"tables {result['tables']}, queries {result['queries']:,}, distinct shapes {result['shapes']:,} (parsed {result['parsed']:,})")
    print(f"warehouse built in {result['build_s']}s, log written in {result['log_s']}s ({result['log_mib']} MiB)")
    for stage, seconds in result["timings"].items():
        print(f"  {stage:<14} {seconds:8.1f}s")
    print(f"scan wall time {result['wall_s']}s; peak RSS {result['peak_rss_mib']} MiB (this process, getrusage), "
          f"{result['peak_rss_children_mib']} MiB (largest waited-for child), {result['peak_tree_mib']} MiB (process tree, sampled)")
    print(f"relationships {result['relationships']} (true references: {result['true_references']}); "
          f"model file {result['model_mib']} MiB; lineage edges {result['lineage_edges']}; warnings {result['warnings']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000_000)
    parser.add_argument("--shapes", type=int, default=None, help="distinct statement shapes (default: queries / 10)")
    parser.add_argument("--rows-per-table", type=int, default=50)
    parser.add_argument("--workdir", type=Path, default=None, help="where the warehouse, log and model go (default: a temp dir)")
    parser.add_argument("--sweep", action="store_true", help="10k / 25k / 50k shapes (10 queries each) at fixed --tables")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--reuse", action="store_true", help="keep the warehouse and log already in --workdir")
    parser.add_argument("--shape", action="append", choices=SHAPES + ("all",),
                        help="a generator shape (repeatable; 'all' for every one): per-stage time at each of --sizes")
    parser.add_argument("--sizes", default="1000,2000,4000,10000", help="table counts for --shape (comma-separated)")
    parser.add_argument("--queries-per-shape", type=int, default=10, help="statements per distinct shape for --shape")
    parser.add_argument("--no-value-search", action="store_true",
                        help="with --shape: switch the data-driven relationship search off, to measure what it adds")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="datamodeler-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"workdir {workdir}, {os.cpu_count()} cores, python {sys.version.split()[0]}")
    if args.shape and args.one:  # one size, in this process: a JSON line for the parent
        print(json.dumps(run_shape(args.shape[0], int(args.sizes), args.queries_per_shape, args.rows_per_table, workdir,
                                   value_search=not args.no_value_search)))
        return
    if args.shape:
        shapes = SHAPES if "all" in args.shape else tuple(dict.fromkeys(args.shape))
        results = []
        for shape in shapes:
            for size in (int(s) for s in args.sizes.split(",")):
                results.append(run_isolated(shape, size, args, workdir))
                report_shapes(results[-1:])
        report_shapes(results)
        return
    if not args.sweep:
        shapes = args.shapes if args.shapes is not None else max(1, args.queries // 10)
        result = run_once(args.tables, args.queries, shapes, args.rows_per_table, workdir, rebuild=not args.reuse, reuse_log=args.reuse)
        report(result)
        if args.json:
            print(json.dumps(result))
        return
    results = []
    for shapes in (10_000, 25_000, 50_000):
        result = run_once(args.tables, shapes * 10, shapes, args.rows_per_table, workdir, rebuild=not (results or args.reuse), reuse_log=args.reuse)
        report(result)
        results.append(result)
    print("\n| shapes | queries | query log s | lineage s | scan wall s | s per 1k shapes (log + lineage) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        shaped = r["timings"].get("query log", 0) + r["timings"].get("lineage", 0)
        print(f"| {r['shapes']:,} | {r['queries']:,} | {r['timings'].get('query log', 0):.1f} | {r['timings'].get('lineage', 0):.1f} "
              f"| {r['wall_s']:.1f} | {1000 * shaped / r['shapes']:.2f} |")


if __name__ == "__main__":
    main()
