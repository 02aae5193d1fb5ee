"""Check a model against the queries it should explain: ``datamodeler check`` as plain data, no IO.

    joins            every distinct equi-join of a query log (or of the model's own ``joins``), replayed through
                     the lineage stage and judged against the relationships: explained (declared/verified/accepted),
                     plausible (only a plausible relationship fits), contradicted (only a rejected one fits),
                     unexplained (nothing fits: a candidate the model missed); shares weighted by executions
    documentation    share of tables and columns with a description or a catalog comment, by source
    contradictions   relationships and keys whose evidence disagrees with their status, or that point at nothing;
                     column comments and descriptions whose claims (unique, never null, key, range, values, references)
                     the profile or catalog contradicts
    personal data    PII columns (found by the scan or through lineage) in tables no data subject reaches: an access
                     or erasure request would miss them (``datamodeler pii``)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .discovery.health import health_problems
from .discovery.verifiers.docs import check_description
from .lineage.pipeline import build_lineage
from .lineage.shapes import ShapeCollector
from .model import ASSERTED_STATUSES, Column, DataModel, JoinStat, QueryStats, Relationship, Table
from .privacy import build_inventory
from .profile import uniqueness
from .sources.base import LoggedQuery

VERDICTS = ("explained", "plausible", "contradicted", "unexplained")
TOP_UNEXPLAINED = 20
_VERDICT_OF_STATUS = {"declared": "explained", "verified": "explained", "accepted": "explained",
                      "plausible": "plausible", "rejected": "contradicted"}

__all__ = ["check_model", "replay_joins", "measure_documentation", "find_contradictions",
           "CheckReport", "JoinCheck", "JoinReplay", "DocCoverage", "Contradiction", "VERDICTS"]


@dataclass
class JoinCheck:
    """One distinct equi-join (composite joins keep their column pairs together) and how the model explains it."""

    left_table: str
    left_columns: list[str]
    right_table: str
    right_columns: list[str]
    count: int
    verdict: str
    relationship: str | None = None  # id of the relationship that decided the verdict
    queries: list[str] = field(default_factory=list)  # fingerprints of statements that join so
    example_sql: str | None = None  # normalised text (no literals) of one of them

    @property
    def label(self) -> str:
        """``events.impressions.imp_title_id = catalog.titles.title_sk`` (composite: comma-separated columns)."""
        return f"{self.left_table}.{','.join(self.left_columns)} = {self.right_table}.{','.join(self.right_columns)}"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, **asdict(self)}


@dataclass
class JoinReplay:
    """The joins of the replayed statements, judged; ``source`` is ``query_log`` or ``model`` (its ``joins``)."""

    source: str
    queries: QueryStats
    joins: list[JoinCheck] = field(default_factory=list)

    @property
    def executions(self) -> dict[str, int]:
        """Join executions by verdict (each join weighted by how often its statements ran)."""
        totals = dict.fromkeys(VERDICTS, 0)
        for join in self.joins:
            totals[join.verdict] += join.count
        return totals

    @property
    def shares(self) -> dict[str, float | None]:
        """Share of join executions by verdict; None when no join was replayed."""
        totals = self.executions
        everything = sum(totals.values())
        return {verdict: (round(n / everything, 4) if everything else None) for verdict, n in totals.items()}

    def unexplained(self, limit: int = TOP_UNEXPLAINED) -> list[JoinCheck]:
        """The most executed joins no asserted or plausible relationship explains (contradicted ones included)."""
        missed = [j for j in self.joins if j.verdict in ("contradicted", "unexplained")]
        return sorted(missed, key=lambda j: (-j.count, j.label))[:limit]

    def to_dict(self) -> dict[str, Any]:
        q = self.queries
        distinct = {verdict: sum(1 for j in self.joins if j.verdict == verdict) for verdict in VERDICTS}
        return {"source": self.source,
                "queries": {"total": q.total, "distinct": q.distinct, "parsed": q.parsed, "failed": q.failed},
                "executions": self.executions, "distinct": distinct, "shares": self.shares,
                "unexplained": [j.to_dict() for j in self.unexplained()],
                "joins": [j.to_dict() for j in self.joins]}


@dataclass
class DocCoverage:
    """How much of the model is documented; a catalog comment counts, its source is ``comment``."""

    tables: int = 0
    tables_documented: int = 0
    columns: int = 0
    columns_documented: int = 0
    table_sources: dict[str, int] = field(default_factory=dict)  # human / llm / comment / unspecified
    column_sources: dict[str, int] = field(default_factory=dict)

    @property
    def table_share(self) -> float | None:
        return round(self.tables_documented / self.tables, 4) if self.tables else None

    @property
    def column_share(self) -> float | None:
        return round(self.columns_documented / self.columns, 4) if self.columns else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "table_share": self.table_share, "column_share": self.column_share}


@dataclass
class Contradiction:
    """An item whose evidence disagrees with its status: ``subject`` is a relationship id, a table or ``table.column``."""

    kind: str
    subject: str
    label: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckReport:
    """Everything ``datamodeler check`` reports."""

    joins: JoinReplay
    documentation: DocCoverage
    contradictions: list[Contradiction] = field(default_factory=list)
    unlinked_personal: list[dict[str, Any]] = field(default_factory=list)  # PII no subject reaches

    @property
    def explained_share(self) -> float | None:
        """Share of join executions explained by asserted relationships; None when no join was replayed."""
        return self.joins.shares["explained"]

    def below(self, minimum: float | None) -> bool:
        """True when a ``minimum`` explained share is set and the replayed joins fall short of it (or there were none)."""
        return self.gate_failure(minimum) is not None

    def gate_failure(self, minimum: float | None) -> str | None:
        """Why ``--min-explained`` fails, in one line; None when it passes or is not set."""
        share = self.explained_share
        if minimum is None:
            return None
        if share is None:
            return f"no join to explain (the model and log hold no join execution): --min-explained {minimum:g} cannot pass"
        if share < minimum:
            return f"{share:.1%} of join executions explained, below --min-explained {minimum:g}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"explained_share": self.explained_share, "joins": self.joins.to_dict(),
                "documentation": self.documentation.to_dict(),
                "contradictions": [c.to_dict() for c in self.contradictions],
                "unlinked_personal": self.unlinked_personal}


def check_model(model: DataModel, queries: Iterable[LoggedQuery] | None = None) -> CheckReport:
    """Replay ``queries`` (or, without them, the model's own ``joins``) and check documentation and evidence.

    Example: ``check_model(load_model(path), read_logs(["queries.sql"])).explained_share`` -> ``0.95``
    """
    return CheckReport(joins=replay_joins(model, queries), documentation=measure_documentation(model),
                       contradictions=find_contradictions(model), unlinked_personal=find_unlinked_personal(model))


def find_unlinked_personal(model: DataModel) -> list[dict[str, Any]]:
    """Personal columns held in clear in tables that no data subject reaches through keys or lineage."""
    return [{"table": c.table, "column": c.column, "category": c.category, "origin": c.origin}
            for c in build_inventory(model).unreached]


# -- joins ----------------------------------------------------------------------------------------

JoinSignature = frozenset  # of frozensets {"schema.t.col", "schema.u.col"}: one per column pair, orientation-free


def replay_joins(model: DataModel, queries: Iterable[LoggedQuery] | None = None) -> JoinReplay:
    """Judge each distinct join of ``queries`` (or of ``model.joins``) against the model's relationships."""
    if queries is None:
        source, stats, joins = "model", model.queries, model.joins
        examples = {shape.fingerprint: shape.sql for shape in model.queries.shapes}
    else:
        source, (stats, joins, examples) = "query_log", extract_log_joins(model, queries)
    index = index_relationships(model.relationships)
    checks = [judge_join(join, index, examples) for join in joins]
    return JoinReplay(source=source, queries=stats, joins=sorted(checks, key=lambda j: (-j.count, j.label)))


def extract_log_joins(model: DataModel, queries: Iterable[LoggedQuery]) -> tuple[QueryStats, list[JoinStat], dict[str, str]]:
    """The log's statement stats, equi-joins and shape texts, from the lineage stage run against the model's tables.

    View definitions are left out: only the statements of the log are replayed.
    """
    collector = ShapeCollector(model.source.dialect)
    for query in queries:
        collector.add(query)
    tables = [t.model_copy(update={"view_sql": None}) if t.view_sql else t for t in model.tables]
    evidence = build_lineage(tables, collector, model.source.dialect)
    examples = {fingerprint: shape.sql for fingerprint, shape in collector.shapes.items()}
    return evidence.queries, evidence.joins, examples


def join_key(left_table: str, left_columns: Sequence[str], right_table: str, right_columns: Sequence[str]) -> JoinSignature:
    """The same key for a join and for a relationship over the same column pairs, in either orientation."""
    return frozenset(frozenset({f"{left_table}.{left}".lower(), f"{right_table}.{right}".lower()})
                     for left, right in zip(left_columns, right_columns))


def index_relationships(relationships: Iterable[Relationship]) -> dict[JoinSignature, Relationship]:
    """Relationships by join key; where several fit the same columns, the strongest status wins."""
    rank = {verdict: position for position, verdict in enumerate(VERDICTS)}
    index: dict[JoinSignature, Relationship] = {}
    for rel in relationships:
        key = join_key(rel.child_table, rel.child_columns, rel.parent_table, rel.parent_columns)
        known = index.get(key)
        if known is None or rank[_VERDICT_OF_STATUS[rel.status]] < rank[_VERDICT_OF_STATUS[known.status]]:
            index[key] = rel
    return index


def judge_join(join: JoinStat, index: dict[JoinSignature, Relationship], examples: dict[str, str]) -> JoinCheck:
    """One join's verdict from the relationship over exactly its column pairs (``unexplained`` when none)."""
    rel = index.get(join_key(join.left_table, join.left_columns, join.right_table, join.right_columns))
    verdict = _VERDICT_OF_STATUS[rel.status] if rel is not None else "unexplained"
    example = next((examples[q] for q in join.queries if q in examples), None) if verdict != "explained" else None
    return JoinCheck(left_table=join.left_table, left_columns=list(join.left_columns), right_table=join.right_table,
                     right_columns=list(join.right_columns), count=join.count, verdict=verdict,
                     relationship=rel.id if rel is not None else None, queries=list(join.queries[:3]), example_sql=example)


# -- documentation --------------------------------------------------------------------------------


def measure_documentation(model: DataModel) -> DocCoverage:
    """Tables and columns with a description (source: ``description_source``) or a catalog comment."""
    coverage = DocCoverage()
    for table in model.tables:
        coverage.tables += 1
        coverage.tables_documented += _count_source(coverage.table_sources, table)
        for column in table.columns:
            coverage.columns += 1
            coverage.columns_documented += _count_source(coverage.column_sources, column)
    coverage.table_sources = dict(sorted(coverage.table_sources.items()))
    coverage.column_sources = dict(sorted(coverage.column_sources.items()))
    return coverage


def documentation_source(item: Table | Column) -> str | None:
    """``human``/``llm`` (as recorded), ``comment`` (catalog comment only), ``unspecified``, or None (undocumented)."""
    if item.description:
        return item.description_source or "unspecified"
    return "comment" if item.comment else None


def _count_source(sources: dict[str, int], item: Table | Column) -> int:
    source = documentation_source(item)
    if source is None:
        return 0
    sources[source] = sources.get(source, 0) + 1
    return 1


# -- contradictions -------------------------------------------------------------------------------

def find_contradictions(model: DataModel) -> list[Contradiction]:
    """Relationships, primary keys and column docs whose evidence disagrees with what the model asserts."""
    found: list[Contradiction] = []
    for rel in model.relationships:
        found.extend(relationship_contradictions(model, rel))
    for table in model.tables:
        found.extend(key_contradictions(table))
        found.extend(docs_contradictions(model, table))
    return found


def relationship_contradictions(model: DataModel, rel: Relationship) -> list[Contradiction]:
    """A relationship that points at a missing table or column, or an asserted one that failed a data check."""
    if rel.status == "rejected":
        return []
    missing = [Contradiction(kind, rel.id, rel.label, detail) for kind, detail in _missing_endpoints(model, rel)]
    if missing or rel.status not in ASSERTED_STATUSES:
        return missing
    return [Contradiction(problem.kind, rel.id, rel.label, f"{rel.status}, but {problem.detail}")
            for problem in health_problems(rel)]


def _missing_endpoints(model: DataModel, rel: Relationship) -> list[tuple[str, str]]:
    problems = []
    for side, table_name, columns in (("child", rel.child_table, rel.child_columns), ("parent", rel.parent_table, rel.parent_columns)):
        table = _table_named(model, table_name)
        if table is None:
            problems.append(("missing_table", f"{side} table {table_name} is not in the model"))
            continue
        problems += [("missing_column", f"{side} column {table_name}.{c} is not in the model") for c in columns if table.column(c) is None]
    return problems


def _table_named(model: DataModel, name: str) -> Table | None:
    """The table spelled exactly ``name`` (case-insensitive): a short-name match does not count here."""
    table = model.table(name)
    return table if table is not None and table.name.lower() == name.lower() else None


def key_contradictions(table: Table) -> list[Contradiction]:
    """A primary key column that is gone, holds nulls, or (one-column keys) repeats values on the profile."""
    found = []
    label = f"{table.name} ({', '.join(table.primary_key)})"
    for name in table.primary_key:
        column = table.column(name)
        if column is None:
            found.append(Contradiction("missing_column", table.name, label, f"primary key column {name} is not in the table"))
            continue
        profile = column.profile
        if profile is not None and profile.null_count:
            found.append(Contradiction("primary_key_nulls", table.name, label, f"{name} has {profile.null_count} null value(s)"))
    duplicates = _key_duplicates(table)
    if duplicates is not None:
        found.append(Contradiction("primary_key_not_unique", table.name, label, duplicates))
    return found


def _key_duplicates(table: Table) -> str | None:
    """``4,000 distinct of 25,991 non-null values`` when a one-column key repeats on the profile, else None."""
    facts = uniqueness(table.column(table.primary_key[0])) if len(table.primary_key) == 1 else None
    if facts is None or facts.unique:
        return None
    where = " (sample)" if facts.sampled else ""
    return f"{facts.distinct:,} distinct of {facts.non_null:,} non-null values{where}"


def docs_contradictions(model: DataModel, table: Table) -> list[Contradiction]:
    """Column comments (``comment_contradicted``) and descriptions (``description_contradicted``) with a claim the
    profile or catalog contradicts: ``comment says unique: 2 distinct values in 100 non-null rows``."""
    found = []
    for column in table.columns:
        for kind, what, text in (("comment_contradicted", "comment", column.comment),
                                 ("description_contradicted", "description", column.description)):
            if not text:
                continue
            label = f"{table.name}.{column.name}"
            found += [Contradiction(kind, label, label, detail.replace("described as", f"{what} says", 1))
                      for detail in check_description(column, text, table, model).contradictions]
    return found
