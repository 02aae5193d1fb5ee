"""Rewrite a SQLite database into another naming or modelling convention, keeping its keys declared.

    python benchmarks/mutate.py SOURCE.sqlite TARGET.sqlite MUTATION

Mutations (``MUTATIONS``): ``lower_concat`` (``business_entity_id`` -> ``businessentityid``), ``pascal``
(``BusinessEntityID``), ``camel`` (``businessEntityId``), ``prefixed`` (tables ``tbl_``, columns prefixed with an
abbreviation of their table: ``c_custkey`` style), ``key_suffixes`` (``customer_id`` -> ``customer_number`` /
``customer_no`` / ``customer_code``), ``subtype`` (adds a supertype -> subtype -> sub-subtype chain on the biggest
integer-keyed table, and a table that references the middle subtype), ``orphans`` (2% of the child rows of each
declared foreign key point at no parent). The result keeps its primary and foreign keys declared under the new
names, so the truth of a benchmark is read from the mutated copy itself.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.identifiers import tokens  # noqa: E402

ORPHAN_SHARE = 0.02


@dataclass
class TableSpec:
    name: str
    columns: list[tuple[str, str]]
    primary_key: list[str]
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)


def read_schema(path: Path) -> list[TableSpec]:
    """Tables, column types, primary keys and foreign keys (implicit parent columns resolved to the parent's key)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    specs = {}
    for name in names:
        info = con.execute(f'PRAGMA table_info("{name}")').fetchall()
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        specs[name.lower()] = TableSpec(name, [(row[1], row[2]) for row in info], pk)
    for spec in specs.values():
        groups: dict[int, list] = {}
        for row in con.execute(f'PRAGMA foreign_key_list("{spec.name}")'):
            groups.setdefault(row[0], []).append(row)
        for rows in groups.values():
            parent = specs.get(rows[0][2].lower())
            if parent is None:
                continue
            parent_columns = [r[4] for r in rows] if all(r[4] for r in rows) else parent.primary_key
            spec.foreign_keys.append(([r[3] for r in rows], parent.name, list(parent_columns)))
    con.close()
    return list(specs.values())


def declared_pairs(path: Path) -> set[tuple[str, str, str, str]]:
    """Declared foreign keys as lower-cased (child table, child column, parent table, parent column) pairs."""
    return {(t.name.lower(), c.lower(), parent.lower(), p.lower())
            for t in read_schema(path) for cols, parent, pcols in t.foreign_keys for c, p in zip(cols, pcols)}


# -- names ---------------------------------------------------------------------------------------


def lower_concat(name: str) -> str:
    return "".join(tokens(name)) or name


def pascal(name: str) -> str:
    return "".join("ID" if w == "id" else w.capitalize() for w in tokens(name)) or name


def camel(name: str) -> str:
    words = tokens(name)
    return (words[0] + "".join(w.capitalize() for w in words[1:])) if words else name


def key_suffix(name: str) -> str:
    """``customer_id`` -> ``customer_number``, ``customer_no`` or ``customer_code`` (chosen by the name's hash)."""
    words = tokens(name)
    if len(words) < 2 or words[-1] != "id":
        return name
    suffix = ("number", "no", "code")[int(hashlib.sha1("".join(words[:-1]).encode()).hexdigest(), 16) % 3]
    return "_".join(words[:-1] + [suffix])


def abbreviation(table: str) -> str:
    """``order_items`` -> ``oi``; ``customer`` -> ``cu``: the column prefix a table's columns get."""
    words = tokens(table)
    return "".join(w[0] for w in words) if len(words) > 1 else (words[0][:2] if words else "t")


NAMINGS: dict[str, tuple[Callable[[str], str], Callable[[str, str], str]]] = {
    # mutation -> (table renamer, column renamer(table, column))
    "lower_concat": (lower_concat, lambda t, c: lower_concat(c)),
    "pascal": (pascal, lambda t, c: pascal(c)),
    "camel": (camel, lambda t, c: camel(c)),
    "prefixed": (lambda t: "tbl_" + t, lambda t, c: f"{abbreviation(t)}_{c}"),
    "key_suffixes": (lambda t: t, lambda t, c: key_suffix(c)),
}
MUTATIONS = ("original", *NAMINGS, "subtype", "orphans")


def renamed(specs: list[TableSpec], table_name: Callable[[str], str], column_name: Callable[[str, str], str]) -> list[TableSpec]:
    """The schema under new names; a new name that would collide keeps the old one."""
    tables: dict[str, str] = {}
    for spec in specs:
        new = table_name(spec.name)
        tables[spec.name.lower()] = spec.name if new.lower() in {v.lower() for v in tables.values()} else new
    columns: dict[tuple[str, str], str] = {}
    for spec in specs:
        used: set[str] = set()
        originals = {name.lower() for name, _ in spec.columns}
        for name, _ in spec.columns:
            new = column_name(spec.name, name)
            new = name if new.lower() in used or (new.lower() != name.lower() and new.lower() in originals) else new
            used.add(new.lower())
            columns[(spec.name.lower(), name.lower())] = new

    def col(table: str, name: str) -> str:
        return columns[(table.lower(), name.lower())]
    return [TableSpec(tables[s.name.lower()], [(col(s.name, c), t) for c, t in s.columns], [col(s.name, c) for c in s.primary_key],
                      [([col(s.name, c) for c in cols], tables[parent.lower()], [col(parent, p) for p in pcols])
                       for cols, parent, pcols in s.foreign_keys]) for s in specs]


# -- writing -------------------------------------------------------------------------------------


def create_sql(spec: TableSpec, keep_primary_key: bool = True, keep_foreign_keys: bool = True) -> str:
    parts = [f'"{c}" {t}'.strip() for c, t in spec.columns]
    if keep_primary_key and spec.primary_key:
        parts.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in spec.primary_key) + ")")
    if keep_foreign_keys:
        for cols, parent, pcols in spec.foreign_keys:
            parts.append(f'FOREIGN KEY ({", ".join(chr(34) + c + chr(34) for c in cols)}) REFERENCES "{parent}" '
                         f'({", ".join(chr(34) + p + chr(34) for p in pcols)})')
    return f'CREATE TABLE "{spec.name}" ({", ".join(parts)})'


