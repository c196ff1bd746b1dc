"""Where the stage functions run.

- :class:`LocalEngine`, the default, runs them in worker processes of one thread each (use-m3 runs
  fastest as separate one-thread workers on few cores), or in this process for one worker or one batch.
- :class:`RayEngine` runs the same functions on Ray Data: each batch is one block of a dataset, mapped
  with ``map_batches`` over an actor pool (the callable is built once per actor, so each actor loads its
  model once) on a local Ray runtime or an existing cluster.

An engine maps a stage function over batches: ``engine.map(fn, batches)`` yields ``(key, result)`` as
batches finish, in any order. ``fn`` is a picklable callable (a class instance whose model loads on its
first call). A function marked ``light = True`` (cheap work on big inputs) runs in this process on the
local engine. Every function sees exactly the batches it would see on the other engine, and runs with
one BLAS thread, so both give the same numbers, to the bit.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
from threadpoolctl import threadpool_limits

from workbench.errors import WorkbenchError

__all__ = ["EngineError", "LocalEngine", "RayEngine", "default_workers", "make_engine"]

log = logging.getLogger(__name__)

_FN: Callable | None = None  # the stage function of a worker process


class EngineError(WorkbenchError):
    """An engine that cannot run: Ray not installed, a cluster that cannot be reached."""


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


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A result as Arrow makes it, whichever engine made it: the same column types, so the same tables."""
    return pa.Table.from_pandas(frame, preserve_index=False).to_pandas()


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
        if self.workers == 1 or second is None or getattr(fn, "light", False):
            with threadpool_limits(1):  # as in a worker
                yield first[0], _plain(fn(first[1]))
                if second is not None:
                    yield second[0], _plain(fn(second[1]))
                for key, batch in batches:
                    yield key, _plain(fn(batch))
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
                        key, result = future.result()
                        yield key, _plain(result)
                pending.add(pool.submit(_call, key, batch))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    key, result = future.result()
                    yield key, _plain(result)


class _Keyed:
    """A stage function on Ray: keeps each block's key (its ``_batch`` column) beside the result."""

    def __init__(self, fn: Callable):
        os.environ.update(dict.fromkeys(_THREAD_VARS, "1"))
        self.fn = fn

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        key = batch["_batch"].iloc[0]
        with threadpool_limits(1):
            out = self.fn(batch.drop(columns="_batch"))
        return out.assign(_batch=key) if len(out) else pd.DataFrame({"_batch": [key]})


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fails fast on a ``host:port`` nobody listens on (``ray.init`` would retry for minutes)."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and the like: Ray finds the cluster itself
    with socket.create_connection((host, int(port)), timeout=timeout):
        pass


class RayEngine:
    """Runs stage functions on Ray Data: a local Ray runtime on this machine's cores (``address`` None),
    or the cluster at ``address`` ("auto": the one ``ray start`` runs here). ``workers`` actors (default:
    one per CPU of the cluster) of one CPU each; ``object_store_mb`` sizes a local runtime's object store.
    Ray's own progress bars are off: the workbench shows its own."""

    name = "ray"

    def __init__(
        self, workers: int | None = None, address: str | None = None, object_store_mb: int | None = None
    ):
        try:
            import ray
        except ImportError:
            raise EngineError(
                "--engine ray needs Ray: install the ray extra (pip install -e '.[ray]', or pip install "
                "'ray[data]'), or leave out --engine to run on this machine"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            options = {
                "include_dashboard": False,
                "logging_level": logging.WARNING,
                "log_to_driver": False,
                "runtime_env": {"env_vars": dict.fromkeys(_THREAD_VARS, "1")},
            }
            if address:
                options["address"] = address
            else:
                options["num_cpus"] = workers or os.cpu_count() or 1
                if object_store_mb:
                    options["object_store_memory"] = object_store_mb * 1024 * 1024
            try:
                if address:
                    _check_reachable(address)
                ray.init(**options)
            except (OSError, RuntimeError, ValueError) as exc:  # OSError: ConnectionError, TimeoutError too
                where = f"the Ray cluster at {address}" if address else "a local Ray runtime"
                raise EngineError(
                    f"cannot start or reach {where}: {(str(exc) or type(exc).__name__).splitlines()[0]}. "
                    "Start a cluster with `ray start --head` (then --ray-address auto), check the address, "
                    "or leave out --ray-address for a local Ray runtime"
                ) from None
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(workers or cpus, cpus))
        from ray.data import DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False
        context.enable_operator_progress_bars = False
        context.print_on_execution_start = False
        context.enable_auto_log_stats = False

    def map(
        self, fn: Callable[[pd.DataFrame], pd.DataFrame], batches: Iterable[tuple[str, pd.DataFrame]]
    ) -> Iterator[tuple[str, pd.DataFrame]]:
        blocks = [batch.assign(_batch=key) for key, batch in batches]
        if not blocks:
            return
        from ray.data import ActorPoolStrategy

        ds = self.ray.data.from_pandas(blocks).map_batches(
            _Keyed,
            fn_constructor_args=(fn,),
            compute=ActorPoolStrategy(size=min(self.workers, len(blocks))),
            num_cpus=1,
            batch_size=None,  # a block is a batch: the same batches as on the local engine
            batch_format="pandas",
        )
        for block in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            for key, part in block.to_pandas().groupby("_batch", sort=False):
                out = part.drop(columns="_batch").reset_index(drop=True)
                yield key, _plain(out) if len(out.columns) else pd.DataFrame()  # a batch that gave no rows

    def write_parquet(self, table: pa.Table, uri: str) -> None:
        """``table`` as a Parquet dataset at ``uri`` (replacing it), written by Ray Data from the
        cluster: a path every node can reach (s3://, gs://, a shared folder), or ``local://`` for this
        machine's disk."""
        from ray.data import SaveMode

        blocks = max(1, min(self.workers, table.num_rows // 100_000 + 1))
        ds = self.ray.data.from_arrow(table).repartition(blocks)
        ds.write_parquet(uri, mode=SaveMode.OVERWRITE, compression="zstd")


def make_engine(
    name: str = "local",
    workers: int | None = None,
    address: str | None = None,
    object_store_mb: int | None = None,
):
    """The engine ``name`` (local or ray) with its settings; EngineError for an unknown one."""
    if name == "local":
        if address:
            raise EngineError("--ray-address is for --engine ray")
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(workers, address, object_store_mb)
    raise EngineError(f"unknown engine {name!r}: use local (the default) or ray")
