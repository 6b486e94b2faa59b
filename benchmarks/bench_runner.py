"""Benchmark the experiment runner on the calibrated baseline.

Prints wall-clock times of the same ``--runs`` baseline simulations (``--horizon`` months
each, seeds of the ``baseline`` experiment) run

* by the runner serially, and in a process pool of ``--workers`` workers (speed-up ratio);
* by ``mesa.batch_run(HotPotatoModel, parameters=..., max_steps=horizon,
  number_processes=1)`` (Mesa's own batch runner, which stores nothing), against the
  runner's serial time;
* by the runner on a local Dask cluster of ``--workers`` workers, against the pool;

and the peak resident memory (RSS) of each worker process, MB. Runner times include
writing and consolidating the Parquet tables, not drawing figures. This process imports
the model and runs it for two months before anything is timed, so that the serial runner
and ``mesa.batch_run`` (timed last) both run warm; pool and Dask times include their
workers' start-up and import of the model (about 1.4 s, in parallel), as a user's do.

Usage: ``python benchmarks/bench_runner.py [--runs 8] [--horizon 120] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments import sweep  # noqa: E402
from experiments.definitions import load_definition  # noqa: E402
from experiments.plan import Plan, build_plan  # noqa: E402
from model.run import simulate  # noqa: E402


def _runner(plan: Plan, out: Path, backend: str, workers: int) -> tuple[float, list[float]]:
    """Wall time (s) of one sweep and the peak RSS of each of its workers (MB)."""
    folder = sweep.start(plan, out)
    t0 = time.perf_counter()
    report = sweep.execute(plan, folder, backend, workers, progress=False)
    seconds = time.perf_counter() - t0
    if report.failures:
        raise SystemExit(f"{len(report.failures)} simulations failed: {report.failures[0]}")
    manifest = json.loads((folder.partial / "manifest.json").read_text())
    return seconds, manifest["timings"]["segments"][-1]["peak_rss_mb_per_worker"]


def _mesa_batch_run(plan: Plan, horizon: int) -> float:
    """Wall time (s) of ``mesa.batch_run`` over the same parameters and seeds."""
    import mesa

    from model import HotPotatoModel

    params = plan.points[0].params
    # batch_run sweeps over every iterable value: wrap the ones that are one value
    fixed = {k: [v] if isinstance(v, dict | list) else v for k, v in params.items()}
    t0 = time.perf_counter()
    mesa.batch_run(
        HotPotatoModel,
        parameters={**fixed, "seed": list(plan.seeds)},
        number_processes=1,
        iterations=1,
        max_steps=horizon,
        data_collection_period=-1,
        display_progress=False,
    )
    return time.perf_counter() - t0


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8, help="baseline simulations (seeds)")
    parser.add_argument("--horizon", type=int, default=120, help="months per simulation")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    args = parser.parse_args()

    definition, path = load_definition("baseline")
    plan = build_plan(definition, path, sets=[("horizon_months", args.horizon)], seeds=args.runs)
    print(f"{args.runs} baseline runs of {args.horizon} months, {args.workers} workers")
    simulate({"horizon_months": 2}, 0)  # import and warm the model before timing
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        serial, rss_serial = _runner(plan, out, "serial", 1)
        pool, rss_pool = _runner(plan, out, "processes", args.workers)
        dask, rss_dask = _runner(plan, out, "dask", args.workers)
    batch = _mesa_batch_run(plan, args.horizon)

    rows = [
        ("runner, serial", serial, ""),
        (f"runner, process pool x{args.workers}", pool, f"speed-up {serial / pool:.2f}x"),
        ("mesa.batch_run, 1 process", batch, f"runner serial / batch_run {serial / batch:.2f}"),
        (f"runner, Dask x{args.workers}", dask, f"Dask / pool {dask / pool:.2f}"),
    ]
    for name, seconds, note in rows:
        print(f"{name:<28} {seconds:8.2f} s  {seconds / args.runs:6.3f} s/run  {note}")
    print(f"peak RSS per worker, MB: serial {rss_serial}, pool {rss_pool}, Dask {rss_dask}")


if __name__ == "__main__":
    main()
