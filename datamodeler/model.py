"""The core records of a data model: tables, relationships, entities, lineage, query statistics.

Plain pydantic records with no IO. Every inferred item carries its ``sources`` and
``evidence`` so a reader can see why it is there; ``store.py`` reads and writes them.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

FORMAT_VERSION = 2  # 2: closed records, typed evidence (datamodeler/upgrade.py reads version 1)

RelationshipStatus = Literal["declared", "verified", "plausible", "rejected", "accepted"]
HUMAN_STATUSES = frozenset({"accepted", "rejected"})
ASSERTED_STATUSES = frozenset({"declared", "verified", "accepted"})
Cardinality = Literal["N:1", "1:1", "M:N"]
QUIET_EVIDENCE = frozenset({"types", "parent_key"})  # checks every candidate passes: not worth a word in summaries
RelationshipRole = Literal["subtype"]
TableRole = Literal["fact", "dimension", "bridge", "history", "aggregate", "other"]


DescriptionSource = Literal["human", "llm"]
VerdictStatus = Literal["verified", "plausible", "rejected"]
EvidenceKind = Literal[
    "declared", "query_join", "naming", "types", "parent_key", "parent_not_unique", "value_range", "inclusion",
    "inclusion_skipped", "inclusion_empty", "rejected", "ambiguous", "unique", "human", "llm", "docs_profile",
    "name_taken", "known", "existence", "text", "profile", "claim", "injection", "unsafe_text", "bridge",
    "value_sample", "subtype",
]
TypeMatch = Literal["same", "castable", "incompatible"]
KeySource = Literal["declared_primary_key", "declared_unique", "inferred_unique_on_data", "inferred_from_names", "unique_on_data"]


def _empty(value: Any) -> bool:
    """Fields added in format 2 are left out of the file while empty, so version-1 content reads the same."""
    return not value


class Record(BaseModel):
    """Base for every record: closed, so an undeclared key is refused (docs/model-file.md lists every field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=False)

    def model_post_init(self, __context: Any) -> None:
        # Records do not track which fields a caller set (nothing reads ``model_fields_set``): pydantic's set of
        # them cost up to 728 bytes a record, ~0.6 GiB for the columns and profiles of 100,000 tables.
        object.__setattr__(self, "__pydantic_fields_set__", set())


class Evidence(Record):
    """One observation supporting (or weakening) an inferred item.

    Code reads only the typed fields (``kind``, ``count``, ``ratio``, ``strength``, ``key_source``, ``type_match``,
    ``sampled``); ``detail`` is prose for people and is never parsed.
    """

    kind: EvidenceKind
    count: int | None = None
    ratio: float | None = None
    strength: float | None = None  # naming: how strongly the names suggest the reference (0..1)
    strategy: str | None = None  # naming: which naming rule matched
    key_source: KeySource | None = None  # parent_key: what makes the parent columns a key
    type_match: TypeMatch | None = None  # types: how the column types compare
    sampled: bool | None = None  # inclusion/unique: measured on a sample
    detail: str | None = None
    sql: str | None = None


    @property
    def short_text(self) -> str:
        """``joins 12``, ``inclusion 99%`` or just the kind."""
        if self.kind == "query_join" and self.count is not None:
            return f"joins {self.count}"
        if self.ratio is not None:
            return f"{self.kind} {self.ratio:.0%}"
        return self.kind


class ColumnProfile(Record):
    """Facts measured on the data, possibly on a sample."""

    sampled: bool = False
    rows: int | None = None
    distinct_count: int | None = None
    null_count: int | None = None
    min: str | None = None
    max: str | None = None
    avg_length: float | None = None
    top_values: list[str] | None = None


class Column(Record):
    """One column of a table: name, type, nullability, what profiling and PII detection found, its description."""
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    comment: str | None = None
    description: str | None = None
    description_source: DescriptionSource | None = None
    description_status: VerdictStatus | None = None  # for LLM descriptions: the verdict of their checks
    pii: str | None = None
    profile: ColumnProfile | None = None


class ForeignKey(Record):
    """A foreign key as declared in the catalog."""

    columns: list[str]
    parent_table: str
    parent_columns: list[str]
    name: str | None = None


class Table(Record):
    """A table or view; ``name`` is ``schema.table`` (or just ``table`` without schemas)."""

    name: str
    kind: Literal["table", "view"] = "table"
    row_count: int | None = None
    row_count_exact: bool = True
    primary_key: list[str] = Field(default_factory=list)
    primary_key_source: Literal["declared", "inferred"] | None = None
    primary_key_evidence: list[Evidence] = Field(default_factory=list, exclude_if=_empty)
    unique_keys: list[list[str]] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    comment: str | None = None
    view_sql: str | None = None
    entity: str | None = None
    role: TableRole | None = None
    partitions: list[str] = Field(default_factory=list, exclude_if=_empty)  # parts of this logical table (declared or shards)
    part_of: str | None = Field(default=None, exclude_if=_empty)  # the logical table this partition or shard belongs to
    description: str | None = None
    description_source: DescriptionSource | None = None
    description_status: VerdictStatus | None = None
    columns: list[Column] = Field(default_factory=list)

    @property
    def schema_name(self) -> str | None:
        return self.name.rpartition(".")[0] or None

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)


