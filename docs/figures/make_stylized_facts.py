"""Regenerate the stylized-facts figure of docs/validation.md from baseline runs.

    python docs/figures/make_stylized_facts.py [--seeds 60]

Six panels, none coded into the model: (a) boom then bust when the AI payoff
disappoints: the median AI equity index for three ceilings; (b) the distribution of total
losses over seeds (is its right tail fat?); (c) growth of AI-related debt over the two years that
end a year before a crash, against every 24-month window; (d) true minus reported
hyperscaler leverage around the crash month; (e) months from the equity crash to the debt
crash (credit losses or a bank failure met their crash rule), beside the months from the
Nasdaq's peak to the largest telecom bankruptcies of 2002; (f) the share of runs with a
debt crash for each ceiling. Writes docs/figures/stylized_facts.png and
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
        "debt_crash": _debt_crash_month(r.summary),
        "loss": r.summary["loss_total"],
    }


def _debt_crash_month(summary: dict) -> int:
    """The first month credit losses or a bank failure met their crash rule, -1 if none."""
    months = [summary[f"{rule}_month"] for rule in ("credit_losses", "bank_failure")]
    held = [m for m in months if m >= 0]
    return min(held) if held else -1


DOT_COM_GAPS = {"Global Crossing": 22, "WorldCom": 28}
"""Months from the Nasdaq's peak (March 2000) to the bankruptcy filings of Global Crossing
(January 2002) and WorldCom (July 2002), the largest defaults of the telecom build-out."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60, help="seeds per payoff")
    args = parser.parse_args()
    jobs = [(p, s) for p in PAYOFFS for s in range(args.seeds)]
    with ProcessPoolExecutor() as pool:
        runs = list(pool.map(one, jobs, chunksize=4))
    fig, ax = plt.subplots(2, 3, figsize=(19, 9))

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
    gaps = {}
    for payoff in PAYOFFS:
        gaps[payoff] = [
            r["debt_crash"] - r["crash"]
            for r in runs
            if r["payoff"] == payoff and r["crash"] >= 0 and r["debt_crash"] >= 0
        ]
    ax[0, 2].hist(
        [gaps[p] for p in PAYOFFS],
        bins=np.arange(-12, 109, 6),
        label=[f"ceiling ${p:,.0f}B/year" for p in PAYOFFS],
    )
    for name, months in DOT_COM_GAPS.items():
        ax[0, 2].axvline(months, color="k", lw=0.8, ls="--")
        ax[0, 2].annotate(
            name,
            (months, 0.97),
            xycoords=("data", "axes fraction"),
            rotation=90,
            ha="right",
            va="top",
            fontsize=8,
        )
    ax[0, 2].set(
        title="(e) The debt crash comes years after the equity crash",
        xlabel="months from the crash to the debt crash (dashed: dot-com, from the peak)",
        ylabel="simulations",
    )
    ax[0, 2].legend()

    shares = [np.mean([r["debt_crash"] >= 0 for r in runs if r["payoff"] == p]) for p in PAYOFFS]
    ax[1, 2].bar([f"${p:,.0f}B" for p in PAYOFFS], shares, color="tab:purple", alpha=0.8)
    ax[1, 2].set(
        title="(f) Runs with a debt crash within ten years",
        xlabel="AI revenue ceiling, a year",
        ylabel="share of simulations",
        ylim=(0, 1),
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
    for payoff, share in zip(PAYOFFS, shares, strict=True):
        g = gaps[payoff]
        gap = f", median gap {np.median(g):.0f} months" if g else ""
        print(f"ceiling {payoff:.0f}: debt crash in {share:.0%} of runs{gap}")
    if len(aligned):
        print(
            f"true - reported leverage at t-12: {100 * np.nanmedian(aligned[:, 12]):.1f} "
            f"points, at the crash: {100 * np.nanmedian(aligned[:, 24]):.1f} points"
        )


if __name__ == "__main__":
    main()
