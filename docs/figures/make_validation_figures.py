"""Regenerate the validation figures and tables of docs/validation.md from the engines.

* ``gai_kapadia.png`` / ``.svg`` and ``gai_kapadia.csv``: the Gai & Kapadia (2010)
  sweep — 1,000 banks, 100 draws at each average degree z in {0.5, 1, 2, ..., 10, 12} —
  run with :func:`experiments.gai_kapadia.simulate_point` and drawn with its ``plot``.
* ``caccioli.png`` / ``.svg`` and ``caccioli.csv``: fire-sale contagion over
  diversification mu at leverage 10, 20 and 33 (1,000 banks, 1,000 assets, 100 draws),
  run with :func:`experiments.caccioli.contagion_point`.

Usage: ``python docs/figures/make_validation_figures.py`` (about half a minute on one
core). Prints the tables in Markdown and the wall-clock time of each sweep.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.caccioli import ALPHA, contagion_point  # noqa: E402
from experiments.gai_kapadia import plot, simulate_point  # noqa: E402

GK_Z = [0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0]
GK_SEED = 2010
CC_LEVERAGE = [10.0, 20.0, 33.0]
CC_MU = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24]
CC_SEED = 2014


def _fmt(x: float) -> str:
    return "–" if isinstance(x, float) and math.isnan(x) else f"{x:.2f}"


def gai_kapadia() -> pd.DataFrame:
    t0 = time.perf_counter()
    rows = [
        simulate_point({"z": z, "banks": 1000, "draws": 100}, seed=GK_SEED * 100 + i)
        for i, z in enumerate(GK_Z)
    ]
    seconds = time.perf_counter() - t0
    df = pd.DataFrame(rows)
    with tempfile.TemporaryDirectory() as tmp:
        df.to_parquet(Path(tmp) / "runs.parquet")
        for path in plot(tmp):
            shutil.copy(path, HERE / path.name)
    df.to_csv(HERE / "gai_kapadia.csv", index=False)
    print(f"Gai & Kapadia sweep: {len(GK_Z)} points x 100 draws, 1,000 banks: {seconds:.1f} s")
    print("| z | frequency | extent |\n|---|---|---|")
    for r in rows:
        print(f"| {r['z']:g} | {_fmt(r['frequency'])} | {_fmt(r['extent'])} |")
    return df


def caccioli() -> pd.DataFrame:
    t0 = time.perf_counter()
    rows = [
        contagion_point(mu, lev, draws=100, seed=CC_SEED * 1000 + int(lev) * 50 + mu)
        for lev in CC_LEVERAGE
        for mu in CC_MU
    ]
    seconds = time.perf_counter() - t0
    df = pd.DataFrame(rows)
    df.to_csv(HERE / "caccioli.csv", index=False)

    fig = Figure(figsize=(8.0, 5.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colors = {10.0: "#2ca02c", 20.0: "#ff7f0e", 33.0: "#d62728"}
    for lev in CC_LEVERAGE:
        sub = df[df["leverage"] == lev]
        ax.plot(
            sub["mu"],
            sub["frequency"],
            "o-",
            color=colors[lev],
            lw=2,
            label=f"leverage {lev:g} (equity {100 / lev:.0f}% of assets)",
        )
    ax.set_xscale("log")
    ax.set_xticks(CC_MU, [str(m) for m in CC_MU])
    ax.minorticks_off()
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("Diversification: assets held by each bank (μ)")
    ax.set_ylabel("Share of draws where ≥ 5% of banks fail")
    ax.set_title(
        "Fire sales through shared assets: one bank fails and sells everything\n"
        f"(1,000 banks, 1,000 assets, 100 draws per point; selling 10% of an asset\n"
        f"cuts its price by 10%: α = {ALPHA:.4f})",
        fontsize=11,
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    for suffix, kw in ((".png", {"dpi": 150}), (".svg", {})):
        fig.savefig(HERE / f"caccioli{suffix}", **kw)

    print(f"\nCaccioli et al. sweep: {len(rows)} points x 100 draws: {seconds:.1f} s")
    print("| mu | " + " | ".join(f"λ = {lev:g}: freq / extent" for lev in CC_LEVERAGE) + " |")
    print("|---|" + "---|" * len(CC_LEVERAGE))
    for mu in CC_MU:
        cells = []
        for lev in CC_LEVERAGE:
            r = df[(df["leverage"] == lev) & (df["mu"] == mu)].iloc[0]
            cells.append(f"{_fmt(r['frequency'])} / {_fmt(r['extent'])}")
        print(f"| {mu} | " + " | ".join(cells) + " |")
    return df


def main() -> None:
    np.seterr(all="raise")
    gai_kapadia()
    caccioli()


if __name__ == "__main__":
    main()