def copy_database(source: Path, target: Path, old: list[TableSpec], new: list[TableSpec],
                  keep_primary_keys: bool = True, keep_foreign_keys: bool = True) -> None:
    """Write ``new``'s tables into ``target`` with the rows of ``old``'s (same order of tables and columns)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    for before, after in zip(old, new):
        dst.execute(create_sql(after, keep_primary_keys, keep_foreign_keys))
        marks = ", ".join("?" for _ in after.columns)
        dst.executemany(f'INSERT INTO "{after.name}" VALUES ({marks})', src.execute(f'SELECT * FROM "{before.name}"'))
    dst.commit()
    src.close()
    dst.close()


def mutate(source: Path, target: Path, mutation: str) -> None:
    """Write ``source`` rewritten by ``mutation`` to ``target`` (keys stay declared)."""
    if mutation not in MUTATIONS:
        raise SystemExit(f"unknown mutation {mutation!r}; one of: {', '.join(MUTATIONS)}")
    specs = read_schema(source)
    new = renamed(specs, *NAMINGS[mutation]) if mutation in NAMINGS else specs
    copy_database(source, target, specs, new)
    if mutation == "subtype":
        add_subtype_chain(target, new)
    elif mutation == "orphans":
        inject_orphans(target, new)


def add_subtype_chain(target: Path, specs: list[TableSpec]) -> None:
    """``<t>`` -> ``premium_<t>`` (half its keys) -> ``gold_premium_<t>`` (a quarter), and ``premium_<t>_visit``
    referencing ``premium_<t>``: the chain keeps the supertype's key column name, as subtype tables do."""
    con = sqlite3.connect(target)
    base = _subtype_base(con, specs)
    if base is None:
        con.close()
        return
    key = base.primary_key[0]
    keys = [k for (k,) in con.execute(f'SELECT "{key}" FROM "{base.name}" ORDER BY "{key}"')]
    middle, leaf = f"premium_{base.name}", f"gold_premium_{base.name}"
    con.execute(f'CREATE TABLE "{middle}" ("{key}" INTEGER PRIMARY KEY REFERENCES "{base.name}" ("{key}"), "discount" REAL)')
    con.executemany(f'INSERT INTO "{middle}" VALUES (?, ?)', [(k, 0.1) for k in keys[::2]])
    con.execute(f'CREATE TABLE "{leaf}" ("{key}" INTEGER PRIMARY KEY REFERENCES "{middle}" ("{key}"), "lounge" TEXT)')
    con.executemany(f'INSERT INTO "{leaf}" VALUES (?, ?)', [(k, "yes") for k in keys[::4]])
    visit = f"{middle}_visit"
    con.execute(f'CREATE TABLE "{visit}" ("visit_id" INTEGER PRIMARY KEY, "{key}" INTEGER REFERENCES "{middle}" ("{key}"), "spent" REAL)')
    con.executemany(f'INSERT INTO "{visit}" VALUES (?, ?, ?)', [(i, k, 1.5 * i) for i, k in enumerate(keys[::2] * 2)])
    con.commit()
    con.close()


def _subtype_base(con: sqlite3.Connection, specs: list[TableSpec]) -> TableSpec | None:
    """The table with the most rows among those with a one-column integer primary key (at least 4 rows)."""
    best, most = None, 3
    for spec in specs:
        types = dict(spec.columns)
        if len(spec.primary_key) != 1 or "INT" not in types.get(spec.primary_key[0], "").upper():
            continue
        rows = con.execute(f'SELECT COUNT(*) FROM "{spec.name}"').fetchone()[0]
        if rows > most:
            best, most = spec, rows
    return best


def inject_orphans(target: Path, specs: list[TableSpec]) -> None:
    """Point ``ORPHAN_SHARE`` of each one-column foreign key's non-null child rows (at least one) at no parent."""
    con = sqlite3.connect(target)
    for spec in specs:
        for cols, parent, pcols in spec.foreign_keys:
            if len(cols) != 1:
                continue
            rowids = [r for (r,) in con.execute(f'SELECT rowid FROM "{spec.name}" WHERE "{cols[0]}" IS NOT NULL ORDER BY rowid')]
            if len(rowids) < 10:
                continue
            integer = con.execute(f'SELECT typeof(MAX("{pcols[0]}")) FROM "{parent}"').fetchone()[0] == "integer"
            top = con.execute(f'SELECT MAX("{pcols[0]}") FROM "{parent}"').fetchone()[0] if integer else None
            step = max(1, round(1 / ORPHAN_SHARE))
            for i, rowid in enumerate(rowids[::step]):
                value = top + 1000 + i if integer else f"orphan-{i}"
                con.execute(f'UPDATE "{spec.name}" SET "{cols[0]}" = ? WHERE rowid = ?', (value, rowid))
    con.commit()
    con.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    mutate(Path(args[0]), Path(args[1]), args[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
