"""UI benchmark: updates per second that reach a real browser, bytes per update, server CPU per session.

Starts ``streamlit run app.py`` on a free port, opens the playground in
headless Chromium (Debian's), presses Play and, inside the page, counts the
changes of the "Epoch" metric (a MutationObserver, so the measuring costs the
browser nothing between updates).  Bytes are what the browser receives: the
websocket frames plus the images they reference.  Server CPU is read from
/proc for the server process.

    python bench/ui.py            # table
    python bench/ui.py --json     # JSON
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import chromium, streamlit_server  # noqa: E402

CASES = {
    "default (2-4-2-1 tanh)": "",
    "6 hidden layers of 8, 7 features": "?hidden=8,8,8,8,8,8&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2",
}
COUNT_UPDATES = """() => {
  window.__updates = [];
  const seen = () => {
    const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes('Epoch'));
    return m ? m.querySelector('[data-testid="stMetricValue"]').innerText : null;
  };
  let last = seen();
  new MutationObserver(() => {
    const now = seen();
    if (now !== last) { last = now; window.__updates.push([performance.now(), now]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


PAUSE = """() => new Promise(resolve => {
  const button = () => [...document.querySelectorAll('button')].find(b => /Pause|Play/.test(b.innerText));
  const t0 = performance.now();
  button().click();
  const check = () => button() && button().innerText.includes('Play') ? resolve(performance.now() - t0)
                                                                     : setTimeout(check, 10);
  check();
})"""


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(browser, url, seconds):
    page = browser.new_page(viewport={"width": 1600, "height": 1250})
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.on("response", lambda r: received.append(int(r.headers.get("content-length", 0)))
            if "/media/" in r.url else None)
    page.goto(url)
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
    time.sleep(3)
    page.evaluate(COUNT_UPDATES)
    page.get_by_role("button", name="Play", exact=True).click()
    time.sleep(1.0)  # let playing settle
    return page, received


def run_case(query, seconds):
    with streamlit_server() as (url, proc), chromium() as browser:
        page, received = measure(browser, url + "/" + query, seconds)
        start_updates = page.evaluate("window.__updates.length")
        start_bytes, cpu0, t0 = sum(received), cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        n = page.evaluate("window.__updates.length") - start_updates
        wall = time.monotonic() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        nbytes = sum(received) - start_bytes
        epochs = page.evaluate("window.__updates.slice(-1)[0][1]")
        pause_s = page.evaluate(PAUSE) / 1000
    return {"updates_per_s": n / wall, "bytes_per_update": nbytes / max(n, 1),
            "server_cpu_per_s": cpu / wall, "pause_s": pause_s, "epoch_reached": epochs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=8)
    args = ap.parse_args()
    results = {name: run_case(q, args.seconds) for name, q in CASES.items()}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'case':36s} {'updates/s':>10s} {'kB/update':>10s} {'server CPU':>11s} {'pause':>7s}")
    for name, r in results.items():
        print(f"{name:36s} {r['updates_per_s']:10.1f} {r['bytes_per_update'] / 1e3:10.1f} "
              f"{r['server_cpu_per_s']:10.0%} {r['pause_s']:6.2f}s")
    print("target: >= 8 updates/s for the default config, pause within 0.5 s")


if __name__ == "__main__":
    main()
