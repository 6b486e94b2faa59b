"""Tests for model.assets: validation, book and market values against a plain-Python
reference, the hidden GPU loss, earning GW, aggregation by owner, and growth.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from model.assets import SHELL_LIFE_MONTHS, AssetBook

SEED = 20250117
PROPS = settings(max_examples=80, deadline=None)
COLUMNS = (
    "owner",
    "gw",
    "gpu_cost",
    "shell_cost",
    "ordered",
    "completed",
    "powered",
    "queued",
    "active",
)
BASE = dict(owner=1, gw=1.0, gpu_cost=30.0, shell_cost=10.0, ordered=-12, completed=0)


def snapshot(book: AssetBook) -> dict:
    snap = {name: book[name].copy() for name in COLUMNS}
    snap["len"] = len(book)
    snap["version"] = book.version
    return snap


def straight_line(cost: float, age: int, life: float) -> float:
    return cost * min(max(1.0 - age / life, 0.0), 1.0)


def reference_values(rows, tick, accounting_life, economic_life, index):
    """Plain-Python (book, market, earning GW) per data center."""
    out = []
    for r in rows:
        age = max(tick - r["completed"], 0)
        shell = straight_line(r["shell_cost"], age, SHELL_LIFE_MONTHS)
        book = straight_line(r["gpu_cost"], age, accounting_life) + shell
        market = straight_line(r["gpu_cost"], age, economic_life) * index + shell
        earning = r["gw"] if (r["powered"] and age < economic_life) else 0.0
        if not r["active"]:
            book = market = earning = 0.0
        out.append((book, market, earning))
    return out


# ------------------------------------------------------------------ bad input
BAD_ADD = [
    ("gw", -1.0),
    ("gw", math.nan),
    ("gw", math.inf),
    ("gpu_cost", -0.01),
    ("gpu_cost", math.nan),
    ("shell_cost", -5.0),
    ("shell_cost", math.inf),
    ("completed", -13),  # before ordered = -12
]


@pytest.mark.parametrize(("field", "value"), BAD_ADD, ids=[f"{f}={v}" for f, v in BAD_ADD])
def test_add_refuses_bad_input_and_adds_nothing(field, value):
    book = AssetBook(capacity=1)  # full after one add: a refused add must not grow it
    book.add(**BASE)
    before = snapshot(book)
    with pytest.raises(ValueError) as excinfo:
        book.add(**{**BASE, field: value})
    assert field in str(excinfo.value)
    assert str(value) in str(excinfo.value)
    assert snapshot(book).keys() == before.keys()
    for key, want in before.items():
        np.testing.assert_array_equal(snapshot(book)[key], want, err_msg=key)
    assert book.add(**BASE) == 1


def test_add_stores_fields_and_defaults():
    book = AssetBook()
    i = book.add(owner=3, gw=2.5, gpu_cost=75.0, shell_cost=25.0, ordered=-6, completed=18)
    assert (book["owner"][i], book["gw"][i], book["gpu_cost"][i]) == (3, 2.5, 75.0)
    assert (book["shell_cost"][i], book["ordered"][i], book["completed"][i]) == (25.0, -6, 18)
    assert not book["powered"][i] and not book["queued"][i] and book["active"][i]
    version = book.version
    book.set("powered", [i], True)
    assert book["powered"][i] and book.version > version


def test_grows_by_doubling_and_keeps_rows():
    book = AssetBook(capacity=4)
    sizes = set()
    for k in range(1000):
        book.add(owner=k % 5, gw=float(k), gpu_cost=1.0, shell_cost=2.0, ordered=k, completed=k)
        sizes.add(book._cols["gw"].size)
    assert sizes == {4 * 2**j for j in range(9)}  # 4 .. 1024: nine sizes, eight copies
    assert len(book) == 1000
    np.testing.assert_array_equal(book["gw"], np.arange(1000.0))
    np.testing.assert_array_equal(book["owner"], np.arange(1000) % 5)


def test_zero_initial_capacity_can_add():
    book = AssetBook(capacity=0)
    book.add(**BASE)
    assert len(book) == 1


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("book_value", (0, 0.0)),
        ("book_value", (0, math.nan)),
        ("market_value", (0, 0.0, 1.0)),
        ("market_value", (0, 48.0, math.nan)),
        ("market_value", (0, 48.0, -0.5)),
        ("earning_gw", (0, math.nan)),
    ],
)
def test_valuation_refuses_bad_parameters(method, args):
    book = AssetBook()
    book.add(**BASE)
    book.set("powered", [0], True)
    with np.errstate(all="ignore"), pytest.raises(ValueError):
        getattr(book, method)(*args)


# ---------------------------------------------------------------- valuation
def test_hand_computed_values():
    book = AssetBook()
    book.add(owner=1, gw=1.0, gpu_cost=60.0, shell_cost=24.0, ordered=-12, completed=0)
    # at 24 months: GPUs half-way through a 48-month accounting life, 2/3 through a
    # 36-month economic life; the shell 1/10 through its 240 months
    assert book.book_value(24, 48.0)[0] == pytest.approx(30.0 + 21.6)
    assert book.market_value(24, 36.0, 1.0)[0] == pytest.approx(20.0 + 21.6)
    assert book.market_value(24, 36.0, 0.5)[0] == pytest.approx(10.0 + 21.6)
    # under construction the data center is valued at cost
    assert book.book_value(-5, 48.0)[0] == 84.0
    assert book.gpu_age(-5)[0] == 0
    # past every life it is worth nothing
    assert book.book_value(SHELL_LIFE_MONTHS + 1, 48.0)[0] == 0.0


rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "owner": st.integers(0, 5),
            "gw": st.floats(0.0, 5.0),
            "gpu_cost": st.floats(0.0, 200.0),
            "shell_cost": st.floats(0.0, 80.0),
            "ordered": st.integers(-60, 24),
            "build": st.integers(0, 36),
            "powered": st.booleans(),
            "active": st.sampled_from([True, True, True, False]),
        }
    ),
    min_size=0,
    max_size=20,
)


def build(rows) -> AssetBook:
    book = AssetBook(capacity=2)
    for r in rows:
        r["completed"] = r["ordered"] + r["build"]
        i = book.add(
            owner=r["owner"],
            gw=r["gw"],
            gpu_cost=r["gpu_cost"],
            shell_cost=r["shell_cost"],
            ordered=r["ordered"],
            completed=r["completed"],
        )
        book.set("powered", [i], r["powered"])
        book.set("active", [i], r["active"])
    return book


@seed(SEED)
@PROPS
@given(
    rows_strategy,
    st.integers(-24, 300),
    st.integers(1, 120),
    st.integers(1, 120),
    st.floats(0.0, 1.5),
)
def test_values_match_plain_python_reference(rows, tick, accounting_life, economic_life, index):
    book = build(rows)
    want = reference_values(rows, tick, accounting_life, economic_life, index)
    got_book = book.book_value(tick, accounting_life)
    got_market = book.market_value(tick, economic_life, index)
    got_earning = book.earning_gw(tick, economic_life)
    for k, (b, m, e) in enumerate(want):
        assert got_book[k] == pytest.approx(b, rel=1e-12, abs=1e-12), k
        assert got_market[k] == pytest.approx(m, rel=1e-12, abs=1e-12), k
        assert got_earning[k] == e, k
    # aggregation by owner
    n_accounts = 7
    by_owner = book.by_owner(got_book, n_accounts)
    assert by_owner.shape == (n_accounts,)
    for owner in range(n_accounts):
        expected = sum(b for (b, _, _), r in zip(want, rows, strict=True) if r["owner"] == owner)
        assert by_owner[owner] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@seed(SEED)
@PROPS
@given(rows_strategy, st.integers(1, 200), st.integers(2, 120), st.data())
def test_shorter_economic_life_hides_a_loss(rows, tick, accounting_life, data):
    economic_life = data.draw(st.integers(1, accounting_life - 1))
    book = build(rows)
    bv = book.book_value(tick, accounting_life)
    mv = book.market_value(tick, economic_life, 1.0)
    assert np.all(mv <= bv + 1e-12)
    for k, r in enumerate(rows):
        age = max(tick - r["completed"], 0)
        if r["active"] and r["gpu_cost"] > 1e-6 and 0 < age < accounting_life:
            assert mv[k] < bv[k], k  # the hidden loss is strictly positive
        if age == 0:
            assert mv[k] == bv[k], k  # nothing hidden before the GPUs age


@seed(SEED)
@PROPS
@given(rows_strategy, st.integers(-24, 300), st.integers(1, 120), st.floats(0.0, 2.0))
def test_used_gpu_index_scales_only_the_gpu_part(rows, tick, economic_life, index):
    book = build(rows)
    shell_only = book.market_value(tick, economic_life, 0.0)
    par = book.market_value(tick, economic_life, 1.0)
    scaled = book.market_value(tick, economic_life, index)
    gpu_part = par - shell_only
    np.testing.assert_allclose(scaled, shell_only + index * gpu_part, rtol=1e-12, atol=1e-12)
    # the shell is valued at book value: with no GPUs, market equals book for any index
    no_gpu = [{**r, "gpu_cost": 0.0} for r in rows]
    book2 = build(no_gpu)
    np.testing.assert_array_equal(
        book2.market_value(tick, economic_life, index), book2.book_value(tick, 1)
    )


def test_earning_gw_excludes_unpowered_over_age_and_inactive():
    book = AssetBook()
    young = book.add(owner=1, gw=1.0, gpu_cost=30.0, shell_cost=10.0, ordered=-6, completed=0)
    old = book.add(owner=1, gw=2.0, gpu_cost=30.0, shell_cost=10.0, ordered=-60, completed=-48)
    dark = book.add(owner=2, gw=4.0, gpu_cost=30.0, shell_cost=10.0, ordered=-6, completed=0)
    sold = book.add(owner=2, gw=8.0, gpu_cost=30.0, shell_cost=10.0, ordered=-6, completed=0)
    book.set("powered", [young, old, sold], True)
    book.set("active", [sold], False)
    life = 48
    np.testing.assert_array_equal(book.earning_gw(0, life), [1.0, 0.0, 0.0, 0.0])
    # ``old`` is exactly at the end of its economic life at tick 0, still earning a month before
    np.testing.assert_array_equal(book.earning_gw(-1, life), [1.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(book.earning_gw(life - 1, life), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(book.earning_gw(life, life), [0.0, 0.0, 0.0, 0.0])
    book.set("powered", [dark], True)
    np.testing.assert_array_equal(book.earning_gw(0, life), [1.0, 0.0, 4.0, 0.0])
    np.testing.assert_array_equal(book.by_owner(book.earning_gw(0, life), 3), [0.0, 1.0, 4.0])
