"""A closed tab's memory goes back to the system: heavy sessions opened and closed, the server's RSS returns
near its baseline (Streamlit's disconnectedSessionTTL from .streamlit/config.toml, then ui/memory.py)."""

import re
import time

import pytest

from tests.browser import ROOT, chromium, streamlit_server

pytestmark = pytest.mark.browser

HEAVY = ("?hidden=16,16,16,16,16,16,16,16&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2"
         "&n_samples=2000&train_ratio=0.9")
N_HEAVY = 5


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def open_and_close(context, url):
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').filter(has_text="Epoch").wait_for(timeout=60_000)
    page.close()


def test_closed_heavy_sessions_give_their_memory_back():
    config = (ROOT / ".streamlit" / "config.toml").read_text()  # tomllib is Python >= 3.11
    ttl = int(re.search(r"^disconnectedSessionTTL\s*=\s*(\d+)", config, re.M).group(1))
    assert ttl <= 30
    with streamlit_server() as (url, proc), chromium() as browser:
        context = browser.new_context()
        open_and_close(context, url)  # imports and first-run caches belong to the baseline
        time.sleep(1)
        baseline = rss_mb(proc.pid)
        for _ in range(N_HEAVY):
            open_and_close(context, url + HEAVY)
        closed = time.monotonic()
        time.sleep(1)
        peak = rss_mb(proc.pid)
        time.sleep(max(0.0, closed + ttl + 1 - time.monotonic()))
        # Streamlit drops expired sessions at the next disconnect: in a classroom someone always leaves.
        open_and_close(context, url)
        deadline = time.monotonic() + 25
        while (now := rss_mb(proc.pid)) - baseline > 0.25 * (peak - baseline) and time.monotonic() < deadline:
            time.sleep(1)
        print(f"RSS MB: baseline {baseline:.0f}, {N_HEAVY} heavy sessions {peak:.0f}, "
              f"{time.monotonic() - closed:.0f} s after closing {now:.0f}")
        assert peak - baseline > 5 * N_HEAVY  # the sessions were heavy (each ~9 MB), so this can fail
        assert now - baseline <= 0.25 * (peak - baseline)
