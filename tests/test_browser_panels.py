"""The open panel follows training while playing (its own fragment, about once a second), and stops with Pause."""

import time

import pytest

from tests.browser import chromium, epoch_of, open_playground
from tests.servers import streamlit_server, wait_for

pytestmark = pytest.mark.browser

LAST_EPOCH = """() => {
  const plot = document.querySelector('.st-key-score_fig .js-plotly-plot');
  return plot && plot._fullData ? Math.max(...plot._fullData[0].x) : null;  // x decoded from Plotly's binary form
}"""


def test_how_well_it_does_follows_training_while_playing_and_rests_when_paused(tmp_path):
    with streamlit_server() as (url, _), chromium() as browser:
        page = open_playground(browser, url + "/?epochs=100000", width=1280, height=800)
        sent = [0]  # messages to the server (each a run) on the page's websocket, from a reload on
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.__setitem__(0, sent[0] + 1)))
        page.reload()
        page.locator(".nnpg-live[data-frames]").wait_for(timeout=60_000)
        page.get_by_text("How well it does", exact=True).click()
        assert wait_for(lambda: page.evaluate(LAST_EPOCH) == 0, 30)
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
        seen = set()
        for _ in range(8):  # the chart is redrawn about once a second, with the epochs trained so far
            time.sleep(0.5)
            seen.add(page.evaluate(LAST_EPOCH))
        assert len(seen) >= 3, seen
        assert sent[0] > 0
        page.evaluate("() => document.querySelector('.st-key-panel').scrollIntoView()")
        page.screenshot(path=tmp_path / "performance_playing.png")

        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
        assert wait_for(lambda: page.evaluate(LAST_EPOCH) == epoch_of(page), 10)
        shown, before = page.evaluate(LAST_EPOCH), sent[0]
        time.sleep(3)  # paused: no timer reruns the panel
        assert page.evaluate(LAST_EPOCH) == shown and sent[0] == before
