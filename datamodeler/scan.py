"""The scan pipeline: an ordered tuple of stages, each a short function of one ``ScanContext``.

    crawl catalog -> read query logs -> lineage -> profile -> relationships -> entities -> LLM -> save

Stages receive data and a small source object; the CLI (or a notebook) calls ``run_scan``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .discovery.stages import entities_stage, profile_stage, relationships_stage
from .errors import ModelFileError, SourceError
from .llm.stage import llm_stage
from .model import DataModel, SourceInfo
from .scan_context import Progress, ScanContext, ScanOptions, SilentProgress, Stage
from .sources import LoggedQuery, Source, open_source
from .store import check_writable, load_model, save_scanned


@dataclass
class ScanSummary:
    """What the user sees after a scan (and what ``--json`` prints)."""

    model_path: str
    source: str
    dialect: str
    tables: int
    views: int
    columns: int
    relationships: dict[str, int]
    entities: int
    lineage_edges: int
    queries: dict[str, Any]
    llm: str
    elapsed_s: float
    timings: dict[str, float]
    warnings: list[str]
    top_relationships: list[dict[str, Any]]



def crawl_catalog(ctx: ScanContext) -> None:
    """Tables, views, columns, declared keys, comments and row counts."""
    with ctx.progress.stage("crawl catalog") as bar:
        ctx.model.tables = ctx.source.catalog(ctx.options.filters)
        bar.advance(len(ctx.model.tables))
    ctx.warnings.extend(ctx.source.notes)  # driver warnings met while crawling
    ctx.source.release()  # the log and lineage stages need no connection: profiling opens it again


def read_query_logs(ctx: ScanContext) -> None:
    """Statements from the log files and the warehouse's own history, folded into distinct shapes as they stream."""
    from .lineage.logworkers import collect_shapes
    from .lineage.shapes import ShapeCollector
    from .querylog import read_logs

    ctx.shapes = ShapeCollector(ctx.source.dialect, ctx.options.settings.scan.max_statement_chars)
    with ctx.progress.stage("read query logs") as bar:
        history = warehouse_history(ctx) if ctx.options.history else iter(())
        queries = itertools.chain(read_logs(ctx.options.query_logs, ctx.options.log_columns or None), history)
        collect_shapes(queries, ctx.shapes, ctx.options.settings.scan.workers, bar.advance)


def warehouse_history(ctx: ScanContext) -> Iterator[LoggedQuery]:
    """The source's own history (the last ``history_days`` where it keeps a window); unreadable history is a warning."""
    try:
        yield from ctx.source.queries()
    except SourceError as exc:
        ctx.warnings.append(f"query history not read: {exc}")


def extract_lineage(ctx: ScanContext) -> None:
    """Column lineage, joins and usage from each distinct statement shape (parsed once) and each view definition."""
    from .lineage.pipeline import build_lineage
    from .lineage.shapes import ShapeCollector

    shapes, settings = ctx.shapes or ShapeCollector(ctx.source.dialect), ctx.options.settings.scan
    with ctx.progress.stage("lineage", total=len(shapes.shapes)) as bar:
        evidence = build_lineage(ctx.model.tables, shapes, ctx.model.source.dialect, workers=settings.workers,
                                 timeout_s=settings.lineage_timeout_s, on_done=bar.advance,
                                 default_schemas=ctx.source.default_schemas() or None)
    ctx.model.queries, ctx.model.lineage, ctx.model.joins, ctx.model.usage = evidence.queries, evidence.lineage, evidence.joins, evidence.usage
    ctx.shapes = None  # every shape is folded into the model now (a million of them hold ~650 MiB)
    ctx.warnings.extend(evidence.warnings)


STAGES: tuple[Stage, ...] = (
    ("crawl", crawl_catalog),
    ("query log", read_query_logs),
    ("lineage", extract_lineage),
    ("profile", profile_stage),
    ("relationships", relationships_stage),
    ("entities", entities_stage),
    ("llm", llm_stage),
)


