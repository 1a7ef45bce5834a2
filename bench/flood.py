"""Flood benchmark: one client opens many of the heaviest sessions a link can ask for against one process.

Issue 17: a script speaking Streamlit's websocket protocol (``bench/load.py``'s
``Session``, no browser) opened 40 sessions of ``HEAVY`` (8 hidden layers of 16,
7 features, 2000 points, a race of 4, 100 epochs per frame) and took gigabytes
(bench/README.md).  This bench, on one server process (``tests.servers.streamlit_server``):

1. a default student opens the page and plays; their snapshot rate over
   ``--seconds`` is the rate *alone*;
2. ``--sessions`` heavy sessions open (``SETUP_PARALLEL`` at a time) and play;
   sessions beyond the server's cap (``NNPG_MAX_SESSIONS``, ``--max-sessions``)
   get the full page and are counted as refused;
3. with everything playing, the student's rate over ``--seconds`` again (the
   *flooded* rate; its ratio to the rate alone, target >= 80 %), the heavy
   sessions' snapshots, batches and epochs a second together, and a new
   default visitor's first run: from opening the websocket to the end of the
   page's first run (target <= 3 s);
4. the server's RSS growth from before the heavy sessions to the end (target
   <= 500 MB), and the largest websocket message any session received (for
   ``server.maxMessageSize``).

With ``--proxy`` every session goes through the deployment's nginx
(``tests.proxy.nginx``, the template of ``deploy/``), each after a first visit
of the page for its own route cookie, as a script would to get past the limits
per cookie.

Every figure shares 2 cores with the client and whatever else runs: report the
machine's load beside them.

    python bench/flood.py                    # 40 heavy sessions, 20 s windows
    python bench/flood.py --proxy            # the same through nginx
    python bench/flood.py --sessions 10 --seconds 10 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import QUERY, SETUP_PARALLEL, Session, delivery, rss_mb  # noqa: E402
from tests.proxy import nginx  # noqa: E402
from tests.servers import streamlit_server  # noqa: E402

HEAVY = ("hidden=16,16,16,16,16,16,16,16&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2&n_samples=2000"
         "&train_ratio=0.9&speed=100&epochs=100000&race=learning_rate:0.3/0.1/0.03/0.01")
TARGETS = {"rss_growth_mb": 500.0, "first_run_s": 3.0, "student_share": 0.8}


async def rate(session, seconds):
    """Snapshots a second the session receives over the next ``seconds``."""
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    t1 = time.monotonic()
    return delivery(session.batches, t0, t1)[0] / (t1 - t0)


async def flood(port, pid, n, seconds, warmup, proxy=False):
    """The figures of one flood (see the module docstring); every session is closed at the end.  ``port``
    is the server's, or nginx's with ``proxy``; ``pid`` the server's."""
    student = Session(port, QUERY, proxy=proxy)
    heavy = [Session(port, HEAVY, role="heavy", proxy=proxy) for _ in range(n)]
    visitor = Session(port, QUERY, proxy=proxy)
    gate = asyncio.Semaphore(SETUP_PARALLEL)
    refused = []

    async def open_and_play(s):
        async with gate:
            await s.open()
        if s.refused:  # the full page
            refused.append(s)
            return
        await s.play()

    try:
        await student.open()
        await student.play()
        await asyncio.sleep(warmup)
        alone = await rate(student, seconds)
        rss0, t_setup = rss_mb(pid), time.monotonic()
        results = await asyncio.gather(*(open_and_play(s) for s in heavy), return_exceptions=True)
        setup_s = time.monotonic() - t_setup
        failed = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, Exception)]
        await asyncio.sleep(warmup)
        flooded = await rate(student, seconds)
        t = time.monotonic()
        await visitor.open()
        first_run_s = time.monotonic() - t
        rss1 = rss_mb(pid)
        playing = [delivery(s.batches, t - seconds, t) for s in heavy if s not in refused]
        everyone = [student, visitor, *heavy]
        return {"sessions": n, "proxy": proxy, "refused": len(refused), "failed": len(failed),
                "first_failure": failed[:1],
                "setup_s": setup_s, "rss_mb_before": rss0, "rss_mb_after": rss1, "rss_growth_mb": rss1 - rss0,
                "rss_mb_per_session": (rss1 - rss0) / max(n - len(refused), 1),
                "student_alone": alone, "student_flooded": flooded, "student_share": flooded / max(alone, 1e-9),
                "heavy_snapshots_per_s": [d[0] / seconds for d in playing][:3],
                "heavy_total_per_s": {what: sum(d[k] for d in playing) / seconds
                                      for k, what in enumerate(("snapshots", "batches", "epochs"))},
                "visitor_first_run_s": first_run_s, "visitor_refused": visitor.refused,
                "largest_message_kb": max(s.largest_message for s in everyone) / 1e3,
                "errors": [s.error for s in everyone if s.error][:3],
                "load_average": os.getloadavg()}
    finally:
        await asyncio.gather(*(s.close() for s in [student, visitor, *heavy]), return_exceptions=True)


