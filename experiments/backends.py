"""Where batches run: in this process, in a process pool, or on a Dask cluster.

Every backend maps the same pure function, ``runner.run_batch``, over the batches and
yields results as they complete (in any order: storage sorts by ``run_index``). At most a
few batches per worker are in flight, so memory stays bounded whatever the sweep size.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from experiments.errors import InputError
from experiments.plan import Task
from experiments.runner import BatchResult, run_batch

__all__ = [
    "BACKENDS",
    "check_scheduler",
    "map_batches",
    "dask_worker_count",
    "default_workers",
    "pool_context",
]

BACKENDS = ("serial", "processes", "dask")
"""Names accepted by ``--backend``."""

_IN_FLIGHT_PER_WORKER = 2


def pool_context() -> multiprocessing.context.BaseContext:
    """``forkserver`` where available (Linux), else ``spawn``: never a plain fork."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _end_with_parent() -> None:
    """Pool worker initializer: end this worker as soon as the process that started the
    pool has ended, however it ended. A sweep killed outright (``kill -9``, the out-of-memory
    killer, a closed terminal) shuts no pool down, and its workers would otherwise wait
    forever on the pool's pipes, each holding a worker's memory."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), daemon=True).start()


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns once the parent process has ended
    os._exit(1)


def _serial(kind: str, batches: list[list[Task]]) -> Iterator[BatchResult]:
    for batch in batches:
        yield run_batch(kind, batch)


def _processes(kind: str, batches: list[list[Task]], workers: int) -> Iterator[BatchResult]:
    pending = iter(batches)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=pool_context(), initializer=_end_with_parent
    ) as pool:
        running = set()
        for batch in pending:
            running.add(pool.submit(run_batch, kind, batch))
            if len(running) >= workers * _IN_FLIGHT_PER_WORKER:
                break
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                batch = next(pending, None)
                if batch is not None:
                    running.add(pool.submit(run_batch, kind, batch))
                yield future.result()


def dask_worker_count(client) -> int:
    """Number of workers of a Dask cluster (at least 1)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def _connect(scheduler: str):
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout="5s")
    except (OSError, ValueError) as err:
        raise InputError(f"--scheduler: cannot reach {scheduler!r} ({err})") from None


def check_scheduler(scheduler: str) -> None:
    """Connect to the Dask scheduler at ``scheduler`` once, or raise ``InputError``."""
    _connect(scheduler).close()


def _dask(
    kind: str, batches: list[list[Task]], workers: int, scheduler: str | None
) -> Iterator[BatchResult]:
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        # The workers' statistical profiler samples their stacks every 10 ms for the
        # dashboard, which this cluster does not serve; on simulations made of many Python
        # calls it cost about a tenth of the workers' time. A cluster joined with
        # --scheduler keeps its own settings.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = Client(cluster)
    else:
        client = _connect(scheduler)
    try:
        limit = dask_worker_count(client) * _IN_FLIGHT_PER_WORKER
        pending = iter(batches)
        first = [
            client.submit(run_batch, kind, batch, pure=False)
            for batch in itertools.islice(pending, limit)
        ]
        queue = as_completed(first)
        for future in queue:
            batch = next(pending, None)
            if batch is not None:
                queue.add(client.submit(run_batch, kind, batch, pure=False))
            yield future.result()
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def map_batches(
    kind: str,
    batches: list[list[Task]],
    backend: str,
    workers: int,
    scheduler: str | None = None,
) -> Iterator[BatchResult]:
    """Run every batch on ``backend`` and yield each result as it completes.

    Parameters
    ----------
    kind : str
        Engine of the experiment (see ``experiments.kinds``).
    batches : list of list of Task
        The simulations, grouped.
    backend : {"serial", "processes", "dask"}
        Where to run them.
    workers : int
        Worker processes (``processes``; ``dask`` when it starts its own local cluster).
    scheduler : str, optional
        Address of a running Dask scheduler to join (``dask`` only).
    """
    if backend == "serial":
        return _serial(kind, batches)
    if backend == "processes":
        return _processes(kind, batches, workers)
    if backend == "dask":
        return _dask(kind, batches, workers, scheduler)
    raise InputError(f"--backend: {backend!r} is not one of {', '.join(BACKENDS)}")


def default_workers() -> int:
    """Worker processes when none is asked for: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
