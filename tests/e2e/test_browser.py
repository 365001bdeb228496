"""A real browser (Debian's Chromium through Playwright) opens the runtime dashboard and the soak report."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
from stack.services import TOKEN, Web

from tests.e2e.test_diagnosis import _traffic

#: Debian's Chromium (.ci/apt-packages), launched by path: Playwright's own browser download is never used.
#: (A Browser's repr names Playwright's default download folder even so; ``browser.version`` is Debian's.)
CHROMIUM = "/usr/bin/chromium"
#: The README's screenshots are refreshed only on request (FLASK_DOCTOR_SCREENSHOTS=1, `make screenshots`);
#: otherwise they go to a temporary folder, so a test run never changes the repository.
IMG = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("FLASK_DOCTOR_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "flask-doctor-screenshots"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install -y chromium; listed in .ci/apt-packages)"
        if os.environ.get("FLASK_DOCTOR_REQUIRE_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _shot(page, name: str) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / name), full_page=False)


def _wait_for_memory_samples(web: Web, wanted: int = 2, timeout: float = 20.0) -> None:
    """Wait until the worker has taken ``wanted`` RSS samples (one every 2 s, from its first request).

    The RSS chart is a line through two samples at least; with fewer the dashboard says so in words
    (tests/runtime/test_dashboard.py). Traffic on a fresh worker can be over before its second sample.
    """
    deadline = time.monotonic() + timeout
    samples: list = []
    while time.monotonic() < deadline:
        reply = requests.get(
            web.url + "/_doctor/api/snapshot", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert reply.status_code == 200, reply.text[:300]
        samples = reply.json()["memory"]
        if len(samples) >= wanted:
            return
        time.sleep(0.25)
    pytest.fail(f"{len(samples)} RSS sample(s) after {timeout:g} s; the worker samples every 2 s")


def test_dashboard_shows_findings_chart_and_evidence(browser, sick: Web) -> None:
    _traffic(sick)
    _wait_for_memory_samples(sick)
    context = browser.new_context(
        viewport={"width": 1100, "height": 800}, extra_http_headers={"Authorization": f"Bearer {TOKEN}"}
    )
    page = context.new_page()
    page.goto(sick.url + "/_doctor/", timeout=15000)
    text = page.inner_text("body")
    assert "FD202" in text and "query-in-loop" in text
    assert page.locator("#memory svg.chart").count() >= 1  # the RSS chart
    assert "SELECT" in text.upper()  # evidence: the repeated statement
    _shot(page, "clinic-dashboard.png")
    context.close()


def test_dashboard_refused_in_the_browser_without_token(browser, sick: Web) -> None:
    page = browser.new_page()
    page.goto(sick.url + "/_doctor/", timeout=15000)
    assert "FD202" not in page.inner_text("body")
    page.close()


def test_soak_report_renders(browser, soak_report: Path, tmp_path: Path) -> None:
    report = soak_report / "report.html"
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(report.as_uri(), timeout=15000)
    text = page.inner_text("body")
    assert "flask-doctor soak" in text and "B/req" in text  # the memory fit per request is shown
    assert "FD101" in text and "_search_pages" in text  # the finding, with the container it names
    assert page.locator("svg").count() >= 1
    _shot(page, "clinic-soak-report.png")
    page.close()
    shutil.copy(report, tmp_path / "report.html")
