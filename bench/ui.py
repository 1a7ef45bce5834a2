"""UI benchmark: what a real browser paints while playing, beside TensorFlow Playground in the same browser.

Starts ``streamlit run app.py`` on a free port and serves the built TensorFlow
Playground (/work/shared/tfpg, ``python -m http.server`` on another free port),
then opens each page, one at a time, in one headless Chromium (Debian's).  A
probe installed before any page script runs (``add_init_script``) counts, on
every animation frame:

* ``frames``: requestAnimationFrame callbacks (what the browser paints; 60 a
  second when the page keeps up);
* the page's own draw counter and the epoch it shows: for this app the live
  component's counters (``frames`` and ``epoch`` in the ``dataset`` of its root
  element ``.nnpg-live``, see ``ui/live_view.py``), for TensorFlow Playground
  the calls to ``putImageData`` (its heatmaps) and the text of ``#iter-number``.

Only changes are recorded, so the probe costs a frame almost nothing.  From
these, over a window of ``--seconds`` after Play:

* frames/s and draws/s; distinct epochs on screen per second;
* bytes per second received on the websocket (Playwright's ``framereceived``);
* for this app, the component's own counts of snapshots and batches received
  per second, and its mounts (more than one: a remount, a defect);
* server CPU per playing session (utime+stime of the server from /proc, 100 % = one core);
* pause latency: the page clicks Pause itself (``performance.now()`` at the
  click) and the latency is the last change of the draw counter or the epoch
  after it, once the picture stayed still for ``STILL_MS``;
* the epoch shown as text beside the picture (the live view's numbers) against the picture's: how often
  it changes, how far apart they are;
* page load to the first picture: navigation start to the first frame whose
  draw counter is above zero, on a server that has already served one page
  (its first run imports the app), and where that time goes, step by step
  (``FIRST_PICTURE_STEPS``): Streamlit's page and scripts until its websocket
  opens; the session's start (its first message); the app's first run up to
  the message that holds the live component; Streamlit's component code and
  the mount, until the live view's modules are asked for; the modules
  (Resource Timing); and the first batch decoded and drawn.

Requests to any host but 127.0.0.1 are refused (no internet here; TensorFlow
Playground's fonts would otherwise hang its load).  The machine's 2 cores are
shared: figures are noisy, compare the ratios of one run.

    python bench/ui.py             # table
    python bench/ui.py --json      # JSON
    python bench/ui.py --seconds 5 --cases default
    python bench/ui.py --cases default --panel performance   # with How well it does open (it follows training)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import LIVE_COMPONENT, cpu_seconds  # noqa: E402
from playground.params import PANELS  # noqa: E402
from tests.browser import chromium  # noqa: E402
from tests.servers import free_port, serving, streamlit_server  # noqa: E402

TFPG_DIR = Path("/work/shared/tfpg")
PLAYING = "epochs=100000"  # no case reaches the epoch limit while measured
CASES = {
    "default": "",
    "6x8 7 features": "hidden=8,8,8,8,8,8&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2",
    "8x16": "hidden=16,16,16,16,16,16,16,16",
    "race of 3 on spiral": "dataset=spiral&race=optimizer:sgd/momentum/adam",  # three networks, one canvas
}
TARGETS = {"default": 40, "6x8 7 features": 30, "8x16": 20}  # distinct epochs on screen per second (issue 12)
STILL_MS = 500  # a picture unchanged this long after Pause is still
SETTLE_S = 1.5  # playing before the window opens

# The probe: the page's reader() gives [draw count, epoch shown] (null when the page has no picture yet).
PROBE = """(() => {
  const probe = window.__probe = {frames: 0, samples: [], firstDraw: null, canvasDraws: 0, wsOpen: null,
                                  firstMessage: null, liveMessage: null};
  // where the first picture's time goes: the websocket's opening, its first message, the first message that
  // holds the live component (its registered name in the bytes)
  const name = new TextEncoder().encode(LIVE_NAME);
  const holdsName = (data) => {
    const bytes = new Uint8Array(data);
    search: for (let i = 0; i + name.length <= bytes.length; i++) {
      for (let j = 0; j < name.length; j++) if (bytes[i + j] !== name[j]) continue search;
      return true;
    }
    return false;
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { if (probe.wsOpen === null) probe.wsOpen = performance.now(); });
      this.addEventListener('message', (event) => {
        const t = performance.now();
        if (probe.firstMessage === null) probe.firstMessage = t;
        if (probe.liveMessage === null && event.data instanceof ArrayBuffer && holdsName(event.data)) {
          probe.liveMessage = t;
        }
      });
    }
  };
  const proto = CanvasRenderingContext2D.prototype, put = proto.putImageData;
  proto.putImageData = function (...args) { probe.canvasDraws++; return put.apply(this, args); };
  const reader = READER;
  let last = '';
  const frame = (t) => {
    probe.frames++;
    const now = reader();
    if (now) {
      if (probe.firstDraw === null && now[0] > 0) probe.firstDraw = t;
      const key = now.join(' ');
      if (key !== last) { last = key; probe.samples.push([t, ...now]); }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()""".replace("LIVE_NAME", json.dumps(LIVE_COMPONENT))
# the page times (ms) of the first picture's steps: the probe's, and when the live view's modules were asked for
# and had all arrived (Resource Timing)
FIRST_PICTURE_MARKS = """() => {
  const p = window.__probe;
  const modules = performance.getEntriesByType('resource').filter((e) => e.name.includes('/static/live_view/'));
  return {websocket_open: p.wsOpen, first_message: p.firstMessage, live_message: p.liveMessage,
          modules_asked: modules.length ? Math.min(...modules.map((e) => e.startTime)) : null,
          modules_loaded: modules.length ? Math.max(...modules.map((e) => e.responseEnd)) : null,
          first_draw: p.firstDraw};
}"""
FIRST_PICTURE_STEPS = (  # (step, the mark it ends at), in order from navigation start
    ("Streamlit's page and scripts", "websocket_open"),
    ("session start", "first_message"),
    ("first run up to the live picture", "live_message"),
    ("Streamlit's component code, mount", "modules_asked"),
    ("live view modules", "modules_loaded"),
    ("first batch drawn", "first_draw"),
)
# this app: the live component's own counters, and the epoch its numbers show beside the picture
APP_READER = """() => {
  const root = document.querySelector('.nnpg-live'), shown = root && root.querySelector('.nnpg-readout dd');
  const text = shown ? Number(shown.textContent.split(' ')[0].replace(/,/g, '')) : null;
  return root && root.dataset.frames !== undefined ? [Number(root.dataset.frames), root.dataset.epoch, text] : null;
}"""
# this app: what the component received, and how often it was mounted
APP_COUNTERS = """() => {
  const d = (document.querySelector('.nnpg-live') || {dataset: {}}).dataset;
  return {snapshots: Number(d.snapshots), batches: Number(d.batches), mounts: (window.__nnpg || {}).mounts};
}"""
# TensorFlow Playground: its heatmap draws and its epoch counter
TFPG_READER = """() => {
  const it = document.getElementById('iter-number');
  return it ? [window.__probe.canvasDraws, it.textContent] : null;
}"""
NOW = "() => [performance.now(), window.__probe.frames]"
CLICK = """(selector) => {
  const target = selector.startsWith('#') ? document.querySelector(selector)
    : [...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith(selector));
  const t = performance.now();
  target.click();
  return t;
}"""


# -- pure: from the probe's samples to figures --

def readout_in_step(samples, t0, t1):
    """How the epoch shown as text follows the picture between page times t0 and t1 (ms): its changes per
    second, and the distance in epochs from the picture's epoch (median and largest, over the animation
    frames at which either changed).  ``samples`` are ``[t, draws, picture epoch, text epoch]``."""
    inside = [s for s in samples if t0 < s[0] <= t1 and len(s) > 3 and s[3] is not None]
    if not inside:
        return {}
    changes = sum(a[3] != b[3] for a, b in zip(inside, inside[1:]))
    gaps = sorted(abs(float(s[2]) - s[3]) for s in inside)
    return {"text_changes_per_s": changes / ((t1 - t0) / 1e3), "text_gap_median": gaps[len(gaps) // 2],
            "text_gap_max": gaps[-1]}


def window_rates(samples, t0, t1):
    """Draws and distinct epochs per second between page times t0 and t1 (ms).

    ``samples`` are ``[t, draws, epoch]``, recorded at each change and ordered
    by time.  Distinct epochs are those first shown inside the window.
    """
    before = [s for s in samples if s[0] <= t0]
    inside = [s for s in samples if t0 < s[0] <= t1]
    draws0 = before[-1][1] if before else 0
    draws1 = inside[-1][1] if inside else draws0
    shown_before = {s[2] for s in before}
    epochs = {s[2] for s in inside} - shown_before
    seconds = (t1 - t0) / 1e3
    return {"draws_per_s": (draws1 - draws0) / seconds, "epochs_per_s": len(epochs) / seconds}


def first_picture_steps(marks):
    """Seconds each step of ``FIRST_PICTURE_STEPS`` took, from navigation start (page time 0) to the first
    draw, from the page times (ms) in ``marks``; a step whose mark is missing (None) is left out and the next
    one counts from the last mark there is."""
    steps, last = {}, 0.0
    for step, mark in FIRST_PICTURE_STEPS:
        if marks.get(mark) is not None:
            steps[step] = (marks[mark] - last) / 1e3
            last = marks[mark]
    return steps


def still_latency(samples, t_click, t_end, still_ms=STILL_MS):
    """Seconds from a click (page time, ms) to the last change of the picture, None if it never stayed still.

    Still means no change of the draw counter or the epoch during the
    ``still_ms`` before ``t_end``.
    """
    last_change = max((s[0] for s in samples if s[0] > t_click), default=t_click)
    if t_end - last_change < still_ms:
        return None
    return (last_change - t_click) / 1e3


# -- servers --

@contextlib.contextmanager
def static_server(directory, timeout=20):
    """``python -m http.server`` for ``directory`` on a free loopback port; yields its URL."""
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "http.server", url.rsplit(":", 1)[1], "--bind", "127.0.0.1",
               "--directory", str(directory)]
    with serving(command, f"{url}/index.html", timeout=timeout):
        yield url


# -- one page --

def open_page(browser, url, reader, width=1600, height=1000):
    """A page with the probe installed before its scripts, websocket bytes counted (outside hosts are refused
    by the browser: ``CHROMIUM_ARGS``; a Playwright route would delay each of the page's ~130 requests)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(PROBE.replace("READER", reader))
    received = [0]

    def count(payload):
        received[0] += len(payload)

    page.on("websocket", lambda ws: ws.on("framereceived", count))
    page.goto(url, wait_until="domcontentloaded")
    return page, received


def measure(page, received, play, pause, seconds, server_pid=None, counters=None):
    """Click ``play``, measure for ``seconds``, click ``pause``; the figures of one page (``counters``: a
    function of the page giving its own counts of snapshots and batches received)."""
    page.wait_for_function("window.__probe.firstDraw !== null", timeout=60_000)
    first_draw, ws_open = page.evaluate("[window.__probe.firstDraw, window.__probe.wsOpen]")
    marks = page.evaluate(FIRST_PICTURE_MARKS)
    time.sleep(1.0)  # the page settles after its first picture
    page.evaluate(CLICK, play)
    time.sleep(SETTLE_S)

    def reading():
        """Page time (ms) and frames, bytes received, the page's own counts, server CPU and wall time (s)."""
        return (*page.evaluate(NOW), received[0], page.evaluate(counters) if counters else None,
                cpu_seconds(server_pid) if server_pid else 0.0, time.monotonic())

    t0, frames0, bytes0, got0, cpu0, wall0 = reading()
    time.sleep(seconds)
    t1, frames1, bytes1, got1, cpu1, wall1 = reading()
    t_click = page.evaluate(CLICK, pause)
    time.sleep(max(2.0, 3 * STILL_MS / 1e3))
    t_end = page.evaluate(NOW)[0]
    samples = page.evaluate("window.__probe.samples")
    wall = wall1 - wall0
    received_per_s = {f"{k}_per_s": (got1[k] - got0[k]) / wall for k in ("snapshots", "batches")} if counters else {}
    return {
        "frames_per_s": (frames1 - frames0) / ((t1 - t0) / 1e3),
        **window_rates(samples, t0, t1),
        **readout_in_step(samples, t0, t1),
        "ws_kb_per_s": (bytes1 - bytes0) / wall / 1e3,
        "server_cpu": (cpu1 - cpu0) / wall if server_pid else None,
        "pause_s": still_latency(samples, t_click, t_end),
        "first_picture_s": first_draw / 1e3,
        "websocket_open_s": ws_open / 1e3 if ws_open is not None else None,
        "first_picture_steps": first_picture_steps(marks),
        "epoch_reached": samples[-1][2] if samples else None,
        **received_per_s,
        **({"mounts": got1["mounts"]} if counters else {}),
    }


def open_panel(page, panel):
    """Open the panel named ``panel`` (a name of ``params.PANELS``) once the page shows its picture."""
    page.wait_for_function("window.__probe.firstDraw !== null", timeout=60_000)
    page.get_by_text(PANELS[panel], exact=True).click()
    time.sleep(2.0)  # the page's run that draws the panel


def run(cases, seconds, panel=None):
    """Every case of this app (with ``panel`` open), then TensorFlow Playground, in one browser."""
    results = {}
    with streamlit_server() as (url, proc), static_server(TFPG_DIR) as tfpg_url, chromium() as browser:
        warm, _ = open_page(browser, f"{url}/?{PLAYING}", APP_READER)  # the server's first run imports the app
        warm.wait_for_function("window.__probe.firstDraw !== null", timeout=60_000)
        warm.close()
        for name in cases:
            query = "&".join(q for q in (CASES[name], PLAYING) if q)
            page, received = open_page(browser, f"{url}/?{query}", APP_READER)
            try:
                if panel:
                    open_panel(page, panel)
                results[name] = measure(page, received, "Play", "Pause", seconds, proc.pid, APP_COUNTERS)
            except Exception as e:  # noqa: BLE001  (one failed case must not hide the others)
                results[name] = {"error": f"{type(e).__name__}: {e}"}
            finally:
                page.close()
        page, received = open_page(browser, f"{tfpg_url}/index.html", TFPG_READER)
        try:
            results["TensorFlow Playground"] = measure(page, received, "#play-pause-button",
                                                       "#play-pause-button", seconds)
        finally:
            page.close()
    return results


def table(results):
    """The results as a text table, each case beside TensorFlow Playground."""
    ref = results.get("TensorFlow Playground", {})
    lines = [f"{'case':22s} {'frames/s':>8s} {'draws/s':>8s} {'epochs/s':>8s} {'vs TFPG':>7s} {'target':>6s} "
             f"{'kB/s ws':>7s} {'server CPU':>10s} {'pause':>6s} {'first pic':>9s} "
             f"{'snap/s':>6s} {'bat/s':>5s} {'mounts':>6s} {'text/s':>6s} {'gap':>7s}"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"{name:22s} failed: {r['error']}")
            continue
        ratio = r["epochs_per_s"] / ref["epochs_per_s"] if ref.get("epochs_per_s") else float("nan")
        cpu = f"{r['server_cpu']:10.0%}" if r["server_cpu"] is not None else f"{'-':>10s}"
        pause = f"{r['pause_s']:5.2f}s" if r["pause_s"] is not None else f"{'moving':>6s}"
        target = f"{TARGETS[name]:6d}" if name in TARGETS else f"{'':6s}"
        got = (f"{r['snapshots_per_s']:6.1f} {r['batches_per_s']:5.1f} {r['mounts']:6d}" if "mounts" in r
               else f"{'-':>6s} {'-':>5s} {'-':>6s}")
        text = (f" {r['text_changes_per_s']:6.1f} {r['text_gap_median']:3.0f}/{r['text_gap_max']:<3.0f}"
                if "text_changes_per_s" in r else f" {'-':>6s} {'-':>7s}")
        lines.append(f"{name:22s} {r['frames_per_s']:8.1f} {r['draws_per_s']:8.1f} {r['epochs_per_s']:8.1f} "
                     f"{ratio:6.2f}x {target} {r['ws_kb_per_s']:7.1f} {cpu} {pause} {r['first_picture_s']:8.2f}s "
                     f"{got}{text}")
    lines += ["frames/s: requestAnimationFrame callbacks; draws/s: the page's draw counter (this app: the component's;",
              "TFPG: putImageData calls); epochs/s: distinct epochs on screen; pause: click to the last change;",
              "first pic: navigation start to the first draw; snap/s, bat/s: what the component received; mounts:",
              "more than 1 is a remount; text/s: changes of the epoch shown as text beside the picture; gap: its",
              "distance from the picture's epoch, median/largest.  Targets (issue 12): epochs/s as listed, server CPU",
              "<= 5 %, <= 30 kB/s, pause <= 0.2 s, first picture <= 1.2 s; (issue 19) text >= 30/s, gap <= 2."]
    for name, r in results.items():
        if name != "TensorFlow Playground" and r.get("first_picture_steps"):
            lines.append(f"first picture of {name}, step by step: "
                         + ", ".join(f"{step} {s:.2f} s" for step, s in r["first_picture_steps"].items()))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=8, help="measurement window per case")
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    ap.add_argument("--panel", choices=tuple(PANELS), help="open this panel under the picture before Play")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if unknown := [c for c in cases if c not in CASES]:
        ap.error(f"unknown case {unknown[0]!r}")
    results = run(cases, args.seconds, args.panel)
    print(json.dumps(results, indent=1) if args.json else table(results))


if __name__ == "__main__":
    main()
