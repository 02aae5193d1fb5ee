"""The command line: parse options, make one call into the package, render, exit with a clear code."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from . import __version__
from .config import load_settings, with_overrides
from .errors import DatamodelerError
from .export.diagram import COLUMN_MODES
from .export.formats import DIAGRAM_FORMATS, DOCS_FORMATS
from .querylog import parse_log_columns
from .scan import ScanOptions, run_scan
from .sources import CatalogFilter
from .store import DEFAULT_MODEL_PATH

app = typer.Typer(
    name="datamodeler",
    help="Discover the data model hidden in a warehouse: keys, relationships, lineage, entities, docs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stdout = Console()
stderr = Console(stderr=True)
STATE = {"debug": False}

ModelOption = Annotated[Path, typer.Option("--model", "-m", help="Model file written by `datamodeler scan`.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """The one error boundary: expected errors print one line and exit 1; --debug shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DatamodelerError as exc:
            _fail(f"Error: {exc}", 1)
        except KeyboardInterrupt:
            _fail("Interrupted: no file was changed.", 130)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last resort keeps tracebacks off the user's screen
            first_line = (str(exc).strip().splitlines() or [""])[0]  # drivers add SQL and links on more lines
            _fail(f"Error: unexpected {type(exc).__name__}: {first_line} (re-run with --debug and report it)", 1)

    return wrapper


def _fail(message: str, code: int) -> None:
    if STATE["debug"]:
        traceback.print_exc()
    stderr.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        stdout.print(f"datamodeler {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = None,
) -> None:
    """datamodeler: crawl a warehouse's catalog and query history into a verified data model."""
    STATE["debug"] = debug


