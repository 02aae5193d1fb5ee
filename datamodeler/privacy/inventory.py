"""The personal-data inventory: per table, its personal columns (direct or propagated, with the lineage path),
the subjects it holds data about (with the key paths), its row count and the log users who read it.

The basis of a record of processing; built from the model file only: no warehouse, no LLM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..model import DataModel
from .propagate import PersonalColumn, propagate_pii
from .subjects import Subject, SubjectLink, find_subjects, link_tables, reference_hops


@dataclass
class TableEntry:
    """One table of the inventory."""

    table: str
    kind: str
    row_count: int | None
    columns: list[PersonalColumn] = field(default_factory=list)
    subjects: list[SubjectLink] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)  # log users whose statements read this table
    column_reads: dict[str, int] = field(default_factory=dict)  # personal column -> logged uses (select, filter, join…)

    @property
    def unreached(self) -> list[PersonalColumn]:
        """Personal columns held in clear in a table no subject reaches: nobody could find them for a request."""
        return [] if self.subjects else [c for c in self.columns if c.treatment == "clear"]

    def to_dict(self) -> dict[str, object]:
        return {"table": self.table, "kind": self.kind, "row_count": self.row_count,
                "columns": [c.to_dict() for c in self.columns], "subjects": [s.to_dict() for s in self.subjects],
                "readers": self.readers, "column_reads": self.column_reads}


@dataclass
class Inventory:
    subjects: list[Subject]
    tables: list[TableEntry]

    def entry(self, table: str) -> TableEntry | None:
        return next((t for t in self.tables if t.table.lower() == table.lower()), None)

    def tables_of(self, subject: str) -> list[TableEntry]:
        """The tables holding data about ``subject``, nearest first."""
        holding = [t for t in self.tables if any(s.subject == subject for s in t.subjects)]
        return sorted(holding, key=lambda t: (next(s.depth for s in t.subjects if s.subject == subject), t.table))

    @property
    def unreached(self) -> list[PersonalColumn]:
        return [c for t in self.tables for c in t.unreached]

    def to_dict(self) -> dict[str, object]:
        return {"subjects": [{"table": s.table, "key": s.key, "reason": s.reason} for s in self.subjects],
                "tables": [t.to_dict() for t in self.tables],
                "unreached": [{"table": c.table, **c.to_dict()} for c in self.unreached]}


def build_inventory(model: DataModel, named_subjects: Sequence[str] = ()) -> Inventory:
    """The personal-data map of ``model``; ``named_subjects`` adds subject tables the user names."""
    personal = propagate_pii(model)
    subjects = find_subjects(model, personal, list(named_subjects))
    hops = reference_hops(model)
    links: dict[str, list[SubjectLink]] = defaultdict(list)
    for subject in subjects:
        for table_name, link in link_tables(model, subject, hops).items():
            links[table_name].append(link)
    readers, reads = _readers(model), _column_reads(model)
    entries = []
    for table in model.tables:
        columns, linked = personal.get(table.name, []), links.get(table.name, [])
        if columns or linked:
            entries.append(TableEntry(table.name, table.kind, table.row_count, columns, linked, sorted(readers.get(table.name, ())),
                                      {c.column: reads[c.node] for c in columns if reads.get(c.node)}))
    return Inventory(subjects, entries)


def _readers(model: DataModel) -> dict[str, set[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for shape in model.queries.shapes:
        for table in shape.tables:
            users[table].update(shape.users)
    return users


def _column_reads(model: DataModel) -> dict[str, int]:
    return {u.column: u.select + u.filter + u.join + u.group_by for u in model.usage}
