"""Speed and memory of the economy: one 120-month baseline run, and the cost of 10x the
banks and funds, in the same process. Prints medians over several runs.

    python benchmarks/bench_model.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import resource

from timing import median_time

from model.run import simulate


def run_time(params: dict, repeats: int) -> float:
    """Median seconds of one run over seeds 0..repeats-1."""
    seeds = iter(range(repeats))
    return median_time(lambda: simulate(params, next(seeds)), repeats, warmup=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median)")
    args = parser.parse_args()
    simulate({"horizon_months": 2}, 0)  # imports and first-call costs out of the way
    base = run_time({}, args.repeats)
    big = run_time({"n_banks": 40, "n_funds": 40}, args.repeats)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'case':44s} {'median s':>9s}")
    print(f"{'baseline, 120 months':44s} {base:9.3f}   (target <= 0.1)")
    print(f"{'10x banks and funds (40 + 40), 120 months':44s} {big:9.3f}")
    print(f"{'ratio 10x / baseline':44s} {big / base:9.2f}   (target <= 10)")
    print(f"{'peak resident memory of this process, MB':44s} {rss_mb:9.0f}   (target <= 300)")


if __name__ == "__main__":
    main()