@app.command()
@handle_errors
def scan(
    url: Annotated[Optional[str], typer.Argument(help="SQLAlchemy URL of the warehouse; omit to scan the bundled demo.")] = None,
    query_log: Annotated[list[Path], typer.Option("--query-log", "-q", help="Query log file, folder or glob (.sql, .jsonl, .csv); repeatable.")] = [],
    log_column: Annotated[list[str], typer.Option("--log-column", help="FIELD=COLUMN for .jsonl/.csv logs, e.g. query=sql_body (fields: query, user, start_time, duration_ms, database).")] = [],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write.")] = DEFAULT_MODEL_PATH,
    schema: Annotated[list[str], typer.Option("--schema", help="Only these schemas (repeatable).")] = [],
    include: Annotated[list[str], typer.Option("--include", help="Only tables matching this glob (repeatable).")] = [],
    exclude: Annotated[list[str], typer.Option("--exclude", help="Skip tables matching this glob (repeatable).")] = [],
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Use deterministic evidence only, even if an LLM is configured.")] = False,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not read the warehouse's own query history.")] = False,
    sample_rows: Annotated[Optional[int], typer.Option("--sample-rows", min=100, help="Rows sampled per table for profiling.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Config file (default ./datamodeler.toml).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Crawl a warehouse and its query history into a model file.

    Examples:

      datamodeler scan                                   # the bundled streaming demo

      datamodeler scan sqlite:///shop.db -q queries.sql

      datamodeler scan postgresql://me@db/prod --schema sales --exclude 'tmp_*' --out sales.json
    """
    from .render import RichProgress, scan_summary, summary_dict

    settings = with_overrides(load_settings(config), "scan", sample_rows=sample_rows)
    options = ScanOptions(url=url, query_logs=list(query_log), log_columns=parse_log_columns(log_column), out=out, use_llm=not no_llm, history=not no_history,
                          filters=CatalogFilter(schemas=schema, include=include, exclude=exclude), settings=settings)
    progress = RichProgress(stderr) if not as_json else None
    _, summary = run_scan(options, progress)
    if as_json:
        print(json.dumps(summary_dict(summary), indent=2))
    else:
        stdout.print(scan_summary(summary))


@app.command()
@handle_errors
def lineage(
    name: Annotated[str, typer.Argument(metavar="TABLE[.COLUMN]", help="A table (schema.table) or one of its columns.")],
    upstream: Annotated[bool, typer.Option("--upstream", help="Only where the data comes from.")] = False,
    downstream: Annotated[bool, typer.Option("--downstream", help="Only where the data goes.")] = False,
    depth: Annotated[Optional[int], typer.Option("--depth", min=1, help="Levels to follow (default: all).")] = None,
    hide_transient: Annotated[bool, typer.Option("--hide-transient", help="Step over transient tables (temporary, or created and dropped in the log): show the tables on either side directly.")] = False,
    model: ModelOption = DEFAULT_MODEL_PATH,
    as_json: JsonOption = False,
) -> None:
    """Show table- or column-level lineage from the model file.

    Examples:

      datamodeler lineage marts.member_ltv

      datamodeler lineage marts.member_ltv.lifetime_value --upstream --depth 2 --json

      datamodeler lineage marts.revenue.total --upstream --hide-transient
    """
    from .graph import direction_of, lineage_view
    from .render import lineage_tree
    from .store import load_model

    view = lineage_view(load_model(model), name, direction_of(upstream, downstream), depth, hide_transient)
    if as_json:
        print(json.dumps(view.to_dict(), indent=2))
    else:
        stdout.print(lineage_tree(view))



@app.command()
@handle_errors
def erd(
    model: ModelOption = DEFAULT_MODEL_PATH,
    format: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(DIAGRAM_FORMATS)}.")] = "mermaid",
    entity: Annotated[Optional[str], typer.Option("--entity", help="Draw this entity's tables (and --depth hops around them).")] = None,
    table: Annotated[Optional[str], typer.Option("--table", "-t", help="Draw this table and its neighbours --depth hops away.")] = None,
    schema: Annotated[Optional[str], typer.Option("--schema", help="Only tables of this schema.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Relationship hops around --entity/--table.")] = 1,
    columns: Annotated[str, typer.Option("--columns", help=f"Columns shown: {', '.join(COLUMN_MODES)}.")] = "keys",
    include_plausible: Annotated[bool, typer.Option("--include-plausible/--verified-only", help="Draw plausible relationships (dashed) or only declared/verified/accepted ones.")] = True,
    collapse_shared: Annotated[Optional[bool], typer.Option("--collapse-shared/--no-collapse-shared", help="Leave out tables referenced by many others (dates, times), named in a note; default: automatic for very widely shared tables.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (a folder when a large model is split); default: stdout.")] = None,
) -> None:
    """Draw an ER diagram of the model, or of one entity, table neighbourhood or schema.

    Examples:

      datamodeler erd --table orders --depth 2                # Mermaid on stdout

      datamodeler erd --entity Member --format svg --out member.svg

      datamodeler erd --format dot --out erd/                 # large models: one diagram per part + index.md
    """
    from .export import run_erd
    from .export.erd import ErdOptions
    from .store import load_model

    options = ErdOptions(entity=entity, table=table, schema=schema, depth=depth, columns=columns,  # type: ignore[arg-type]
                         include_plausible=include_plausible, collapse_shared=collapse_shared)
    _show_outcome(run_erd(load_model(model), format, options, out))


@app.command()
@handle_errors
def docs(
    model: ModelOption = DEFAULT_MODEL_PATH,
    format: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(DOCS_FORMATS)}.")] = "markdown",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder to write (default ./datamodel-docs; dbt: stdout).")] = None,
) -> None:
    """Write documentation of the model: Markdown pages, one self-contained HTML file, or dbt schema.yml.

    Examples:

      datamodeler docs --out docs/model                     # index.md + tables/*.md with Mermaid diagrams

      datamodeler docs --format html --out site             # site/index.html, opens from file://

      datamodeler docs --format dbt > models/sources.yml
    """
    from .export import run_docs
    from .store import load_model

    _show_outcome(run_docs(load_model(model), format, out))


@app.command()
@handle_errors
def review(
    model: ModelOption = DEFAULT_MODEL_PATH,
    accept: Annotated[list[str], typer.Option("--accept", "-a", help="Accept this relationship id (repeatable).")] = [],
    reject: Annotated[list[str], typer.Option("--reject", "-r", help="Reject this relationship id (repeatable).")] = [],
    list_only: Annotated[bool, typer.Option("--list", help="List relationships waiting for review and exit.")] = False,
    by: Annotated[Optional[str], typer.Option("--by", help="Who decides (kept in the evidence).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Accept or reject inferred relationships; decisions survive every re-scan.

    With no --accept/--reject/--list: an interactive prompt over the plausible relationships.

    Examples:

      datamodeler review --list

      datamodeler review --accept r_1a2b3c4d5e --reject r_9f8e7d6c5b --by ana

      datamodeler review                                    # a/r/s/q for each plausible relationship
    """
    from .render import review_prompt, review_table
    from .review import decide, pending, record_decisions
    from .store import load_model

    if list_only or as_json:
        waiting = pending(load_model(model))
        print(json.dumps([r.model_dump(mode="json", exclude_none=True) for r in waiting], indent=2)) if as_json else stdout.print(review_table(waiting))
        return
    prompt = None if (accept or reject) else (lambda data: review_prompt(stdout, pending(data), decide, by))
    changed = record_decisions(model, accept, reject, by, decide_all=prompt)
    stderr.print(f"{len(changed)} decision(s) saved to {model}", markup=False, highlight=False)


@app.command()
@handle_errors
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier model file.")],
    new: Annotated[Path, typer.Argument(help="The later model file.")],
    as_json: JsonOption = False,
) -> None:
    """Show how the model drifted between two scans: tables, columns, keys, relationships.

    Exit code 0 when nothing changed, 3 when something did (handy in CI).

    Examples:

      datamodeler diff yesterday.json datamodel.json

      datamodeler diff old.json new.json --json | jq .relationships_changed
    """
    from .diff import diff_models
    from .render import diff_view
    from .store import load_model

    changes = diff_models(load_model(old), load_model(new))
    print(json.dumps(changes.to_dict(), indent=2)) if as_json else stdout.print(diff_view(changes))
    raise typer.Exit(0 if changes.empty else 3)


@app.command()
@handle_errors
def check(
    model: ModelOption = DEFAULT_MODEL_PATH,
    query_log: Annotated[list[Path], typer.Option("--query-log", "-q", help="Query log file, folder or glob to replay (.sql, .jsonl, .csv); repeatable. Default: the joins the scan recorded in the model.")] = [],
    min_explained: Annotated[Optional[float], typer.Option("--min-explained", min=0.0, max=1.0, help="Exit 3 when the share of join executions explained by verified relationships is below this (0..1).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay sample queries against the model: joins explained, documentation coverage, contradictions.

    Each distinct join is explained (a declared, verified or accepted relationship fits), plausible, contradicted (only a rejected one fits) or unexplained (a candidate the model missed); shares are weighted by executions.

    Exit codes: 0 checked, 1 error (missing model or log), 3 explained share below --min-explained (for CI gates).

    Examples:

      datamodeler check                                     # the joins the scan recorded

      datamodeler check -q logs/last_week.jsonl --min-explained 0.9

      datamodeler check --json | jq '.joins.unexplained[:5]'
    """
    from .check import check_model
    from .querylog import read_logs
    from .render import check_view
    from .store import load_model

    report = check_model(load_model(model), read_logs(query_log) if query_log else None)
    print(json.dumps(report.to_dict(), indent=2)) if as_json else stdout.print(check_view(report))
    if (failure := report.gate_failure(min_explained)) is not None:
        typer.echo(f"check failed: {failure}", err=True)
        raise typer.Exit(3)


@app.command()
@handle_errors
def ask(
    question: Annotated[Optional[str], typer.Argument(help="The question, in plain words; omit for an interactive prompt.")] = None,
    url: Annotated[Optional[str], typer.Argument(help="Warehouse URL for --run (default: the model's source; pass it when it needs a password).")] = None,
    model: ModelOption = DEFAULT_MODEL_PATH,
    run: Annotated[bool, typer.Option("--run", help="Run the checked SQL read-only and show the rows.")] = False,
    force: Annotated[bool, typer.Option("--force", help="With --run: run a draft answer too (not only confident or checked ones).")] = False,
    allow_privileged: Annotated[bool, typer.Option("--allow-privileged", help="With --run, run even when the role is superuser or can write (PostgreSQL); only the SQL gate then protects.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Row limit added to (or capping) the SQL.")] = 100,
    config: Annotated[Optional[Path], typer.Option("--config", help="Config file (default ./datamodeler.toml).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Turn a question into SQL over the model: linked tables, a join path over verified relationships, checked SQL.

    Every SQL passes a gate first: one SELECT, only allowlisted functions, only the model's tables, columns that
    exist, a LIMIT. On PostgreSQL, --run refuses a superuser or a role that can write unless --allow-privileged.
    With an LLM, its SQL must also pass a dry run on the warehouse (LIMIT 0), repaired up to twice with the error.
    Each answer is labelled confident (built right without an LLM), checked (the LLM's SQL passed the gate and the
    dry run) or draft (to check; --run needs --force).

    Examples:

      datamodeler ask "weekly impressions per country"

      datamodeler ask "revenue by plan" --run --limit 20

      datamodeler ask "members per country" postgresql://me:secret@db/prod --run --json

      datamodeler ask                                       # interactive: one question per line, empty line quits
    """
    from .ask import AskOptions, ask_question
    from .errors import DatamodelerError as Recoverable
    from .render import ask_prompt, ask_view
    from .store import load_model

    data, options = load_model(model), AskOptions(run=run, url=url, limit=limit, settings=load_settings(config),
                                                 force=force, allow_privileged=allow_privileged)
    show = (lambda answer: print(json.dumps(answer.to_dict(), indent=2))) if as_json else (lambda answer: stdout.print(ask_view(answer)))
    if question is None:
        ask_prompt(stderr if as_json else stdout, lambda text: ask_question(text, data, options), show, (Recoverable,))
    else:
        show(ask_question(question, data, options))


@app.command()
@handle_errors
def pii(
    url: Annotated[Optional[str], typer.Argument(help="Warehouse URL for --run (default: the model's source; pass it when it needs a password).")] = None,
    model: ModelOption = DEFAULT_MODEL_PATH,
    format: Annotated[str, typer.Option("--format", "-f", help="Inventory as text, json or markdown.")] = "text",
    subject: Annotated[list[str], typer.Option("--subject", "-s", help="A table identifying people (schema.table), added to those inferred; with --id, whose request it is.")] = [],
    id: Annotated[Optional[str], typer.Option("--id", help="The person's key value in --subject: write the SELECTs returning every row about them.")] = None,
    run: Annotated[bool, typer.Option("--run", help="With --id: run the SELECTs read-only and show row counts per table.")] = False,
    erasure_plan: Annotated[bool, typer.Option("--erasure-plan", help="With --id: print (never run) the order to delete or anonymise their rows.")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="Config file (default ./datamodeler.toml).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Map personal data: PII columns followed through lineage and keys to the people (subjects) they describe.

    No LLM is used and nothing personal leaves the machine; --run reads the warehouse, read-only.

    Examples:

      datamodeler pii                                        # inventory: tables, categories, paths, subjects, readers

      datamodeler pii --format markdown > personal-data.md

      datamodeler pii --subject crm.members --id 42          # the SELECTs returning every row about member 42

      datamodeler pii --subject crm.members --id 42 --run --erasure-plan --json
    """
    from .errors import ConfigError
    from .privacy import build_inventory, person_request
    from .render import pii_inventory_view, pii_request_view
    from .store import load_model

    data, wants_json = load_model(model), as_json or format == "json"
    if format not in ("text", "json", "markdown"):
        raise ConfigError(f"unknown format '{format}'", "use one of: text, json, markdown")
    if id is None:
        if run or erasure_plan:
            raise ConfigError("--run and --erasure-plan need a person", "add --subject TABLE --id VALUE")
        inventory = build_inventory(data, subject)
        _print_report(inventory, wants_json, format, pii_inventory_view)
        return
    if len(subject) != 1:
        raise ConfigError("--id needs exactly one --subject", "e.g. --subject crm.members --id 42")
    timeout = load_settings(config).scan.statement_timeout_s
    request = person_request(data, subject[0], id, run=run, erasure=erasure_plan, url=url, timeout_s=timeout)
    _print_report(request, wants_json, "text", pii_request_view)


def _print_report(report: Any, as_json: bool, format: str, view: Callable[[Any], Any]) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    elif format == "markdown":
        from .export.formats.markdown import personal_data_page

        sys.stdout.write(personal_data_page(report))
    else:
        stdout.print(view(report))


def _show_outcome(outcome: Any) -> None:
    if isinstance(outcome.stdout, bytes):
        sys.stdout.buffer.write(outcome.stdout)
    elif outcome.stdout is not None:
        sys.stdout.write(outcome.stdout)
    else:
        where = outcome.written[0] if len(outcome.written) == 1 else outcome.written[0].parent
        stderr.print(f"Wrote {len(outcome.written)} file(s) to {where}", markup=False, highlight=False)

def run() -> None:
    """Entry point used by ``python -m datamodeler``."""
    app()


if __name__ == "__main__":  # pragma: no cover
    run()
