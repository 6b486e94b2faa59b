"""Where a baseline run's time goes: the share of each step of the month (DESIGN.md's
order of a tick), timed over several 120-month runs in this process.

    python benchmarks/bench_steps.py [--runs 5]

Each step's code is wrapped in a timer where ``HotPotatoModel.step`` calls it, so the
shares add up to the run less the bookkeeping between the steps ("between the steps").
The timers add a few microseconds a call: the shares, not the total, are the figures.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from unittest import mock

from model import financing, hotpotato
from model.agents import SPV, Bank, ChipVendor, Fund, Grid
from model.crash import CrashDetector
from model.hotpotato import HotPotatoModel
from model.indicators import Recorder
from model.run import simulate

SECONDS: Counter[str] = Counter()


def timed(name: str, fn: Callable) -> Callable:
    """``fn`` with its time added to ``SECONDS[name]``."""

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SECONDS[name] += time.perf_counter() - start

    return wrapper


ROUNDS = {"AILab.operate": "2 labs", "Hyperscaler.operate": "3 hyperscalers and their SPVs"}
"""The steps whose decisions raise money together (``financing.together``), by the
decision they run; the covenant cures run inside the settlement, timed with it."""


def timed_rounds(together: Callable) -> Callable:
    """``financing.together`` with the time of the labs' and the hyperscalers' rounds
    added to their steps."""
    labs, hyperscalers = (timed(name, together) for name in ROUNDS.values())

    def wrapper(m: HotPotatoModel, decisions: list):
        step = ROUNDS.get(decisions[0].__qualname__) if decisions else None
        if step is None:
            return together(m, decisions)
        return (labs if step == ROUNDS["AILab.operate"] else hyperscalers)(m, decisions)

    return wrapper


STEPS: dict[tuple[object, str], str] = {
    (HotPotatoModel, "exogenous_draws"): "1 demand and shocks",
    (SPV, "operate"): "3 hyperscalers and their SPVs",
    (ChipVendor, "fill_orders"): "4-5 chip orders and grid",
    (Grid, "connect"): "4-5 chip orders and grid",
    (Bank, "operate"): "6 banks and funds",
    (Fund, "operate"): "6 banks and funds",
    (HotPotatoModel, "government_acts"): "7-8 government and repricing",
    (hotpotato, "reprice"): "7-8 government and repricing",
    (hotpotato.settlement, "settle"): "9 settlement and cascades",
    (CrashDetector, "observe"): "10 crash detector and recorder",
    (Recorder, "collect"): "10 crash detector and recorder",
}


def _in_tick_order(item: tuple[str, float]) -> float:
    """Sort key: the number of the step a share's name starts with; the rest last."""
    first = item[0].split()[0].split("-")[0]
    return int(first) if first.isdigit() else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="baseline runs (seeds 0..N-1)")
    args = parser.parse_args()
    simulate({"horizon_months": 2}, 0)  # imports and first-call costs out of the way
    with ExitStack() as patches:
        for (owner, attr), name in STEPS.items():
            patches.enter_context(mock.patch.object(owner, attr, timed(name, getattr(owner, attr))))
        patches.enter_context(
            mock.patch.object(financing, "together", timed_rounds(financing.together))
        )
        SECONDS.clear()
        start = time.perf_counter()
        for seed in range(args.runs):
            simulate({}, seed)
        total = time.perf_counter() - start
    SECONDS["between the steps"] = total - sum(SECONDS.values())
    print(f"{args.runs} baseline runs, {total / args.runs:.3f} s a run (with the timers)")
    print(f"{'step':36s} {'s a run':>8s} {'share':>6s}")
    for name, seconds in sorted(SECONDS.items(), key=_in_tick_order):
        print(f"{name:36s} {seconds / args.runs:8.3f} {seconds / total:6.0%}")


if __name__ == "__main__":
    main()
