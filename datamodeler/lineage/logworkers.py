"""Reading a query log on several cores: this process cuts statements, workers fingerprint batches of them.

Cutting ``.sql`` logs into statements is one regex match each, about a tenth of fingerprinting, so one reader feeds
the workers. Each worker keeps its own skeleton memo across batches and sends back only the shapes of its batch
(distinct shapes with counts), which are merged here: memory is bounded by the distinct shapes and the few
batches in flight, not by the statements. Ctrl-C is held while the workers start, as for lineage (``runner``).
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
    first = next(iter(queries), None)
    if first is None:
        return
    queries = itertools.chain([first], queries)
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(collector.dialect, collector.max_chars, collector.timeout_s))
    queries_iter = iter(queries)
    batches = iter(lambda: [_as_row(q) for q in itertools.islice(queries_iter, BATCH_STATEMENTS)], [])
    in_flight: deque[Future[tuple[dict[str, Shape], int]]] = deque()
    try:
        with _ctrl_c_held():  # a Ctrl-C now waits until the workers are started and known to the pool
            _start_forkserver(context)
            for first_batch in itertools.islice(batches, workers * 2):
                in_flight.append(pool.submit(_fingerprint_batch, first_batch))
        following: Iterator[list[Row] | None] = itertools.chain(batches, itertools.repeat(None))
        for batch in following:
            if not in_flight:
                break
            shapes, total = in_flight.popleft().result()
            collector.merge(shapes, total)
            if on_done:
                on_done(total)
            if batch is not None:
                in_flight.append(pool.submit(_fingerprint_batch, batch))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(dialect: str | None, max_chars: int, timeout_s: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["collector"] = ShapeCollector(dialect, max_chars, timeout_s)


Row = tuple[str, str | None, str | None, float | None, str | None, int]  # a LoggedQuery's fields, cheap to pickle


def _as_row(query: LoggedQuery) -> Row:
    return query.text, query.user, query.start_time, query.duration_ms, query.database, query.count


def _fingerprint_batch(batch: list[Row]) -> tuple[dict[str, Shape], int]:
    collector = _WORKER["collector"]
    for row in batch:
        collector.add(LoggedQuery(*row))
    return collector.take_shapes()
