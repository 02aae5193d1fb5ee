"""``ask``: a question in plain words -> linked tables, a join path over verified relationships, guarded SQL, rows.

    answer = ask_question("weekly impressions per country", load_model(), run=True)
    answer.sql, answer.rows

The pipeline: ``linking.link_question`` ranks tables and columns; ``plan.plan_query`` picks the measured table,
the grouping and time columns and the join path; ``generate`` renders a sqlglot skeleton (or, with an LLM
configured, has the LLM write the SQL from ``prompt``'s fenced prompt, repaired against the gate and a
``dryrun`` on the warehouse); ``guard.guard_sql`` checks it; with ``run`` it executes read-only through the
source with a row limit and a statement timeout.

Labels: ``confident`` (the no-LLM builder's SQL, which it can build right), ``checked`` (the LLM's SQL passed the
gate and the warehouse compiled it on a dry run), ``draft`` (anything else: to read before trusting; ``--run``
needs ``--force``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..errors import ConfigError, LLMError, ModelFileError, UnsafeSQLError
from ..model import DataModel
from ..sources import Rows, Source, open_source
from .dryrun import PASSED, DryRunner
from .generate import MAX_REPAIRS, ChatModel, Generated, generate_with_llm, skeleton_sql
from .guard import DEFAULT_LIMIT, GuardedSQL, guard_sql
from .linking import Linking, link_question
from .plan import QueryPlan, plan_query

__all__ = ["Answer", "AskOptions", "ask_question", "guard_sql", "link_question", "plan_query"]

NO_LLM_NOTE = "no LLM configured: showing the linked tables, the join path and a SQL skeleton"


@dataclass
class AskOptions:
    """How to answer: run the SQL or not, against which URL, with what row limit, with or without an LLM."""

    run: bool = False
    url: str | None = None
    limit: int = DEFAULT_LIMIT
    settings: Settings = field(default_factory=Settings)
    llm: ChatModel | None = None  # a ready client (tests); otherwise built from settings.llm when configured
    use_llm: bool = True
    force: bool = False  # run a draft too
    allow_privileged: bool = False  # run even when the role can write or is superuser (the gate alone protects)


@dataclass
class Answer:
    """Everything ``ask`` shows: ranked tables, the join path, the SQL and whether it passed the gate, the rows."""

    question: str
    linking: Linking
    plan: QueryPlan
    sql: str
    runnable: bool  # passed the gate: parses, one SELECT, qualifies against the catalog, has a LIMIT
    generated_by: str  # "skeleton" or "llm"
    notes: list[str] = field(default_factory=list)
    rows: Rows | None = None
    attempts: list[dict[str, str]] = field(default_factory=list)  # the LLM's tries: SQL, and the stage and error
    tokens: dict[str, int] | None = None  # the LLM's token counts for this answer
    dry_run: str | None = None  # LLM SQL: "passed" or "not dry-run: <why>"

    @property
    def verified(self) -> bool:
        """The SQL passed the gate and joins only along declared, verified or accepted relationships."""
        return self.runnable and not self.plan.uses_plausible

    @property
    def label(self) -> str:
        """``confident``: the no-LLM builder's SQL, which it can build right; ``checked``: the LLM's SQL passed the
        gate and a dry run on the warehouse; ``draft``: anything else, to check."""
        if self.generated_by == "llm":
            return "checked" if self.runnable and self.dry_run == PASSED else "draft"
        return "confident" if self.verified and self.plan.confident else "draft"

    @property
    def needs(self) -> list[str]:
        """What a draft would need to be answered right (an LLM, a clearer column, a dry run, …)."""
        if self.generated_by == "skeleton":
            return list(self.plan.needs)
        return [f"a dry run on the warehouse ({self.dry_run})", "a check by a person: the SQL was written by the LLM"]

    def to_dict(self, top: int = 5) -> dict[str, Any]:
        data: dict[str, Any] = {
            "question": self.question,
            "tables": [t.to_dict() for t in self.linking.matched()[:top]],
            "join_path": self.plan.join_path_dicts(),
            "sql": self.sql,
            "label": self.label,
            "needs": self.needs if self.label == "draft" else [],
            "verified": self.verified,
            "runnable": self.runnable,
            "generated_by": self.generated_by,
            "notes": self.notes,
        }
        if self.generated_by == "llm" or self.attempts:
            data.update(dry_run=self.dry_run, attempts=self.attempts, tokens=self.tokens)
        if self.rows is not None:
            data["rows"] = {"columns": self.rows.columns, "rows": [[json_value(v) for v in row] for row in self.rows.rows]}
        return data


def json_value(value: Any) -> Any:
    """A cell as JSON can hold it: numbers, text, booleans and nulls as they are, anything else (dates) as text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def ask_question(question: str, model: DataModel, options: AskOptions | None = None) -> Answer:
    """Answer one question against ``model``; with ``options.run`` the guarded SQL runs read-only."""
    options = options or AskOptions()
    question = question.strip()
    if not question:
        raise ConfigError("empty question", "ask something like: weekly impressions per country")
    if not model.tables:
        raise ModelFileError("the model file has no tables", "re-run `datamodeler scan`")
    linking = link_question(question, model)
    plan = plan_query(question, model, linking)
    answer = write_sql(question, model, linking, plan, options)
    if options.run:
        answer.rows = run_sql(answer, model, options)
    return answer


