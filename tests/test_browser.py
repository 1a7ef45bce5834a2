"""One real-browser test: Chromium clicks Play, sees the epoch and the picture change, clicks Pause."""

import os
import time

import pytest

from tests.browser import ROOT, chromium, epoch_of, open_playground, streamlit_server

pytestmark = pytest.mark.browser


def boundary_png(page):
    """The output picture (a Plotly chart when paused, an image while playing), as PNG bytes."""
    return page.locator(".st-key-boundary_slot").screenshot()


def test_play_changes_epoch_and_picture_then_pause_stops():
    with streamlit_server() as (url, _), chromium() as browser:
        page = open_playground(browser, url)
        assert epoch_of(page) == 0
        before = boundary_png(page)

        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=10_000)
        deadline = time.monotonic() + 20
        while epoch_of(page) < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert epoch_of(page) >= 50
        assert boundary_png(page) != before

        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=5_000)
        time.sleep(0.5)
        paused_at = epoch_of(page)
        time.sleep(1.5)
        assert epoch_of(page) == paused_at

        artifacts = ROOT / "artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=artifacts / "playground.png", full_page=True)
        if os.environ.get("NNPG_README_SCREENSHOT"):
            page.screenshot(path=ROOT / "assets" / "screenshot.png")
