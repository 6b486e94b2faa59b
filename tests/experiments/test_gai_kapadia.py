"""The Gai–Kapadia validation engine: ledger, clearing inputs, failure rule, outputs, plot."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.backends import pool_context
from experiments.gai_kapadia import (
    CAPITAL_RATIO,
    INTERBANK_SHARE,
    _contract_book,
    build_ledger,
    cascade,
    clearing_inputs,
    draw_network,
    gk_fixed_point,
    plot,
    simulate_point,
)
from model.ledger import _COLUMNS as COLUMNS
from model.ledger import WORLD, ContractKind, Sector

KEYS = {"z", "frequency", "extent", "draws", "banks"}


def test_network_is_erdos_renyi_without_self_loops_or_duplicates():
    rng = np.random.default_rng(0)
    banks, z = 500, 4.0
    degrees = []
    for _ in range(20):
        c, d = draw_network(rng, banks, z)
        assert (c != d).all()
        assert np.unique(c * banks + d).size == c.size
        assert c.min() >= 0 and d.max() < banks
        degrees.append(c.size / banks)
    # mean degree over 20 networks: sd of one network's mean is sqrt(z / banks) ~ 0.09
    assert abs(np.mean(degrees) - z) < 0.1


def test_balance_sheets_in_the_ledger_follow_the_paper():
    rng = np.random.default_rng(1)
    banks = 300
    creditor, debtor = draw_network(rng, banks, 3.0)
    ledger, external_ids = build_ledger([(creditor, debtor)], banks)
    assert ledger.sectors[1:] == [Sector.BANK] * banks
    assert (ledger.column("kind") == ContractKind.LOAN).all()
    acct = 1 + np.arange(banks)
    # capital (derived equity) is 4% of nominal assets for every bank
    equity = ledger.equity()[acct]
    np.testing.assert_allclose(equity, CAPITAL_RATIO, atol=1e-12)
    # interbank assets: 20% of assets, split evenly over the bank's debtors
    cr, de, amount = ledger.exposures()
    interbank = (cr != WORLD) & (de != WORLD)
    ib_assets = np.bincount(cr[interbank], weights=amount[interbank], minlength=banks + 1)[1:]
    j = np.bincount(creditor, minlength=banks)
    np.testing.assert_allclose(ib_assets, np.where(j > 0, INTERBANK_SHARE, 0.0), atol=1e-12)
    for k in np.flatnonzero(interbank)[:50]:
        assert amount[k] == pytest.approx(INTERBANK_SHARE / j[cr[k] - 1])
    # external assets are loans to the World, one per bank
    assert (ledger.column("debtor")[external_ids[0]] == WORLD).all()
    assert (ledger.column("creditor")[external_ids[0]] == acct).all()


def test_bulk_booking_equals_one_by_one_booking():
    rng = np.random.default_rng(2)
    nets = [draw_network(rng, 60, 2.5) for _ in range(2)]
    fast, ids_fast = build_ledger(nets, 60)
    slow, ids_slow = build_ledger(nets, 60, bulk=False)
    assert len(fast) == len(slow)
    np.testing.assert_array_equal(ids_fast, ids_slow)
    for name in COLUMNS:  # every term of every contract
        np.testing.assert_array_equal(fast.column(name), slow.column(name), err_msg=name)
    fast.check_invariants(0.0)
    assert fast.contracts_version > 0  # caches keyed on the book see the bulk booking


def test_column_views_taken_before_a_bulk_booking_are_not_reused_after_it():
    book = _contract_book()()
    for k in range(3):
        book.open_account(f"bank{k}", Sector.BANK)
    book.add_loans([1], [2], [5.0])
    assert book.column("principal").tolist() == [5.0]
    book.add_loans([2, 3], [3, 1], [1.0, 2.0])
    assert book.column("principal").tolist() == [5.0, 1.0, 2.0]


def test_clearing_inputs_read_the_contracts():
    rng = np.random.default_rng(3)
    banks = 50
    c, d = draw_network(rng, banks, 2.0)
    ledger, ext = build_ledger([(c, d)], banks)
    L, e = clearing_inputs(ledger)
    assert L.shape == (banks + 1, banks + 1)
    assert L[[WORLD]].nnz == 0  # the World owes nothing in the matrix
    # obligations = total assets − capital for every bank
    pbar = np.asarray(L.sum(axis=1)).ravel()[1:]
    ext_amount = ledger.column("principal")[ext[0]]
    np.testing.assert_allclose(e[1:], ext_amount)
    assets = e[1:] + np.asarray(L.sum(axis=0)).ravel()[1:]
    np.testing.assert_allclose(assets - pbar, CAPITAL_RATIO, atol=1e-12)


@pytest.mark.parametrize("z", [0.8, 1.5, 2.5, 4.0, 5.5, 7.0])
def test_clearing_with_zero_recovery_equals_the_gai_kapadia_rule(z):
    rng = np.random.default_rng(int(z * 10))
    banks = 400
    nets = [draw_network(rng, banks, z) for _ in range(12)]
    shocked = rng.integers(0, banks, size=12)
    failed = cascade(nets, banks, shocked)
    for k, (c, d) in enumerate(nets):
        np.testing.assert_array_equal(failed[k], gk_fixed_point(c, d, banks, int(shocked[k])))
        assert failed[k, shocked[k]]


def test_equality_is_not_a_failure():
    # bank 0 lends to banks 1..5 (j = 5): one loss is exactly its capital -> survives
    c = np.zeros(5, dtype=np.int64)
    d = np.arange(1, 6)
    failed = cascade([(c, d)], 6, np.array([1]))[0]
    assert failed.tolist() == [False, True, False, False, False, False]
    assert gk_fixed_point(c, d, 6, 1).tolist() == failed.tolist()


def test_simulate_point_contract_and_determinism():
    out = simulate_point({"z": 3.0, "banks": 200, "draws": 15}, seed=11)
    assert set(out) == KEYS
    assert out["draws"] == 15 and out["banks"] == 200 and out["z"] == 3.0
    assert 0.0 <= out["frequency"] <= 1.0
    assert out == simulate_point({"z": 3.0, "banks": 200, "draws": 15}, seed=11)
    assert out != simulate_point({"z": 3.0, "banks": 200, "draws": 15}, seed=12)


def test_extent_is_nan_without_contagion():
    out = simulate_point({"z": 0.3, "banks": 300, "draws": 5}, seed=0)
    assert out["frequency"] == 0.0
    assert math.isnan(out["extent"])


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="z"):
        simulate_point({"z": 0.0, "banks": 10, "draws": 1}, seed=0)
    with pytest.raises(ValueError, match="banks"):
        simulate_point({"z": 0.5, "banks": 1, "draws": 1}, seed=0)


def test_simulate_point_runs_in_a_subprocess():
    params = {"z": 2.0, "banks": 150, "draws": 4}
    assert pickle.loads(pickle.dumps(simulate_point)) is simulate_point
    with ProcessPoolExecutor(max_workers=1, mp_context=pool_context()) as pool:
        remote = pool.submit(simulate_point, params, 5).result(timeout=120)
    local = simulate_point(params, 5)
    assert remote["frequency"] == local["frequency"]
    assert remote["extent"] == local["extent"] or (
        math.isnan(remote["extent"]) and math.isnan(local["extent"])
    )


def _runs(tmp_path: Path) -> Path:
    rows = [
        {"z": 0.5, "frequency": 0.0, "extent": math.nan, "draws": 10, "banks": 1000, "error": ""},
        {"z": 3.0, "frequency": 0.8, "extent": 0.95, "draws": 10, "banks": 1000, "error": ""},
        {"z": 3.0, "frequency": 0.6, "extent": 0.85, "draws": 10, "banks": 1000, "error": ""},
        {"z": 9.0, "frequency": 0.0, "extent": math.nan, "draws": 10, "banks": 1000, "error": ""},
    ]
    pd.DataFrame(rows).to_parquet(tmp_path / "runs.parquet")
    return tmp_path


def test_plot_writes_png_and_svg(tmp_path):
    paths = plot(_runs(tmp_path))
    assert [p.name for p in paths] == ["gai_kapadia.png", "gai_kapadia.svg"]
    for p in paths:
        assert p.parent == tmp_path / "figures"
        assert p.stat().st_size > 1000
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text()
    assert "Average degree" in svg or "Average" in svg


def test_plot_does_not_import_the_model(tmp_path):
    run_dir = _runs(tmp_path)
    code = (
        "import sys\n"
        "from experiments.gai_kapadia import plot\n"
        f"plot({str(run_dir)!r})\n"
        "bad = [m for m in sys.modules if m == 'model' or m.startswith('model.')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
