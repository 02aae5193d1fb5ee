"""Reading a query log on several cores: this process reads statements, workers fingerprint batches of them.

Reading a statement (a JSON line, a regex cut) is a fraction of fingerprinting it, so one reader feeds the workers,
each statement tagged with its position in the log. Each worker keeps a compact skeleton memo (16-byte digests)
across its batches, so a statement differing from one it has seen only in literals skips the tokenizer, and sends
back only the shapes of its batch (distinct shapes with counts), merged here in submission order: memory is bounded
by the distinct shapes and the few batches in flight, not by the statements. Ctrl-C is held while the workers
start, as for lineage (``runner``).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from ..sources.base import LoggedQuery
from .runner import _ctrl_c_held, _start_forkserver
from .shapes import Shape, ShapeCollector

BATCH_STATEMENTS = 2_000
SERIAL_STATEMENTS = 20_000  # a log this short is read in this process: starting workers costs more than it saves
_WORKER: dict[str, ShapeCollector] = {}


def collect_shapes(queries: Iterable[LoggedQuery], collector: ShapeCollector, workers: int = 1,
                   on_done: Callable[[int], None] | None = None) -> None:
    """Fold every query into ``collector``; past ``SERIAL_STATEMENTS``, fingerprint batches in ``workers`` processes
    (0: one per core)."""
    workers = workers or os.cpu_count() or 1
    queries = iter(queries)
    for query in queries if workers <= 1 else itertools.islice(queries, SERIAL_STATEMENTS):
        collector.add(query)
        if on_done:
            on_done(1)
    if workers > 1:
        _collect_in_workers(queries, collector, workers, on_done)
    collector.forget_skeletons()


def _collect_in_workers(queries: Iterable[LoggedQuery], collector: ShapeCollector, workers: int,
                        on_done: Callable[[int], None] | None) -> None:
    batches = _batches(queries, collector)
    first = next(batches, None)
    if first is None:
        return
    batches = itertools.chain([first], batches)
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(collector.dialect, collector.max_chars, collector.timeout_s))
    in_flight: deque[tuple[Future[BatchResult], int]] = deque()  # (result to come, executions reserved for it)
    try:
        with _ctrl_c_held():  # a Ctrl-C now waits until the workers are started and known to the pool
            _start_forkserver(context)
            for rows, reserved in itertools.islice(batches, workers * 2):
                in_flight.append((pool.submit(_fingerprint_batch, rows), reserved))
        for batch in itertools.chain(batches, itertools.repeat(None)):
            if not in_flight:
                break
            future, reserved = in_flight.popleft()  # in submission order: a worker's first sight of a shape is merged first
            shapes, counted = future.result()
            collector.merge(shapes)
            collector.total -= reserved - counted  # statements a worker found blank after all
            if on_done:
                on_done(reserved)
            if batch is not None:
                in_flight.append((pool.submit(_fingerprint_batch, batch[0]), batch[1]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _batches(queries: Iterable[LoggedQuery], collector: ShapeCollector) -> Iterator[tuple[list[Row], int]]:
    """Batches of statements, each with its log position, and the executions they stand for."""
    while rows := [_as_row(q, collector.reserve(q.count)) for q in itertools.islice(queries, BATCH_STATEMENTS)]:
        yield rows, sum(row[5] for row in rows)


def _start_worker(dialect: str | None, max_chars: int, timeout_s: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["collector"] = ShapeCollector(dialect, max_chars, timeout_s)


Row = tuple[str, str | None, str | None, float | None, str | None, int, int]  # a LoggedQuery's fields and its log position
BatchResult = tuple[dict[str, Shape], int]


def _as_row(query: LoggedQuery, position: int) -> Row:
    return query.text, query.user, query.start_time, query.duration_ms, query.database, query.count, position


def _fingerprint_batch(batch: list[Row]) -> BatchResult:
    """Shapes and executions counted in one batch; the worker's skeleton memo stays for its next batches."""
    collector = _WORKER["collector"]
    for *fields, position in batch:
        collector.add(LoggedQuery(*fields), position)  # type: ignore[arg-type]
    return collector.take_shapes()
