"""Analyse many statement shapes: each parsed once, under a time limit, on every core when it pays off.

Tables that CTAS / CREATE TABLE statements in the log create are fed back, and statements that read such a
table before it was known (resolved best-effort, columns inferred) are analysed again (a few rounds, for chains).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager

from .catalog import CatalogIndex
from .extract import StatementAnalyzer, StatementLineage

MIN_SHAPES_PER_WORKER = 100  # below this, starting processes costs more than it saves
MAX_ROUNDS = 4
MAX_CHUNK = 2_000  # shapes per task: bounds a worker's pending results and how long it outlives a killed scan

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
    return dict(iter_analyzed(items, catalog, dialect, workers=workers, timeout_s=timeout_s, on_done=on_done))


def iter_analyzed(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, *, workers: int = 0,
                  timeout_s: float = 10.0, on_done: Callable[[int], None] | None = None) -> Iterator[tuple[str, StatementLineage]]:
    """(fingerprint, lineage) for every item, each once it is final, so a caller can fold results as they stream.

    A statement reading a table the catalog lacks waits: when the log defines the table (or pools its columns),
    it is analysed again, for a few rounds; the others are final when first analysed.
    """
    workers = workers or os.cpu_count() or 1
    pending = list(items)
    for last_round in [False] * (MAX_ROUNDS - 1) + [True]:
        waiting: dict[str, StatementLineage] = {}
        lessons: list[StatementLineage] = []  # learned from after the round: the analyser's catalog holds still in it
        with closing(_run_round(pending, catalog, dialect, workers, timeout_s, on_done)) as analysed:
            for fingerprint, result in analysed:  # closing(): a Ctrl-C here still shuts the worker pool down now
                if result.inferred_columns or (result.target and result.created_columns):
                    lessons.append(result)
                if result.unknown_tables and not last_round:
                    waiting[fingerprint] = result
                else:
                    yield fingerprint, result
        learned = [_learn_from(result, catalog) for result in lessons]
        if not any(learned):
            yield from waiting.items()
            return
        pending = [item for item in pending if item[0] in waiting]
        if not pending:
            return


def _run_round(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, workers: int, timeout_s: float,
               on_done: Callable[[int], None] | None) -> Generator[tuple[str, StatementLineage], None, None]:
    if workers > 1 and len(items) >= MIN_SHAPES_PER_WORKER * 2:
        yield from _run_parallel(items, catalog, dialect, workers, timeout_s, on_done)
        return
    analyzer = StatementAnalyzer(catalog, dialect)
    for fingerprint, sql in items:
        yield fingerprint, analyze_one(analyzer, sql, timeout_s)
        if on_done:
            on_done(1)


def _run_parallel(items: Sequence[Item], catalog: CatalogIndex, dialect: str | None, workers: int, timeout_s: float,
                  on_done: Callable[[int], None] | None) -> Generator[tuple[str, StatementLineage], None, None]:
    workers = min(workers, max(1, len(items) // MIN_SHAPES_PER_WORKER))
    size = min(MAX_CHUNK, max(8, len(items) // (workers * 8)))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(catalog, dialect, timeout_s))
    try:
        with _ctrl_c_held():  # a Ctrl-C now waits until every worker is started and known to the pool
            _start_forkserver(context)
            results = pool.map(_analyze_chunk, chunks)  # submits every chunk, which starts every worker
        for chunk_results in results:
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


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, then raise it: nothing is lost, nothing interrupts the block.

    Starting a worker is not atomic: a Ctrl-C inside ``Process.start`` left a worker the pool did not know,
    so it was never joined, and it died in ``SemLock._rebuild`` with a traceback once this process exited
    and unlinked its semaphores. SIGINT is also blocked in this thread, so processes started in the block
    (the fork server, hence every worker it forks) inherit it blocked, the way CPython starts its resource
    tracker; the Python handler covers the signal when the kernel hands it to another thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending Ctrl-C lands in ``caught`` here
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(signal.SIGINT)  # now handled as usual: KeyboardInterrupt by default


def _start_forkserver(context: multiprocessing.context.BaseContext) -> None:
    """Start the fork server now, inside ``_ctrl_c_held``, so it and every worker it forks keep SIGINT blocked."""
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _start_worker(catalog: CatalogIndex, dialect: str | None, timeout_s: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (also where SIGINT was not blocked)
    _WORKER["analyzer"] = StatementAnalyzer(catalog, dialect)
    _WORKER["timeout_s"] = timeout_s


def _analyze_chunk(chunk: list[Item]) -> list[tuple[str, StatementLineage]]:
    analyzer, timeout_s = _WORKER["analyzer"], _WORKER["timeout_s"]
    return [(fingerprint, analyze_one(analyzer, sql, timeout_s)) for fingerprint, sql in chunk]  # type: ignore[arg-type]


def _learn_from(result: StatementLineage, catalog: CatalogIndex) -> bool:
    """Add a table the statement creates to the catalog and pool the columns it placed on tables the catalog
    lacks (so a later round can place an unqualified column read from two unknown tables on the one that other
    statements show holds it); True when the catalog learned something."""
    learned = False
    if result.target and result.created_columns and result.target.lower() not in catalog.tables:
        catalog.add_table(result.target, result.created_columns, from_log=True)
        learned = True
    for table, columns in result.inferred_columns.items():
        known = catalog.inferred_columns.setdefault(table, set())
        if not known.issuperset(columns):
            known.update(columns)
            learned = True
    return learned
