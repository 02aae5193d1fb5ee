"""Data subjects (tables identifying people) and every table that holds data about them.

A subject is named by the user, or inferred: a table with a primary key whose name says it lists people
(members, customers, users, employees…) and that holds personal columns, or any keyed table dense in
identifying columns (email, name, phone, national id). A table is linked to a subject when its rows reference
the subject's key, directly or through other linked tables, along declared/verified/accepted relationships
(role keys like ``opened_by`` included) or along lineage that copies such a key.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..identifiers import tokens
from ..model import ASSERTED_STATUSES, DataModel, Table
from .propagate import PersonalColumn, edge_transform

PERSON_WORDS = frozenset({
    "member", "members", "customer", "customers", "user", "users", "employee", "employees", "person", "persons",
    "people", "client", "clients", "patient", "patients", "student", "students", "subscriber", "subscribers",
    "contact", "contacts", "staff", "guest", "guests", "passenger", "passengers", "visitor", "visitors", "account",
    "accounts", "buyer", "buyers", "seller", "sellers", "driver", "drivers", "author", "authors", "player", "players",
    "applicant", "applicants", "candidate", "candidates", "owner", "owners", "tenant", "tenants", "citizen", "citizens",
    "individual", "individuals", "worker", "workers", "volunteer", "volunteers", "donor", "donors", "lead", "leads",
})
IDENTIFYING = frozenset({"email", "name", "phone", "national_id", "birth_date", "address"})
MIN_IDENTIFYING_UNNAMED = 3  # identifying columns a table needs to be a subject when its name does not say people


@dataclass(frozen=True)
class Hop:
    """One step towards a subject: ``child.columns`` hold the values of ``parent.parent_columns``."""

    child: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    via: str  # "relationship <id> (<status>)" or "lineage"
    nullable: bool = True

    @property
    def label(self) -> str:
        return f"{self.child}.{','.join(self.columns)} → {self.parent}.{','.join(self.parent_columns)} ({self.via})"


@dataclass
class Subject:
    table: str
    key: list[str]
    reason: str


@dataclass
class SubjectLink:
    """``table`` holds data about ``subject``: each path is a list of hops from ``table`` up to the subject."""

    table: str
    subject: str
    paths: list[list[Hop]] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return min((len(p) for p in self.paths), default=0)

    def to_dict(self) -> dict[str, object]:
        return {"subject": self.subject, "paths": [[hop.label for hop in path] for path in self.paths]}


def find_subjects(model: DataModel, personal: dict[str, list[PersonalColumn]], named: Sequence[str] = ()) -> list[Subject]:
    """Subjects named by the user (must exist and have a key) plus those inferred from naming and PII density."""
    subjects: dict[str, Subject] = {}
    for name in named:
        table = model.table(name)
        if table is None:
            raise ConfigError(f"no table '{name}' in the model", "name a subject table as schema.table")
        if not table.primary_key:
            raise ConfigError(f"table '{table.name}' has no primary key, so its rows cannot be followed",
                                "pick the table whose key identifies a person")
        subjects[table.name] = Subject(table.name, list(table.primary_key), "named by the user")
    for table in model.tables:
        if table.name not in subjects and (reason := subject_reason(table, personal.get(table.name, []))):
            subjects[table.name] = Subject(table.name, list(table.primary_key), reason)
    return sorted(subjects.values(), key=lambda s: s.table)


def subject_reason(table: Table, flags: list[PersonalColumn]) -> str | None:
    """Why ``table`` identifies people, or None: it needs a key and personal columns of its own, in clear."""
    if not table.primary_key or table.kind == "view":
        return None
    identifying = sorted({f.category for f in flags if f.origin == "direct" and f.treatment == "clear" and f.category in IDENTIFYING})
    words = tokens(table.short_name)
    if words and words[-1] in PERSON_WORDS and identifying:  # dim_customer, crm.members; not member_addresses
        return f"named like a list of people, with {', '.join(identifying)} columns"
    if len(identifying) >= MIN_IDENTIFYING_UNNAMED:
        return f"dense in identifying columns ({', '.join(identifying)})"
    return None


def reference_hops(model: DataModel) -> dict[str, list[Hop]]:
    """Hops into each parent table: asserted relationships, and lineage copying a key or a reference column."""
    incoming: dict[str, list[Hop]] = {}
    references: dict[str, tuple[str, str]] = {}  # "t.col" -> ("parent table", "parent column"), single-column keys
    for rel in model.relationships:
        if rel.status in ASSERTED_STATUSES and rel.child_table != rel.parent_table:
            child_record = model.table(rel.child_table)
            declared_nullable = (any((c := child_record.column(name)) is None or c.nullable for name in rel.child_columns)
                                 if child_record else True)
            nullable = declared_nullable and (rel.null_rate is None or rel.null_rate > 0)  # never NULL in the data: required
            hop = Hop(rel.child_table, tuple(rel.child_columns), rel.parent_table, tuple(rel.parent_columns),
                      f"relationship {rel.id} ({rel.status})", nullable)
            incoming.setdefault(rel.parent_table, []).append(hop)
            if len(rel.child_columns) == 1:
                references[f"{rel.child_table}.{rel.child_columns[0]}"] = (rel.parent_table, rel.parent_columns[0])
    for table in model.tables:
        if len(table.primary_key) == 1:
            references.setdefault(f"{table.name}.{table.primary_key[0]}", (table.name, table.primary_key[0]))
    for edge in model.lineage:
        if edge.kind == "table" or edge_transform(edge) != "copy" or edge.source not in references:
            continue
        parent, parent_column = references[edge.source]
        child, _, column = edge.target.rpartition(".")
        if child != parent:
            incoming.setdefault(parent, []).append(Hop(child, (column,), parent, (parent_column,), f"lineage from {edge.source}"))
    return incoming


def link_tables(model: DataModel, subject: Subject, incoming: dict[str, list[Hop]] | None = None) -> dict[str, SubjectLink]:
    """Every table holding data about ``subject``, with the shortest paths (one per first hop) up to it."""
    incoming = reference_hops(model) if incoming is None else incoming
    links = {subject.table: SubjectLink(subject.table, subject.table, [[]])}
    queue = deque([subject.table])
    while queue:
        parent = queue.popleft()
        for hop in incoming.get(parent, ()):
            if hop.child == subject.table:
                continue
            for path in links[parent].paths[:1]:
                link = links.get(hop.child)
                if link is None:
                    links[hop.child] = SubjectLink(hop.child, subject.table, [[hop, *path]])
                    queue.append(hop.child)
                elif all(p[0] != hop for p in link.paths) and not _revisits(hop, path):
                    link.paths.append([hop, *path])
    return links


def _revisits(hop: Hop, path: list[Hop]) -> bool:
    return any(step.child == hop.child or step.parent == hop.child for step in path)
