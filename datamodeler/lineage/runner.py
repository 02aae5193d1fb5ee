"""Analyse many statement shapes: each parsed once, under a time limit, on every core when it pays off.

Tables that CTAS / CREATE TABLE statements in the log create are fed back, and statements that read such a
table before it was known (resolved best-effort, columns inferred) are analysed again (a few rounds, for chains).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from .catalog import CatalogIndex
from .extract import StatementAnalyzer, StatementLineage

MIN_SHAPES_PER_WORKER = 100  # below this, starting processes costs more than it saves
MAX_ROUNDS = 4

Item = tuple[str, str]  # (fingerprint, normalised sql)


class StatementTimeout(BaseException):
    """Raised by the alarm inside a statement that takes too long (BaseException so no ``except Exception`` eats it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread on Unix only; elsewhere no limit)."""
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expire(signum: int, frame: object) -> None:
        raise StatementTimeout()

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def analyze_one(analyzer: StatementAnalyzer, sql: str, timeout_s: float, default_target: str | None = None) -> StatementLineage:
    """One statement under the time limit; a timeout or a crash becomes a failure record."""
    try:
        with time_limit(timeout_s):
            return analyzer.analyze(sql, default_target)
    except StatementTimeout:
        return StatementLineage(failure=("timeout", f"analysis took longer than {timeout_s:g}s"))
    except RecursionError:
        return StatementLineage(failure=("too_large", "statement nested too deeply"))
    except Exception as exc:  # a bug in parsing or tracing: one counted failure, the scan goes on
        return StatementLineage(failure=("internal", f"{type(exc).__name__}: {str(exc)[:200]}"))


def analyze_shapes(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, *, workers: int = 0,
                   timeout_s: float = 10.0, on_done: Callable[[int], None] | None = None) -> dict[str, StatementLineage]:
    """Lineage for every (fingerprint, sql) item, by fingerprint."""
    workers = workers or os.cpu_count() or 1
    results: dict[str, StatementLineage] = {}
    pending = list(items)
    for _ in range(MAX_ROUNDS):
        for fingerprint, result in _run_round(pending, catalog, dialect, workers, timeout_s, on_done):
            results[fingerprint] = result
        learned = _learn_created_tables(results.values(), catalog)
        if not learned and not _learn_inferred_columns(results.values(), catalog):
            break
        pending = [item for item in items if results[item[0]].unknown_tables]
        if not pending:
            break
    return results


def _run_round(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, workers: int, timeout_s: float,
               on_done: Callable[[int], None] | None) -> Iterator[tuple[str, StatementLineage]]:
    if workers > 1 and len(items) >= MIN_SHAPES_PER_WORKER * 2:
        yield from _run_parallel(items, catalog, dialect, workers, timeout_s, on_done)
        return
    analyzer = StatementAnalyzer(catalog, dialect)
    for fingerprint, sql in items:
        yield fingerprint, analyze_one(analyzer, sql, timeout_s)
        if on_done:
            on_done(1)


def _run_parallel(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, workers: int, timeout_s: float,
                  on_done: Callable[[int], None] | None) -> Iterator[tuple[str, StatementLineage]]:
    workers = min(workers, max(1, len(items) // MIN_SHAPES_PER_WORKER))
    size = max(8, len(items) // (workers * 8))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    _start_forkserver_deaf_to_ctrl_c(context)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(catalog, dialect, timeout_s))
    try:
        _start_workers_deaf_to_ctrl_c(pool, workers)
        for chunk_results in pool.map(_analyze_chunk, chunks):
            yield from chunk_results
            if on_done:
                on_done(len(chunk_results))
    except BrokenProcessPool:  # a worker died (out of memory?): finish in this process
        yield from _run_round(items, catalog, dialect, 1, timeout_s, None)
    finally:
        # On Ctrl-C (or any error) drop the queued chunks; workers ignore SIGINT, so they finish the
        # chunk at hand and exit instead of dying mid-write and leaving the pool waiting forever.
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, object] = {}


def _start_workers_deaf_to_ctrl_c(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start every worker with Ctrl-C held back in this process: an interrupt while a worker still reads its start-up
    state from us would make it print a traceback (its semaphores gone). The interrupt is raised right after."""
    if threading.current_thread() is not threading.main_thread():
        list(pool.map(_ready, range(workers)))
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        list(pool.map(_ready, range(workers)))
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def _ready(_: int) -> bool:
    time.sleep(0.05)  # long enough for each worker to take one
    return True


def _start_forkserver_deaf_to_ctrl_c(context: multiprocessing.context.BaseContext) -> None:
    """Start the fork server with SIGINT ignored, so every worker it forks ignores Ctrl-C from birth.

    A worker interrupted while it starts prints a stray traceback, or leaves the pool waiting forever;
    ignoring SIGINT only in the worker initializer leaves that window open.
    """
    if context.get_start_method() != "forkserver" or threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_worker(catalog: CatalogIndex, dialect: str | None, timeout_s: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["analyzer"] = StatementAnalyzer(catalog, dialect)
    _WORKER["timeout_s"] = timeout_s


def _analyze_chunk(chunk: list[Item]) -> list[tuple[str, StatementLineage]]:
    analyzer, timeout_s = _WORKER["analyzer"], _WORKER["timeout_s"]
    return [(fingerprint, analyze_one(analyzer, sql, timeout_s)) for fingerprint, sql in chunk]  # type: ignore[arg-type]


def _learn_created_tables(results: object, catalog: CatalogIndex) -> set[str]:
    """Add tables created in the log to the catalog; the folded names of the new ones."""
    learned: set[str] = set()
    for result in results:  # type: ignore[attr-defined]
        if result.target and result.created_columns and result.target.lower() not in catalog.tables:
            catalog.add_table(result.target, result.created_columns, from_log=True)
            learned.add(result.target.lower())
    return learned


def _learn_inferred_columns(results: object, catalog: CatalogIndex) -> bool:
    """Pool the columns statements placed on tables the catalog lacks; True when the pool grew.

    With them, a later round can place an unqualified column read from two unknown tables on the one
    that other statements show holds it.
    """
    grew = False
    for result in results:  # type: ignore[attr-defined]
        for table, columns in result.inferred_columns.items():
            known = catalog.inferred_columns.setdefault(table, set())
            if not known.issuperset(columns):
                known.update(columns)
                grew = True
    return grew


def _reads_learned_table(result: StatementLineage, catalog: CatalogIndex) -> bool:
    """A statement resolved best-effort against a table the log has since defined: analyse it again."""
    return any(catalog.resolve_table(name.split(".")) for name in result.unknown_tables)
