"""SQL for a question: the deterministic skeleton built with sqlglot, or an LLM's query repaired against the gate.

``skeleton_sql(plan, model)`` renders a ``QueryPlan`` for the model's dialect. ``generate_with_llm`` asks a
chat model (any object with ``complete_json(messages, schema_name)``) for SQL given the question and the fenced
prompt of ``prompt.sql_messages``, runs it through the gate and a dry run on the warehouse, and feeds the error
back up to ``MAX_REPAIRS`` times.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlglot import exp

from ..errors import LLMError, UnsafeSQLError
from ..llm.redact import redact_messages
from ..model import DataModel
from .guard import GuardedSQL
from .linking import Linking
from .plan import QueryPlan
from .prompt import repair_message, sql_messages

MAX_REPAIRS = 2
SAFE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
SQLITE_BUCKETS = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d", "month": "%Y-%m-01", "quarter": "%Y-%m-01", "year": "%Y-01-01"}


# -- skeleton ------------------------------------------------------------------------------------


def skeleton_sql(plan: QueryPlan, model: DataModel) -> str:
    """The plan as one SELECT in the model's dialect (no LIMIT: the gate adds it)."""
    dialect = model.source.dialect or None
    aliases = table_aliases(plan.tables)
    anchor = model.table(plan.anchor)
    key = anchor.primary_key[0] if plan.count_distinct and anchor is not None and anchor.primary_key else None
    columns: list[exp.Expr] = [column_ref(aliases, table, name) for table, name in plan.group_columns]
    projections: list[exp.Expr] = []
    if plan.time_column is not None and plan.intent.grain:
        bucket = time_bucket(column_ref(aliases, *plan.time_column), plan.intent.grain, dialect)
        projections.append(exp.alias_(bucket, plan.intent.grain))
        columns.insert(0, bucket)
    projections.extend(columns[1:] if plan.time_column is not None and plan.intent.grain else columns)
    measure = measure_expression(plan, aliases, key)
    if measure is not None:
        projections.append(measure)
    if not projections:
        projections = [column_ref(aliases, table, name) for table, name in plan.select_columns] or [exp.Star()]
    query = exp.select(*projections).from_(table_ref(plan.anchor, aliases[plan.anchor]))
    for step in plan.join_path:
        on = exp.and_(*(exp.EQ(this=column_ref(aliases, step.left_table, left), expression=column_ref(aliases, step.right_table, right))
                        for left, right in zip(step.left_columns, step.right_columns)))
        query = query.join(table_ref(step.right_table, aliases[step.right_table]), on=on, join_type="inner")
    for table, column, value in plan.filters:
        query = query.where(exp.EQ(this=column_ref(aliases, table, column), expression=exp.Literal.string(value)))
    if measure is not None and columns:
        query = query.group_by(*[c.copy() for c in columns])
        order = [c.copy() for c in columns[:1]] if plan.intent.grain else [exp.Ordered(this=exp.column(measure.alias), desc=True)]
        query = query.order_by(*order)
    if plan.order_column is not None and plan.intent.ranking is not None:
        ranking = plan.intent.ranking
        query = query.order_by(exp.Ordered(this=column_ref(aliases, *plan.order_column), desc=ranking.descending,
                                           nulls_first=False)).limit(ranking.limit)
    return query.sql(dialect=dialect, pretty=True)


def table_aliases(tables: list[str]) -> dict[str, str]:
    """Short, unique aliases from the tables' word initials: ``playback_sessions`` -> ``ps``."""
    aliases: dict[str, str] = {}
    for name in tables:
        short = name.rpartition(".")[2]
        base = "".join(word[0] for word in re.findall(r"[A-Za-z][a-z0-9]*", short.replace("_", " "))).lower() or "t"
        alias, number = base, 2
        while alias in aliases.values():
            alias, number = f"{base}{number}", number + 1
        aliases[name] = alias
    return aliases


def identifier(name: str) -> exp.Identifier:
    """An identifier, quoted unless it is plain lower-case (so ``ratingValue`` keeps its case everywhere)."""
    return exp.to_identifier(name, quoted=not SAFE_NAME.fullmatch(name))


def table_ref(name: str, alias: str) -> exp.Table:
    schema, _, short = name.rpartition(".")
    return exp.Table(this=identifier(short), db=identifier(schema) if schema else None,
                     alias=exp.TableAlias(this=exp.to_identifier(alias)))


def column_ref(aliases: dict[str, str], table: str, column: str) -> exp.Column:
    return exp.Column(this=identifier(column), table=exp.to_identifier(aliases[table]))


