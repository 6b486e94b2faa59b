"""End to end: ``hotpotato viz`` in a subprocess, driven by a headless Chromium.

Offline by construction: the test fails if the server log shows a fetch from a CDN or if
the browser asks any host but this machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}
CDN_MARKS = ("cdn.jsdelivr", "unpkg", "Could not load URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("hotpotato")
    script = script if script.exists() else shutil.which("hotpotato")
    if script:
        return [str(script), "viz", "--host", "127.0.0.1", "--port", str(port)]
    code = f"from experiments.viz.server import serve; serve('127.0.0.1', {port})"
    return [sys.executable, "-c", code]


@pytest.fixture
def server(request, tmp_path):
    """(url, log path) of a running page; the server is stopped by a finalizer."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing"
        if os.environ.get("HOTPOTATO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            server_command(port),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    request.addfinalizer(stop)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        pytest.fail(f"server did not listen on port {port}:\n{log.read_text()}")
    return f"http://127.0.0.1:{port}/", log


def test_page_steps_resets_and_stays_offline(server):
    from playwright.sync_api import expect, sync_playwright

    from experiments.viz.panels import PAGE_NAME

    url, log = server
    urls: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.on("request", lambda r: urls.append(r.url))
            page.goto(url)
            expect(page.get_by_text("Month 0 of 120")).to_be_visible(timeout=30_000)
            for caption in ("Exposure network:", "Time series: 0 months", "Losses by holder:"):
                expect(page.get_by_text(caption)).to_be_visible()
            expect(page.locator(".vue-grid-item img")).to_have_count(3)
            tab = page.locator(".v-tabs .v-tab")  # named, not SolaraViz's "Page 0"
            expect(tab).to_have_count(1)
            label = tab.evaluate("e => getComputedStyle(e, '::after').content")
            assert label == f'"{PAGE_NAME}"' and tab.bounding_box()["width"] > 150
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=ROOT / "test-artifacts" / "viz-start.png", full_page=True)

            step = page.get_by_role("button", name="Step")
            for n in (1, 2, 3):
                step.click()
                expect(page.get_by_text(f"Month {n} of 120")).to_be_visible(timeout=10_000)
            expect(page.get_by_text("Time series: 3 months recorded")).to_be_visible()

            page.get_by_role("slider", name="obs_share").focus()  # 0.3 -> 0.4
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            page.get_by_text("guarantees: The government").click()
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("Month 0 of 120")).to_be_visible(timeout=10_000)
            expect(page.get_by_text("obs_share = 0.4 ·")).to_be_visible()
            expect(page.get_by_text("guarantees = True")).to_be_visible()

            step.click()
            expect(page.get_by_text("Month 1 of 120")).to_be_visible(timeout=10_000)
            lehman = page.get_by_label("lehman_month (month)")
            lehman.fill("9999")
            lehman.press("Enter")
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("Input not applied")).to_be_visible(timeout=10_000)
            expect(page.get_by_text("Month 1 of 120")).to_be_visible()  # the model is kept
            step.click()
            expect(page.get_by_text("Month 2 of 120")).to_be_visible(timeout=10_000)

            page.screenshot(path=ROOT / "test-artifacts" / "viz.png", full_page=True)
        finally:
            browser.close()
    remote = [u for u in urls if urlparse(u).scheme not in LOCAL_SCHEMES]
    remote = [u for u in remote if urlparse(u).hostname not in LOOPBACK]
    assert not remote, f"requests left this machine: {remote}"
    text = log.read_text()
    assert not [mark for mark in CDN_MARKS if mark in text], text
