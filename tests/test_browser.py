"""One real-browser test: Chromium clicks Play, sees the epoch and the pictures change, clicks Pause."""

import os
import time

import pytest

from tests.browser import ROOT, chromium, epoch_of, open_playground, streamlit_server

pytestmark = pytest.mark.browser


def boundary_png(page):
    """The output picture (a Plotly chart when paused, an image while playing), as PNG bytes."""
    return page.locator(".st-key-boundary_slot").screenshot()


LIVE_IMAGES = "() => [...document.querySelectorAll('.st-key-network_slot img, .st-key-boundary_slot img, " \
              ".st-key-loss_slot img')].map(e => [e.src.slice(0, 26), e.naturalWidth])"


def live_pictures_drawn(page, timeout=5.0):
    """The three live SVG pictures as the browser shows them while playing: each an SVG, each decoded
    (a malformed SVG is a broken image, naturalWidth 0); polled, as a picture is replaced 12 times a second."""
    deadline = time.monotonic() + timeout
    while True:
        images = page.evaluate(LIVE_IMAGES)
        ok = len(images) == 3 and all(src == "data:image/svg+xml;base64," and w > 0 for src, w in images)
        if ok or time.monotonic() > deadline:
            return ok
        time.sleep(0.1)


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
        assert live_pictures_drawn(page)

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
