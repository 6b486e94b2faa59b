"""Regenerate the stylized-facts figure of docs/validation.md from baseline runs.

    python docs/figures/make_stylized_facts.py [--seeds 60]

Four panels, none coded into the model: (a) boom then bust when the AI payoff
disappoints: the median AI equity index for three ceilings; (b) the distribution of total
losses over seeds (fat right tail); (c) growth of AI-related debt over the two years that
end a year before a crash, against every 24-month window; (d) true minus reported
hyperscaler leverage around the crash month. Writes docs/figures/stylized_facts.png and
.svg and prints the numbers quoted in docs/validation.md.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from model.run import simulate  # noqa: E402

HERE = Path(__file__).resolve().parent
PAYOFFS = (300.0, 600.0, 3000.0)


def one(args: tuple[float, int]) -> dict:
    payoff, seed = args
    r = simulate({"ai_payoff": payoff}, seed)
    t = r.ticks
    return {
        "payoff": payoff,
        "index": t["ai_index"],
        "debt": t["ai_debt"],
        "gap": t["leverage_true"] - t["leverage_reported"],
        "crash": r.summary["crash_month"],
        "loss": r.summary["loss_total"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60, help="seeds per payoff")
    args = parser.parse_args()
    jobs = [(p, s) for p in PAYOFFS for s in range(args.seeds)]
    with ProcessPoolExecutor() as pool:
        runs = list(pool.map(one, jobs, chunksize=4))
    fig, ax = plt.subplots(2, 2, figsize=(13, 9))

    months = np.arange(len(runs[0]["index"]))
    years = 2025 + months / 12
    for payoff in PAYOFFS:
        paths = np.array([r["index"] for r in runs if r["payoff"] == payoff])
        ax[0, 0].plot(years, np.median(paths, axis=0), label=f"ceiling ${payoff:,.0f}B/year")
    ax[0, 0].set(
        title="(a) Boom, then bust when the AI payoff disappoints",
        xlabel="year",
        ylabel="AI equity index, median over seeds (start = 1)",
    )
    ax[0, 0].legend()

    base = [r for r in runs if r["payoff"] == 600.0]
    losses = np.array([r["loss"] for r in base])
    ax[0, 1].hist(losses, bins=25, color="tab:red", alpha=0.8)
    excess_kurtosis = stats.kurtosis(losses)
    skew = stats.skew(losses)
    ax[0, 1].set(
        title=f"(b) Total losses, {len(base)} baseline seeds\n"
        f"skew {skew:.1f}, excess kurtosis {excess_kurtosis:.1f}",
        xlabel="losses over 10 years, each dollar counted once, $B",
        ylabel="simulations",
    )

    # credit growth over two years, measured for the two years that end a year before the
    # crash (the build-up), against every 24-month window; and the last year before it
    before, last_year, every = [], [], []
    for r in runs:
        d = r["debt"]
        growth = d[24:] / np.maximum(d[:-24], 1e-9) - 1
        every.extend(growth.tolist())
        c = r["crash"]
        if c >= 36:
            before.append(d[c - 12] / max(d[c - 36], 1e-9) - 1)
            last_year.append(d[c] / max(d[c - 12], 1e-9) - 1)
    bins = np.linspace(-1, 6, 36)
    ax[1, 0].hist(
        np.clip(every, -1, 6), bins=bins, density=True, alpha=0.5, label="every 24-month window"
    )
    ax[1, 0].hist(
        np.clip(before, -1, 6),
        bins=bins,
        density=True,
        alpha=0.6,
        label="the 24 months ending a year before a crash",
    )
    ax[1, 0].set(
        title="(c) Crashes follow rapid growth of AI-related debt",
        xlabel="growth of AI-related debt over 24 months (clipped at 6)",
        ylabel="density",
    )
    ax[1, 0].legend()

    window = np.arange(-24, 7)
    aligned = []
    for r in runs:
        c = r["crash"]
        if c >= 24 and c + 6 < len(r["gap"]):
            aligned.append(r["gap"][c + window])
    aligned = np.array(aligned)
    ax[1, 1].plot(window, 100 * np.nanmedian(aligned, axis=0), color="tab:orange")
    ax[1, 1].fill_between(
        window,
        100 * np.nanpercentile(aligned, 25, axis=0),
        100 * np.nanpercentile(aligned, 75, axis=0),
        alpha=0.3,
        color="tab:orange",
    )
    ax[1, 1].axvline(0, color="k", lw=0.8)
    ax[1, 1].set(
        title="(d) True leverage runs above reported before crashes (SPV debt)",
        xlabel="months from the crash",
        ylabel="true − reported leverage, points",
    )
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(HERE / f"stylized_facts.{ext}", dpi=110)

    print(f"runs: {len(runs)}; crashes with 36 months of history: {len(before)}")
    print(
        f"median 24-month AI-debt growth: all windows {np.median(every):.2f}, "
        f"ending a year before a crash {np.median(before):.2f}; 12-month growth in the "
        f"last year before a crash {np.median(last_year):.2f}"
    )
    print(
        f"baseline losses: median {np.median(losses):.0f}, 95th pct "
        f"{np.percentile(losses, 95):.0f}, skew {skew:.2f}, excess kurtosis "
        f"{excess_kurtosis:.2f}"
    )
    if len(aligned):
        print(
            f"true - reported leverage at t-12: {100 * np.nanmedian(aligned[:, 12]):.1f} "
            f"points, at the crash: {100 * np.nanmedian(aligned[:, 24]):.1f} points"
        )


if __name__ == "__main__":
    main()