def relationship_id(child_table: str, child_columns: list[str], parent_table: str, parent_columns: list[str]) -> str:
    """A stable id for a relationship: the same endpoints give the same id on every scan."""
    key = f"{child_table}({','.join(child_columns)})->{parent_table}({','.join(parent_columns)})".lower()
    return "r_" + hashlib.sha1(key.encode()).hexdigest()[:10]


class Relationship(Record):
    """A (possibly inferred) reference from child columns to a parent key."""

    id: str = ""
    child_table: str
    child_columns: list[str]
    parent_table: str
    parent_columns: list[str]
    cardinality: Cardinality = "N:1"
    status: RelationshipStatus = "plausible"
    confidence: float = 0.0
    sources: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    orphan_rate: float | None = None
    null_rate: float | None = None
    role: RelationshipRole | None = Field(default=None, exclude_if=_empty)  # subtype: 1:1 key to key, a proper subset

    def model_post_init(self, __context: Any) -> None:
        super().model_post_init(__context)
        if not self.id:
            self.id = relationship_id(self.child_table, self.child_columns, self.parent_table, self.parent_columns)

    @property
    def evidence_summary(self) -> str:
        """The evidence in a few words, e.g. ``joins 41, naming, inclusion 100%`` (bookkeeping kinds left out)."""
        return ", ".join(e.short_text for e in self.evidence if e.kind not in QUIET_EVIDENCE)

    @property
    def label(self) -> str:
        """Human-readable form, e.g. ``orders.customer_id → customers.id``."""
        return f"{self.child_table}.{','.join(self.child_columns)} → {self.parent_table}.{','.join(self.parent_columns)}"


class ManyToMany(Record):
    """A bridge table and the tables it links many-to-many."""

    bridge: str
    between: list[str]


class Entity(Record):
    """A business concept grouping tables (a dimension with its satellites, a header with its lines)."""

    name: str
    description: str | None = None
    description_source: DescriptionSource | None = None
    grouping: str | None = None  # why the tables are grouped, kept when an LLM description replaces ``description``
    proposed_name: str | None = None  # a name the LLM proposed that was not applied
    tables: list[str] = Field(default_factory=list)
    status: str = "plausible"
    sources: list[str] = Field(default_factory=list)
    many_to_many: list[ManyToMany] = Field(default_factory=list, exclude_if=_empty)


class GlossaryTerm(Record):
    """A business term with its definition and the tables it is about."""

    term: str
    definition: str | None = None
    tables: list[str] = Field(default_factory=list)
    status: VerdictStatus | Literal["accepted"] = "plausible"  # accepted: written or confirmed by a person
    sources: list[str] = Field(default_factory=list)


LineageTransform = Literal["copy", "hash", "aggregate", "other"]


class LineageEdge(Record):
    """Data flows from ``source`` to ``target`` (``schema.table.column`` or ``schema.table``).

    ``transform`` (column edges) says what happened to the value on the way: a ``copy``, a ``hash`` (md5, sha…),
    an ``aggregate`` (count, sum, avg…) or ``other`` expressions; None in model files written before it existed.
    """

    source: str
    target: str
    kind: Literal["direct", "derived", "table"] = "direct"
    transform: LineageTransform | None = None
    queries: list[str] = Field(default_factory=list)
    # how the ends were resolved (the weaker one): crawled catalog, a table created in the log, or inferred from
    # the statement alone (a table the catalog lacks)
    resolution: Literal["catalog", "log", "inferred"] = "catalog"


class JoinStat(Record):
    """An equi-join seen in the query log; composite joins keep their column pairs together."""

    left_table: str
    left_columns: list[str]
    right_table: str
    right_columns: list[str]
    count: int = 0
    queries: list[str] = Field(default_factory=list)
    cast: bool = False  # the keys were compared through a cast or COLLATE (recorded on the underlying columns)


class ColumnUsage(Record):
    """How often a column is used in filters, group-bys, joins and projections."""

    column: str
    filter: int = 0
    group_by: int = 0
    join: int = 0
    select: int = 0


class QueryFailure(Record):
    fingerprint: str
    reason: str
    error: str
    count: int = 1


class QueryShape(Record):
    """A distinct statement shape (literals replaced): counts and users, never the literals."""

    fingerprint: str
    sql: str
    count: int = 1
    users: list[str] = Field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None
    tables: list[str] = Field(default_factory=list)
    kind: str | None = None


