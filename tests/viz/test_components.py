"""The page's parts rendered with solara in Python (no browser, no server)."""

from __future__ import annotations

import statistics
import time

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

from experiments.viz import app
from experiments.viz.controls import MODEL_PARAMS, bounds, parse_inputs
from experiments.viz.network import ExposureNetwork, edges
from experiments.viz.panels import LossesByHolder, StatusBanner, crash_text, status_text
from experiments.viz.series import SeriesChart, TimeSeries
from experiments.viz.session import VizModel, current_model, input_error
from model.ledger import WORLD, Sector
from model.scenario import KNOBS, ScenarioError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CONTROLLED = [
    "ai_payoff", "obs_share", "vendor_financing", "gpu_economic_life_years",
    "gpu_accounting_life_years", "grid_growth_gw_per_month", "guarantees", "bailouts",
    "energy_subsidy", "lehman_month", "seed",
]  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test starts from the default model and no rejected input."""
    current_model.value = VizModel()
    input_error.set(None)
    yield


@pytest.fixture
def render():
    """``render(element)`` -> render context; every context is closed after the test, so
    that no page from an earlier test keeps re-rendering on later steps."""
    contexts = []

    def _render(element):
        box, rc = solara.render(element, handle_error=False)
        contexts.append(rc)
        return rc

    yield _render
    for rc in contexts:
        rc.close()


def page_element():
    return solara.AppLayout(children=[app.page])


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def text_of(rc) -> str:
    """All text shown in alerts and markdown-free text spans of the page."""
    parts = [str(w.children) for w in rc.find(v.Alert).widgets]
    parts += [str(w.children) for w in rc.find(v.Html).widgets]
    parts += [str(getattr(w, "value", "")) for w in rc.find(ipywidgets.HTML).widgets]
    return " ".join(parts)


def test_controls_cover_the_knobs_with_units_and_scenario_ranges():
    assert sorted(MODEL_PARAMS) == sorted(CONTROLLED)
    for name, spec in MODEL_PARAMS.items():
        if spec["type"] in ("SliderFloat", "SliderInt"):
            lo, hi = bounds(name)
            assert (spec["min"], spec["max"]) == (lo, hi)
            assert f"[{lo:g}–{hi:g}]" in spec["label"]
            assert spec["value"] == KNOBS[name].default
    assert "$B/year" in MODEL_PARAMS["ai_payoff"]["label"]
    assert "[0–600, or none]" in MODEL_PARAMS["lehman_month"]["label"]


def test_typed_inputs_are_parsed_or_rejected():
    assert parse_inputs({"lehman_month": " None ", "seed": "7"}) == {
        "lehman_month": None,
        "seed": 7,
    }
    assert parse_inputs({"lehman_month": "24"})["lehman_month"] == 24
    with pytest.raises(ScenarioError, match="lehman_month"):
        parse_inputs({"lehman_month": "soon"})


def test_bad_input_keeps_the_last_valid_model_and_says_why():
    before = current_model.value
    assert VizModel(lehman_month="9999") is before
    assert "lehman_month" in input_error.value and "[0, 600]" in input_error.value
    assert VizModel(ai_payoff=-5.0) is before
    fresh = VizModel(obs_share=0.8)
    assert fresh is not before and fresh.params.obs_share == 0.8
    assert input_error.value is None


def test_layout_is_seeded_and_stable_as_spvs_appear():
    m, twin = VizModel(), VizModel()
    first = m.layout.positions().copy()
    for _ in range(30):
        m.step()
        twin.step()
    later = m.layout.positions()
    assert m.ledger.n_accounts > first.shape[0]  # SPVs appeared
    np.testing.assert_array_equal(later[: first.shape[0]], first)
    np.testing.assert_array_equal(later, twin.layout.positions())
    assert np.isnan(later[WORLD]).all() and np.isfinite(later[1:]).all()


def test_edges_sum_the_ledger_and_mark_spv_claims_off_balance():
    m = VizModel()
    for _ in range(12):
        m.step()
    creditor, debtor, amount, off = edges(m)
    c, d, a = m.ledger.exposures()
    keep = (c != WORLD) & (d != WORLD)
    assert amount.sum() == pytest.approx(a[keep].sum())
    spv = m.ledger.sector_array()[debtor] == Sector.SPV
    assert spv.any() and off[spv].all()
    assert WORLD not in creditor and WORLD not in debtor


def test_page_shows_network_series_losses_and_steps(render):
    rc = render(page_element())
    assert len(rc.find(ipywidgets.Image).widgets) == 3  # network, series, losses
    assert "Month 0 of 120" in text_of(rc)
    for _ in range(3):
        button(rc, "Step").click()
    assert current_model.value.tick == 3
    assert len(current_model.value.recorder.rows) == 3
    assert "Month 3 of 120" in text_of(rc)


def test_page_reset_applies_a_knob_and_rejects_a_bad_one(render):
    rc = render(page_element())
    rc.find(v.Slider, label=MODEL_PARAMS["obs_share"]["label"]).widget.v_model = 0.75
    button(rc, "Reset").click()
    assert current_model.value.params.obs_share == 0.75
    assert "obs_share = 0.75" in text_of(rc)
    kept = current_model.value
    field = rc.find(v.TextField, label=MODEL_PARAMS["lehman_month"]["label"]).widget
    field.v_model = "9999"
    field.fire_event("keyup.enter")
    button(rc, "Reset").click()
    assert current_model.value is kept
    assert "Input not applied" in text_of(rc) and "lehman_month" in text_of(rc)


def test_crash_banner_and_losses_after_a_crash(render):
    m = VizModel(lehman_month=0)
    while m.crash.month is None and m.running:
        m.step()
    assert m.crash.month is not None
    rc = render(StatusBanner(m))
    banner = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "CRASH in " + m.calendar_month(m.crash.month) in banner
    assert m.crash.trigger.replace("_", " ") in banner
    for component in (LossesByHolder, ExposureNetwork, TimeSeries):
        rc = render(component(m))
        assert bytes(rc.find(ipywidgets.Image).widget.value).startswith(b"\x89PNG")
    assert status_text(m).startswith(f"Month {m.tick} of 120")


def test_series_chart_grows_with_the_months():
    m = VizModel()
    chart = SeriesChart(m)
    for n in (1, 5):
        while m.tick < n:
            m.step()
        fig = chart.update()
        assert len(fig.axes[0].lines[0].get_xdata()) == n
    rent = fig.axes[4]  # compute rent: drawn from zero, its line inside the view
    values = rent.lines[0].get_ydata()
    assert rent.get_ylim()[0] == 0 and rent.get_ylim()[1] >= values.max() > 0


def test_the_hint_before_the_first_month_overlaps_no_title():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    m = VizModel()
    chart = SeriesChart(m)
    fig = chart.update()
    renderer = FigureCanvasAgg(fig).get_renderer()
    (hint,) = [t for t in fig.findobj(Text) if t.get_text().startswith("No months yet")]
    box = hint.get_window_extent(renderer)
    assert hint.get_visible()
    assert not [
        ax.title.get_text() for ax in fig.axes if box.overlaps(ax.title.get_window_extent(renderer))
    ]
    m.step()
    chart.update()
    assert not hint.get_visible()


def test_the_page_tab_has_a_name():
    from experiments.viz.panels import PAGE_CSS, PAGE_NAME

    assert PAGE_NAME and "page" not in PAGE_NAME.lower()
    assert f'content: "{PAGE_NAME}"' in PAGE_CSS


def test_a_step_updates_the_page_in_under_a_second(render):
    rc = render(page_element())
    step = button(rc, "Step")
    step.click()  # first render of each figure warms caches
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        step.click()
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 1.0, times


def test_the_banner_dates_each_rule_that_first_held_after_the_crash():
    m = VizModel()
    crash = m.crash
    crash.month, crash.trigger = 48, "equity_drawdown"
    crash.first_month = {"equity_drawdown": 48, "bank_failure": 90, "credit_losses": 81}
    assert crash_text(m) == (
        f"CRASH in {m.calendar_month(48)} (month 49): trigger equity drawdown"
        f"; then credit losses reached 10% of AI debt in {m.calendar_month(81)} (month 82)"
        f"; then a bank failed in {m.calendar_month(90)} (month 91)"
    )