def write_sql(question: str, model: DataModel, linking: Linking, plan: QueryPlan, options: AskOptions) -> Answer:
    """The LLM's SQL when one is configured and an answer passes the gate and the dry run; else the skeleton."""
    skeleton = skeleton_sql(plan, model)
    notes = list(plan.notes)
    client = llm_client(options) if options.use_llm else None
    generated: Generated | None = None
    if client is None:
        notes.insert(0, NO_LLM_NOTE)
    else:
        runner = DryRunner(options.url or model.source.url, options.settings.scan.statement_timeout_s, model.source.dialect or None)
        try:
            generated = generate_with_llm(client, plan, linking, model, skeleton,
                                          lambda sql: guard_sql(sql, model, options.limit), runner.check)
        except LLMError as exc:
            notes.append(f"the LLM failed ({exc.message}); showing the SQL skeleton")
        finally:
            runner.close()
        if generated is not None and generated.guarded is not None:
            if runner.unavailable:
                notes.append(f"not dry-run: {runner.unavailable}; the SQL passed the gate only")
            return Answer(question, linking, plan, generated.guarded.sql, True, "llm", notes,
                          attempts=generated.attempts, tokens=generated.tokens, dry_run=runner.status)
        if generated is not None:
            notes.append(f"the LLM's SQL still failed after {MAX_REPAIRS} repairs ({generated.failure}); "
                         "showing the SQL skeleton instead")
    guarded = guard_skeleton(skeleton, model, options.limit, notes)
    answer = Answer(question, linking, plan, guarded.sql if guarded else skeleton, guarded is not None, "skeleton", notes)
    if generated is not None:
        answer.attempts, answer.tokens = generated.attempts, generated.tokens
    return answer


def guard_skeleton(skeleton: str, model: DataModel, limit: int, notes: list[str]) -> GuardedSQL | None:
    try:
        return guard_sql(skeleton, model, limit)
    except UnsafeSQLError as exc:
        notes.append(f"the skeleton does not pass the gate: {exc.message}")
        return None


def llm_client(options: AskOptions) -> ChatModel | None:
    """The LLM client to write SQL with: the one given, else one built from ``[llm]`` settings, else None."""
    if options.llm is not None:
        return options.llm
    if not options.settings.llm.configured:
        return None
    try:
        from ..llm.client import OpenAIClient
    except ImportError:  # an install without the LLM stage
        return None
    return OpenAIClient(options.settings.llm)


def run_sql(answer: Answer, model: DataModel, options: AskOptions) -> Rows:
    """Execute the guarded SQL read-only with the row limit and the statement timeout."""
    if not answer.runnable:
        raise UnsafeSQLError("the SQL did not pass the gate, so it was not run", "; ".join(answer.notes) or None)
    if answer.label == "draft" and not options.force:  # confident and checked answers run
        raise UnsafeSQLError(f"this answer is a draft, so it was not run (needs {'; '.join(answer.needs) or 'a check'})",
                             "read the SQL, then add --force to run it anyway")
    url = options.url or model.source.url
    source = open_source(url)
    try:
        check_role(source, model, options, answer.notes)
        return source.execute(answer.sql, timeout_s=options.settings.scan.statement_timeout_s, max_rows=options.limit)
    finally:
        source.close()


PRIVILEGED_HINT = "connect as a read-only role (docs/safety.md), or pass --allow-privileged to rely on the SQL gate alone"


def check_role(source: Source, model: DataModel, options: AskOptions, notes: list[str]) -> None:
    """Refuse to run as a role that can write or is superuser, unless allowed; then warn in the notes."""
    role_privileges = getattr(source, "role_privileges", None)
    if role_privileges is None:
        return
    found = role_privileges([table.name for table in model.tables])
    if not found:
        return
    if not options.allow_privileged:
        raise UnsafeSQLError(f"not running: the session's role is privileged ({'; '.join(found)})", PRIVILEGED_HINT)
    notes.append(f"WARNING: running as a privileged role ({'; '.join(found)}): only the SQL gate protects the warehouse")