class QueryStats(Record):
    total: int = 0
    distinct: int = 0
    parsed: int = 0
    failed: int = 0
    failures_by_reason: dict[str, int] = Field(default_factory=dict)
    failures: list[QueryFailure] = Field(default_factory=list)
    shapes: list[QueryShape] = Field(default_factory=list)
    omitted_shapes: int = 0  # distinct shapes beyond the cap, not listed in ``shapes`` (docs/model-file.md)
    omitted_executions: int = 0  # how many logged statements those omitted shapes stand for
    partial: int = 0  # distinct shapes parsed but reading tables the catalog lacks (lineage resolved best-effort)
    unknown_tables: dict[str, int] = Field(default_factory=dict)  # table the catalog lacks -> shapes reading it
    # tables the log creates for a while only (CREATE TEMP, SELECT INTO TEMP, T-SQL #t, or created then dropped):
    # lineage passes through them; ``lineage --hide-transient`` shows the tables on either side directly
    transient_tables: list[str] = Field(default_factory=list)


class SourceInfo(Record):
    url: str
    dialect: str
    scanned_at: str


class DataModel(Record):
    """The whole model file."""

    format_version: int = FORMAT_VERSION
    source: SourceInfo
    tables: list[Table] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    lineage: list[LineageEdge] = Field(default_factory=list)
    joins: list[JoinStat] = Field(default_factory=list)
    usage: list[ColumnUsage] = Field(default_factory=list)
    queries: QueryStats = Field(default_factory=QueryStats)
    glossary: list[GlossaryTerm] = Field(default_factory=list, exclude_if=_empty)
    rejected_proposals: list[Proposal] = Field(default_factory=list, exclude_if=_empty)
    notes: list[str] = Field(default_factory=list)

    _table_positions: dict[str, int] = PrivateAttr(default_factory=dict)
    _indexed: tuple[int, int] = PrivateAttr(default=(0, -1))

    def table(self, name: str) -> Table | None:
        """The table called ``name``: exact (case-insensitive) match, else a unique match on the short name."""
        lowered = name.lower()
        position = self._table_position(lowered)
        if position is not None:
            return self.tables[position]
        exact = [t for t in self.tables if t.name.lower() == lowered]
        if exact:
            return exact[0]
        short = [t for t in self.tables if t.short_name.lower() == lowered]
        return short[0] if len(short) == 1 else None

    def _table_position(self, lowered: str) -> int | None:
        """Where the table called ``lowered`` is in ``tables``, from an index rebuilt when the list changes.

        A scan looks tables up by name for every candidate relationship: with 10,000 tables a linear search
        dominated the relationships stage. A stale hit (a table renamed in place) is caught by re-checking the
        name; a miss falls back to the linear search.
        """
        tables = self.tables
        private = self.__pydantic_private__ or {}  # read once: pydantic serves each private attribute through __getattr__
        signature = (id(tables), len(tables))
        if private.get("_indexed") != signature:
            positions: dict[str, int] = {}
            for index, table in enumerate(tables):
                positions.setdefault(table.name.lower(), index)
            self._table_positions, self._indexed = positions, signature
            private = self.__pydantic_private__ or {}
        position = private.get("_table_positions", {}).get(lowered)
        if position is not None and position < len(tables) and tables[position].name.lower() == lowered:
            return position
        return None

    def relationship(self, rel_id: str) -> Relationship | None:
        return next((r for r in self.relationships if r.id == rel_id), None)

    def sort(self) -> DataModel:
        """Put every list in a stable order so that two scans of the same warehouse diff cleanly."""
        self.tables.sort(key=lambda t: t.name.lower())
        self.relationships.sort(key=lambda r: (r.child_table, r.child_columns, r.parent_table, r.parent_columns))
        self.entities.sort(key=lambda e: e.name.lower())
        self.lineage.sort(key=lambda e: (e.target, e.source, e.kind))
        self.joins.sort(key=lambda j: (-j.count, j.left_table, j.left_columns, j.right_table, j.right_columns))
        self.usage.sort(key=lambda u: u.column)
        self.queries.failures.sort(key=lambda f: (-f.count, f.fingerprint))
        self.queries.shapes.sort(key=lambda s: (-s.count, s.fingerprint))
        return self


ProposalKind = Literal["entity", "table_description", "column_description", "glossary", "relationship"]


class Proposal(Record):
    """Something an LLM proposed, and the verdict of the checks it went through (``status`` with ``evidence``).

    ``table``/``column``/``entity`` say what it is about; ``text`` is the proposed description (or definition);
    ``name`` a proposed entity name or glossary term; ``relationship`` the proposed reference.
    """

    kind: ProposalKind
    table: str | None = None
    column: str | None = None
    entity: str | None = None
    name: str | None = None
    text: str | None = None
    tables: list[str] = Field(default_factory=list)
    relationship: Relationship | None = None
    status: VerdictStatus = "plausible"
    sources: list[str] = Field(default_factory=lambda: ["llm"])
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def target(self) -> str:
        """What the proposal is about, in words: ``crm.members.email``, ``entity Member``, a relationship label."""
        if self.relationship is not None:
            return self.relationship.label
        if self.kind == "entity":
            return f"entity {self.entity}"
        if self.kind == "glossary":
            return f"term {self.name}"
        return ".".join(part for part in (self.table, self.column) if part)


DataModel.model_rebuild()
