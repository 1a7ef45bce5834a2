"""A closed tab's memory goes back to the system: heavy sessions opened and closed, the server's RSS returns
near its baseline, with nobody else leaving (ui/memory.py closes sessions stored for a reconnect, then sweeps)."""

import re
import time

import pytest

from tests.browser import chromium, wait_until_shown
from tests.servers import ROOT, streamlit_server
from ui import memory

pytestmark = pytest.mark.browser

HEAVY = ("?hidden=16,16,16,16,16,16,16,16&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2"
         "&n_samples=2000&train_ratio=0.9&optimizer=adam&race=learning_rate:0.3/0.1/0.03/0.01")
N_HEAVY = 8


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def open_page(context, url):
    page = context.new_page()
    page.goto(url)
    wait_until_shown(page)
    return page


def test_closed_heavy_sessions_give_their_memory_back():
    config = (ROOT / ".streamlit" / "config.toml").read_text()  # tomllib is Python >= 3.11
    ttl = int(re.search(r"^disconnectedSessionTTL\s*=\s*(\d+)", config, re.M).group(1))
    assert ttl <= 30
    with streamlit_server() as (url, proc), chromium() as browser:
        context = browser.new_context()
        # imports, first-run caches and what the allocator keeps once heavy sessions have come and gone belong to
        # the baseline: a first round of heavy sessions leaves ~6 MB for good, the rounds after it 0-2 MB
        heavy_round(context, url, proc.pid, lambda rss, peak: False)
        baseline = rss_mb(proc.pid)
        peak, now, waited = heavy_round(context, url, proc.pid,
                                        lambda rss, peak: rss - baseline <= 0.25 * (peak - baseline))
        print(f"RSS MB: baseline {baseline:.0f}, {N_HEAVY} heavy sessions {peak:.0f}, "
              f"{waited:.0f} s after closing {now:.0f}")
        assert peak - baseline > 4 * N_HEAVY  # each heavy session holds megabytes (bench/README.md), so this can fail
        assert now - baseline <= 0.25 * (peak - baseline)


def heavy_round(context, url, pid, back):
    """Open ``N_HEAVY`` heavy pages and close them; wait until ``back(rss, peak)`` holds or the sweeper had time to
    close, collect and trim them.  Returns the RSS (MB) with them open, at the end, and the seconds waited."""
    pages = [open_page(context, url + HEAVY) for _ in range(N_HEAVY)]
    peak = rss_mb(pid)
    for page in pages:
        page.close()
    closed = time.monotonic()
    # stored for a reconnect, then closed by the sweeper (before Streamlit's TTL), collected, trimmed
    time.sleep(max(0.0, closed + memory.RECONNECT_SECONDS - time.monotonic()))
    deadline = time.monotonic() + 2 * memory.SWEEP_SECONDS + 5
    while not back(now := rss_mb(pid), peak) and time.monotonic() < deadline:
        time.sleep(1)
    return peak, now, time.monotonic() - closed