def run_scan(options: ScanOptions, progress: Progress | None = None) -> tuple[DataModel, ScanSummary]:
    """Scan a warehouse (the bundled demo when ``options.url`` is None), save the model file, return both."""
    started = time.monotonic()
    progress = progress or SilentProgress()
    url = _with_demo_defaults(options, progress)
    check_writable(options.out)  # a missing or read-only folder fails now, not after the whole scan
    _previous_model(options.out)
    source = open_source(url, options.settings.scan)
    try:
        ctx = ScanContext(options=options, source=source, model=_empty_model(source), progress=progress,
                          llm_status=describe_llm(options))
        _run_stages(ctx)
    finally:
        source.close()
    ctx.model.notes = sorted(set(ctx.model.notes) | set(ctx.warnings))
    model = save_scanned(ctx.model, options.out)  # merges the human decisions on disk at write time
    return model, summarize(ctx, model, time.monotonic() - started)


def describe_llm(options: ScanOptions) -> str:
    """How the LLM takes part in this scan, in words for the summary."""
    if not options.use_llm:
        return "off (--no-llm): deterministic evidence only"
    llm = options.settings.llm
    if not llm.configured:
        return "not configured: deterministic evidence only (set OPENAI_BASE_URL / OPENAI_API_KEY or [llm] in datamodeler.toml)"
    return f"configured ({llm.model}): proposals not asked yet"


def _run_stages(ctx: ScanContext) -> None:
    for name, stage in STAGES:
        began = time.monotonic()
        stage(ctx)
        ctx.timings[name] = round(time.monotonic() - began, 3)


def _with_demo_defaults(options: ScanOptions, progress: Progress) -> str:
    """The warehouse URL to scan; without one, the demo warehouse, whose URL and logs are filled into ``options``."""
    if options.url:
        return options.url
    from .demo import demo_url, ensure_demo

    with progress.stage("demo warehouse") as bar:
        paths = ensure_demo()
        bar.advance()
    options.url = url = demo_url(paths)
    if not options.query_logs:
        options.query_logs = list(paths.query_logs)
    return url


def _previous_model(path: Path) -> DataModel | None:
    """The model file being replaced: a broken one stops the scan before it starts (its human decisions are
    merged from the file as it is at write time, see ``store.save_scanned``)."""
    if not Path(path).exists():
        return None
    try:
        return load_model(path)
    except ModelFileError as exc:
        raise ModelFileError(
            f"will not overwrite {path}: {exc.message}", "move it away or choose another --out so nothing is lost"
        ) from exc


def _empty_model(source: Source) -> DataModel:
    scanned_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    return DataModel(source=SourceInfo(url=source.url, dialect=source.dialect, scanned_at=scanned_at))


def summarize(ctx: ScanContext, model: DataModel, elapsed: float) -> ScanSummary:
    """Counts for the scan summary."""
    by_status: dict[str, int] = {}
    for rel in model.relationships:
        by_status[rel.status] = by_status.get(rel.status, 0) + 1
    top = sorted(model.relationships, key=lambda r: (r.status == "rejected", -r.confidence, r.label))[:15]
    return ScanSummary(
        model_path=str(ctx.options.out),
        source=model.source.url,
        dialect=model.source.dialect,
        tables=sum(t.kind == "table" for t in model.tables),
        views=sum(t.kind == "view" for t in model.tables),
        columns=sum(len(t.columns) for t in model.tables),
        relationships=dict(sorted(by_status.items())),
        entities=len(model.entities),
        lineage_edges=len(model.lineage),
        queries={k: v for k, v in model.queries.model_dump().items() if k in ("total", "distinct", "parsed", "failed", "partial", "failures_by_reason")},
        llm=ctx.llm_status,
        elapsed_s=round(elapsed, 2),
        timings=ctx.timings,
        warnings=ctx.warnings,
        top_relationships=[_relationship_line(r) for r in top],
    )




def _relationship_line(rel: Any) -> dict[str, Any]:
    return {"id": rel.id, "label": rel.label, "cardinality": rel.cardinality, "status": rel.status,
            "confidence": rel.confidence, "evidence": rel.evidence_summary}