def measure_expression(plan: QueryPlan, aliases: dict[str, str], distinct_key: str | None = None) -> exp.Expr | None:
    """COUNT(*) named after what is counted (COUNT(DISTINCT key) past a 1:N join), or SUM/AVG/MIN/MAX of the measure."""
    measure = plan.intent.measure
    if measure is None:
        return None
    if measure != "count" and plan.measure_column is not None:
        func = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[measure]
        table, column = plan.measure_column
        return exp.alias_(func(this=column_ref(aliases, table, column)), f"{measure}_{column}".lower())
    if distinct_key is not None:
        counted = exp.Count(this=exp.Distinct(expressions=[column_ref(aliases, plan.anchor, distinct_key)]))
        return exp.alias_(counted, count_alias(plan))
    return exp.alias_(exp.Count(this=exp.Star()), count_alias(plan))


def count_alias(plan: QueryPlan) -> str:
    """``impressions`` for "weekly impressions per country", else ``row_count``."""
    short = plan.anchor.rpartition(".")[2].lower()
    words = plan.intent.measure_text.split()
    if short in words or any(w.startswith(short[:-1]) for w in words if len(short) > 3):
        return short if SAFE_NAME.fullmatch(short) else "row_count"
    return "row_count"


def time_bucket(column: exp.Expression, grain: str, dialect: str | None) -> exp.Expression:
    """The start of the hour/day/week/month/year holding ``column``, in the dialect's own function."""
    if dialect == "sqlite":
        if grain == "week":  # Monday of the week
            return exp.Anonymous(this="DATE", expressions=[column, exp.Literal.string("weekday 0"), exp.Literal.string("-6 days")])
        return exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(SQLITE_BUCKETS[grain]), column])
    return exp.TimestampTrunc(this=column, unit=exp.var(grain.upper()))


# -- LLM -----------------------------------------------------------------------------------------


class ChatModel(Protocol):
    """The one method ``ask`` needs from an LLM client (``datamodeler.llm.client.OpenAIClient``); a client that
    also keeps a ``usage`` dict of token counts (as ``OpenAIClient`` does) has them reported."""

    def complete_json(self, messages: list[dict[str, str]], schema_name: str) -> dict[str, Any]: ...


@dataclass
class Generated:
    """What the LLM produced: the guarded SQL (None when every attempt failed), each attempt, the tokens spent."""

    guarded: GuardedSQL | None
    attempts: list[dict[str, str]] = field(default_factory=list)  # {"sql", and "stage" + "error" when it failed}
    tokens: dict[str, int] | None = None

    @property
    def failure(self) -> str:
        """The last attempt's stage and error: ``dry run: query failed: …``."""
        last = self.attempts[-1] if self.attempts else {}
        return f"{last.get('stage', 'no answer')}: {last.get('error', '')}".rstrip(": ")


def generate_with_llm(client: ChatModel, plan: QueryPlan, linking: Linking, model: DataModel, skeleton: str,
                      guard: Callable[[str], GuardedSQL], dry_run: Callable[[str], str | None] = lambda sql: None) -> Generated:
    """SQL from the LLM that passes ``guard`` and then ``dry_run`` (an error line, or None); each failure is fed
    back for at most ``MAX_REPAIRS`` repairs."""
    messages = redact_messages(sql_messages(plan, linking, model, skeleton))  # the one redaction path, like every prompt
    result = Generated(None)
    before = token_counts(client)
    try:
        for _ in range(1 + MAX_REPAIRS):
            sql = answer_sql(client.complete_json(messages, "ask_sql"))
            stage, error, guarded = check_sql(sql, guard, dry_run)
            if error is None:
                result.guarded = guarded
                result.attempts.append({"sql": sql})
                return result
            result.attempts.append({"sql": sql, "stage": stage, "error": error})
            messages = [*messages, *redact_messages([{"role": "assistant", "content": sql}, repair_message(stage, error, sql, model)])]
        return result
    finally:
        result.tokens = spent_tokens(before, token_counts(client))


def answer_sql(answer: Any) -> str:
    sql = str(answer.get("sql") or "").strip() if isinstance(answer, dict) else ""
    if not sql:
        raise LLMError("the LLM answered without SQL", "check the [llm] model, or run without an LLM")
    return sql


def check_sql(sql: str, guard: Callable[[str], GuardedSQL],
              dry_run: Callable[[str], str | None]) -> tuple[str, str | None, GuardedSQL | None]:
    """(stage, error, guarded): the gate first, then the dry run of the guarded SQL."""
    try:
        guarded = guard(sql)
    except UnsafeSQLError as exc:
        return "gate", exc.message, None
    return "dry run", dry_run(guarded.sql), guarded


def token_counts(client: Any) -> dict[str, int] | None:
    usage = getattr(client, "usage", None)
    return dict(usage) if isinstance(usage, dict) else None


def spent_tokens(before: dict[str, int] | None, after: dict[str, int] | None) -> dict[str, int] | None:
    """Tokens spent between two readings of the client's counters (None when the client counts none)."""
    if before is None or after is None:
        return None
    return {key: after[key] - before.get(key, 0) for key in after}