def run(n, seconds, warmup, max_sessions=None, proxy=False):
    """Start a server (with ``NNPG_MAX_SESSIONS`` = ``max_sessions`` if given; with ``proxy``, nginx in front
    of it), flood it, stop it."""
    os.environ.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    if max_sessions is not None:
        os.environ["NNPG_MAX_SESSIONS"] = str(max_sessions)
    limit = 120 + 3 * n + 2 * (seconds + warmup)
    with streamlit_server() as (url, proc), contextlib.ExitStack() as stack:
        port = int(url.rsplit(":", 1)[1])
        if proxy:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            proxy_url, _ = stack.enter_context(nginx(tmp, [port]))
            port = int(proxy_url.rsplit(":", 1)[1])
        return asyncio.run(asyncio.wait_for(flood(port, proc.pid, n, seconds, warmup, proxy), limit))


def report(r):
    """The figures as lines of text, each beside its target."""
    def mark(ok):
        return "ok" if ok else "MISSED"
    total = r["heavy_total_per_s"]
    return "\n".join([
        f"{r['sessions']} heavy sessions from one client{' through nginx' if r['proxy'] else ''} "
        f"({r['refused']} refused by the cap, {r['failed']} failed"
        f"{': ' + r['first_failure'][0] if r['first_failure'] else ''}), opened and playing in {r['setup_s']:.1f} s",
        f"RSS {r['rss_mb_before']:.0f} -> {r['rss_mb_after']:.0f} MB: +{r['rss_growth_mb']:.0f} MB "
        f"({r['rss_mb_per_session']:.1f} MB a session; target <= {TARGETS['rss_growth_mb']:g} MB: "
        f"{mark(r['rss_growth_mb'] <= TARGETS['rss_growth_mb'])})",
        f"default student: {r['student_alone']:.1f} snapshots/s alone, {r['student_flooded']:.1f} beside them = "
        f"{r['student_share']:.0%} (target >= {TARGETS['student_share']:.0%}: "
        f"{mark(r['student_share'] >= TARGETS['student_share'])})",
        f"new default visitor's first run: {r['visitor_first_run_s']:.2f} s"
        + (" (refused: the server is full)" if r["visitor_refused"] else
           f" (target <= {TARGETS['first_run_s']:g} s: {mark(r['visitor_first_run_s'] <= TARGETS['first_run_s'])})"),
        f"heavy sessions' snapshots/s (first 3): {', '.join(f'{x:.1f}' for x in r['heavy_snapshots_per_s'])}; "
        f"all of them: {total['snapshots']:.1f} snapshots, {total['batches']:.1f} batches, {total['epochs']:.1f} "
        f"epochs a second; largest websocket message {r['largest_message_kb']:.0f} kB",
        f"load average {', '.join(f'{x:.1f}' for x in r['load_average'])} (2 cores, shared)"
        + (f"; errors: {r['errors']}" if r["errors"] else "")])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=40, help="heavy sessions (1-200)")
    ap.add_argument("--seconds", type=float, default=20, help="measurement window of the student's rate")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of playing before each window")
    ap.add_argument("--max-sessions", type=int, help="the server's cap (NNPG_MAX_SESSIONS); default: the app's")
    ap.add_argument("--proxy", action="store_true", help="through the deployment's nginx")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 200:
        ap.error("--sessions: between 1 and 200")
    with contextlib.suppress(KeyboardInterrupt):
        r = run(args.sessions, args.seconds, args.warmup, args.max_sessions, args.proxy)
        print(json.dumps(r, indent=1) if args.json else report(r))


if __name__ == "__main__":
    main()
