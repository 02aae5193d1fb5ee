"""Access and erasure requests for one person: read-only SELECTs that return every row about them,
and the order in which those rows would have to be deleted or anonymised (printed, never run).

Each table's rows are found by following its nearest paths up to the subject (all of them when several are
equally near, like ``created_by`` and ``assigned_to``) as nested ``EXISTS`` semi-joins
(every hop goes from a child to its parent, so no row is repeated), built with sqlglot in the warehouse
dialect and passed through the ``ask`` SQL gate before they are shown or run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from ..ask.guard import guard_sql
from ..errors import ConfigError
from ..model import DataModel
from ..profile import type_family
from .inventory import Inventory, TableEntry
from .subjects import Hop, Subject

DEFAULT_ROW_LIMIT = 100_000


@dataclass
class TableRequest:
    """The rows of one table about the person: the guarded SQL, and after ``--run`` how many rows came back."""

    table: str
    sql: str
    paths: list[list[str]]  # the nearest paths, used: a row is about the person its most direct reference names
    other_paths: list[list[str]] = field(default_factory=list)  # longer ones (the device another member registered): shown, not used
    rows: int | None = None
    truncated: bool = False
    result: Any = None  # the Rows, when run

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"table": self.table, "sql": self.sql, "paths": self.paths, "other_paths": self.other_paths}
        if self.rows is not None:
            data.update(rows=self.rows, truncated=self.truncated)
        return data


@dataclass
class ErasureStep:
    table: str
    action: str  # "delete" or "anonymise"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "action": self.action, "reason": self.reason}


@dataclass
class SubjectRequest:
    subject: str
    id: str
    tables: list[TableRequest] = field(default_factory=list)
    erasure: list[ErasureStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"subject": self.subject, "id": self.id, "tables": [t.to_dict() for t in self.tables]}
        if self.erasure:
            data["erasure_plan"] = [s.to_dict() for s in self.erasure]
        return data


def subject_request(model: DataModel, inventory: Inventory, subject_name: str, value: str, limit: int = DEFAULT_ROW_LIMIT) -> SubjectRequest:
    """One guarded SELECT per table holding data about the person whose ``subject`` key is ``value``."""
    subject = _subject(model, inventory, subject_name)
    request = SubjectRequest(subject.table, value)
    literal = _literal(model, subject, value)
    for entry in inventory.tables_of(subject.table):
        link = next(s for s in entry.subjects if s.subject == subject.table)
        nearest = [path for path in link.paths if len(path) == link.depth]
        query = rows_about(entry.table, nearest, subject, literal)
        guarded = guard_sql(query.sql(dialect=model.source.dialect or None), model, limit)
        request.tables.append(TableRequest(entry.table, guarded.sql, [[hop.label for hop in path] for path in nearest],
                                           [[hop.label for hop in path] for path in link.paths if len(path) > link.depth]))
    return request


def rows_about(table: str, paths: list[list[Hop]], subject: Subject, literal: exp.Expr) -> exp.Select:
    """``SELECT t0.* FROM table AS t0 WHERE <path 1> OR <path 2> …``; the subject itself matches on its key."""
    unique = {c.sql(): c for c in (_path_condition(path, subject, literal, "t0", 1) for path in paths)}
    conditions = list(unique.values())  # a relationship and a lineage hop over the same column give one condition
    condition = exp.or_(*conditions) if len(conditions) > 1 else conditions[0]
    return exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("t0"))).from_(_table(table, "t0")).where(condition)


def _path_condition(path: list[Hop], subject: Subject, literal: exp.Expr, alias: str, depth: int) -> exp.Expr:
    if not path:
        return exp.EQ(this=_column(alias, subject.key[0]), expression=literal.copy())
    hop, rest = path[0], path[1:]
    if not rest and list(hop.parent_columns) == subject.key:
        return exp.EQ(this=_column(alias, hop.columns[0]), expression=literal.copy())
    inner = f"t{depth}"
    matches = [exp.EQ(this=_column(inner, parent), expression=_column(alias, child)) for child, parent in zip(hop.columns, hop.parent_columns)]
    where = exp.and_(*matches, _path_condition(rest, subject, literal, inner, depth + 1))
    return exp.Exists(this=exp.select(exp.Literal.number(1)).from_(_table(hop.parent, inner)).where(where))


def _table(name: str, alias: str) -> exp.Table:
    schema, _, table = name.rpartition(".")
    return exp.Table(this=exp.to_identifier(table, quoted=True), db=exp.to_identifier(schema, quoted=True) if schema else None,
                     alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _column(alias: str, name: str) -> exp.Column:
    return exp.Column(this=exp.to_identifier(name, quoted=True), table=exp.to_identifier(alias))


def _subject(model: DataModel, inventory: Inventory, name: str) -> Subject:
    table = model.table(name)
    subject = next((s for s in inventory.subjects if table is not None and s.table == table.name), None)
    if subject is None:
        known = ", ".join(s.table for s in inventory.subjects) or "none found"
        raise ConfigError(f"'{name}' is not a data subject of this model (subjects: {known})", "name it with --subject TABLE")
    if len(subject.key) != 1:
        raise ConfigError(f"{subject.table} has a composite key ({', '.join(subject.key)}); --id takes one value")
    return subject


def _literal(model: DataModel, subject: Subject, value: str) -> exp.Expr:
    table = model.table(subject.table)  # a subject is a table of the model (find_subjects checks it)
    column = table.column(subject.key[0]) if table is not None else None
    if column is not None and type_family(column.type) in ("int", "number"):
        try:
            float(value)
        except ValueError:
            raise ConfigError(f"--id {value!r} is not a number, but {subject.table}.{column.name} is {column.type}") from None
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def erasure_plan(model: DataModel, inventory: Inventory, subject_name: str) -> list[ErasureStep]:
    """Tables in the order their rows about the person would be deleted or anonymised: children before parents."""
    subject = _subject(model, inventory, subject_name)
    entries = {e.table: e for e in inventory.tables_of(subject.table)}
    order = _children_first(entries, subject.table)
    return [_step(entries[table], subject) for table in order]


def _children_first(entries: dict[str, TableEntry], subject: str) -> list[str]:
    """Topological order on the hops between linked tables: a table before every table it references.

    Kahn's algorithm, deepest tables first among those ready; a cycle is broken at its deepest table.
    """
    parents = {name: {hop.parent for link in e.subjects if link.subject == subject for path in link.paths for hop in path[:1]} & set(entries)
               for name, e in entries.items()}
    waiting = {name: 0 for name in entries}  # children not yet placed
    for name, referenced in parents.items():
        for parent in referenced - {name}:
            waiting[parent] += 1
    rank = lambda n: (-_depth(entries[n], subject), n)  # noqa: E731
    order: list[str] = []
    remaining = set(entries)
    while remaining:
        ready = [n for n in remaining if waiting[n] == 0] or [min(remaining, key=rank)]
        chosen = min(ready, key=rank)
        order.append(chosen)
        remaining.discard(chosen)
        for parent in parents[chosen] - {chosen}:
            waiting[parent] -= 1
    return order


def _depth(entry: TableEntry, subject: str) -> int:
    return next(s.depth for s in entry.subjects if s.subject == subject)


def _step(entry: TableEntry, subject: Subject) -> ErasureStep:
    if entry.table == subject.table:
        return ErasureStep(entry.table, "delete", "the subject's own row, last")
    link = next(s for s in entry.subjects if s.subject == subject.table)
    first_hops = [path[0] for path in link.paths if path]
    if entry.kind == "view":
        return ErasureStep(entry.table, "none (view)", "a view: its rows go with the tables it reads")
    if all(hop.via.startswith("lineage") for hop in first_hops):
        return ErasureStep(entry.table, "delete or rebuild", "derived from the subject's data (" + first_hops[0].via + ")")
    if any(not hop.nullable for hop in first_hops) or entry.table in {h.parent for h in first_hops}:
        return ErasureStep(entry.table, "delete", "rows cannot exist without the subject (" + first_hops[0].label + ")")
    columns = sorted({c for hop in first_hops for c in hop.columns} | {c.column for c in entry.columns if c.treatment == "clear"})
    return ErasureStep(entry.table, "anonymise", f"optional reference: set {', '.join(columns)} to NULL and keep the row")
