"""Where the stage functions run. The local engine, the default, runs them in this process or in worker
processes of one thread each (use-m3 runs fastest as separate one-thread workers on few cores).

An engine maps a stage function over batches: ``engine.map(fn, batches)`` yields ``(key, result)`` as
batches finish, in any order. ``fn`` is a picklable callable (a class instance whose model loads on its
first call), so each worker loads its model once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager

import pandas as pd

__all__ = ["LocalEngine", "default_workers"]

log = logging.getLogger(__name__)

_FN: Callable | None = None  # the stage function of a worker process


def default_workers() -> int:
    """One worker per core (``WORKBENCH_WORKERS`` overrides)."""
    return int(os.environ.get("WORKBENCH_WORKERS") or os.cpu_count() or 1)


def _orphaned(parent: int) -> None:
    """Exit when the parent process is gone (killed with -9, it cannot stop its workers itself)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _init(fn: Callable, parent: int) -> None:
    global _FN
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    _FN = fn


@contextmanager
def _one_thread_each() -> Iterator[None]:
    """Workers started inside inherit one-thread settings (read when numpy and the models load)."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update(dict.fromkeys(_THREAD_VARS, "1"))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_THREAD_VARS = ("WORKBENCH_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _call(key: str, batch: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    return key, _FN(batch)


class LocalEngine:
    """Runs stage functions on this machine: in ``workers`` processes, or in this one for ``workers=1``
    (and for work of a single batch)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or default_workers())

    def map(
        self, fn: Callable[[pd.DataFrame], pd.DataFrame], batches: Iterable[tuple[str, pd.DataFrame]]
    ) -> Iterator[tuple[str, pd.DataFrame]]:
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None)
        if self.workers == 1 or second is None:
            yield first[0], fn(first[1])
            if second is not None:
                yield second[0], fn(second[1])
            for key, batch in batches:
                yield key, fn(batch)
            return
        context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_init, initargs=(fn, os.getpid())
        )
        with pool, _one_thread_each():
            pending = {pool.submit(_call, *first), pool.submit(_call, *second)}
            queued = 2 * self.workers  # keep every worker busy, without reading all batches ahead
            for key, batch in batches:
                if len(pending) >= queued:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
                pending.add(pool.submit(_call, key, batch))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
