"""Class load: one teacher's dashboard and N students playing in a class, against one server process or two.

The students are ``bench/load.py``'s browserless tabs (Streamlit's own protocol, the live component's flow
control), each opening a class's link with a seat that already joined (``?join=CODE&seat=...``: the store's
``join`` is called here first, on the same SQLite file the servers use, ``NNPG_DATA_DIR``), then pressing Play. A
playing student's live fragment writes what it does to the class every tick (``state.CLASS_TICK_SECONDS``) and
reads what the teacher shows (``ui/class_page.follow_class``); a paused one's banner does it with a fragment timer
(``run_every``), which this client plays as the browser does (a ``rerun_script`` of that fragment,
``is_auto_rerun``, every interval the server names). The teacher is one more tab on the dashboard's link
(``?teach=CODE&key=KEY``), whose table is a fragment with such a timer, redrawn every 1.5 s.

Reported for each case, over a window of ``--seconds`` after a warm-up:

* the students' snapshots delivered per second (median, slowest), and the same students without a class
  (``load.run_case``, the same servers and query): the share kept (target: within 10 %);
* the dashboard's refresh: the time from the timer's rerun request to the end of that fragment run (median,
  slowest), and the interval between finished refreshes (median, longest; target <= 2 s at 60 students);
* database writes a second: every student's ``last_seen`` is polled from the database 4 times a second, and
  each new value is one write (an activity, or a challenge result); the writes the students meant to do
  (one a tick each) for comparison;
* server CPU (100 % = one core).

    python bench/class_load.py                        # 60 students, one process then two
    python bench/class_load.py --students 10 --seconds 10 --servers 1
    python bench/class_load.py --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load  # noqa: E402  (the protocol client)
from classroom import codes, store  # noqa: E402
from tests.servers import streamlit_server  # noqa: E402
from ui import state  # noqa: E402

STUDENTS = 60
QUERY = load.QUERY
TARGETS = {"share": 0.9, "refresh_s": 2.0}


class ClassTab(load.Session):
    """A tab that plays the fragment timers the page asks for (``auto_rerun``), as the browser does, and
    records how long each timed run of a fragment took (``timed``: seconds from request to finish)."""

    def __init__(self, port, query, role):
        super().__init__(port, query, role)
        self.timers = {}  # fragment id -> its task
        self.asked = {}  # fragment id -> when its timed rerun was sent
        self.timed = []  # (finished at, seconds it took)

    def handle(self, msg):
        if msg.WhichOneof("type") == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid not in self.timers:
                self.timers[fid] = self._spawn(self._timer(fid, interval))
            return
        if msg.WhichOneof("type") == "script_finished":
            now = time.monotonic()
            for fid in msg.metadata.run.fragment_ids:
                if fid in self.asked:
                    self.timed.append((now, now - self.asked.pop(fid)))
        super().handle(msg)

    async def _timer(self, fragment_id, interval):
        try:
            while True:
                await asyncio.sleep(interval)
                msg = load.rerun_message(self.query_string, self.page_script_hash, list(self.widgets.values()),
                                         f"http://{load.HOST}:{self.port}/", fragment_id, self.cache)
                msg.rerun_script.is_auto_rerun = True
                self.asked.setdefault(fragment_id, time.monotonic())
                await self.ws.send(msg.SerializeToString())
        except Exception as e:  # noqa: BLE001  (report it in the results)
            self.error = self.error or f"{type(e).__name__}: {e}"


class TeacherTab(ClassTab):
    """The dashboard's tab: no Play button, no live picture; it only watches."""

    async def open(self, resume=None):
        self.ws = await load.connect(f"ws://{load.HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                     origin=f"http://{load.HOST}:{self.port}", max_size=None, ping_interval=None,
                                     compression=None, open_timeout=30)
        self._spawn(self.receive())
        await self.send_rerun()
        await self._wait(self.first_run)

    async def play(self):
        return None


def poll_writes(db_file, stop, counts):
    """Count each new ``last_seen`` of every student (one write each) until ``stop`` is set."""
    seen = {}
    with contextlib.closing(sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=2)) as db:
        while not stop.is_set():
            for sid, last in db.execute("SELECT id, last_seen FROM students"):
                if sid in seen and seen[sid] != last:
                    counts.append(time.monotonic())
                seen[sid] = last
            stop.wait(0.25)


def class_case(n, seconds, warmup, servers):
    """``n`` students in a class and its teacher's dashboard on ``servers`` processes (student i on server
    i mod servers, the teacher on the first); always cleans up."""
    setup_limit = 30 + 3 * (n + 1)
    os.environ.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    with tempfile.TemporaryDirectory(prefix="nnpg-class-") as data, contextlib.ExitStack() as stack:
        os.environ["NNPG_DATA_DIR"] = data
        db = store.open_store(data)
        code, key = db.create_class("Load test", QUERY)
        seats = []
        for i in range(n):
            seats.append(codes.new_seat())
            db.join(code, f"student {i + 1}", seats[-1])
        db.engine.dispose()
        running = [stack.enter_context(streamlit_server()) for _ in range(servers)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _ in running]
        teacher = TeacherTab(ports[0], f"teach={code}&key={key}", "teacher")
        students = [ClassTab(ports[i % servers], f"join={code}&seat={seat}&{QUERY}", "default")
                    for i, seat in enumerate(seats)]
        stop, writes = threading.Event(), []
        poller = threading.Thread(target=poll_writes, args=(Path(data) / "classes.sqlite3", stop, writes))
        poller.start()
        try:
            coro = load._case(ports, [proc.pid for _, proc in running], [teacher, *students], seconds, warmup,
                              setup_limit, clicks=False)
            started = time.monotonic()
            result = asyncio.run(asyncio.wait_for(coro, 2 * setup_limit + warmup + seconds + 30))
            ended = time.monotonic()
        finally:
            stop.set()
            poller.join()
    window = (ended - seconds - 1, ended - 1)  # about the measurement window (the sessions close after it)
    refreshes = [t for t in teacher.timed if window[0] <= t[0] <= window[1]]
    finished = [t for t, _ in refreshes]
    gaps = [b - a for a, b in zip(finished, finished[1:])]
    in_window = [t for t in writes if window[0] <= t <= window[1]]
    result.update({
        "students": n, "setup_to_end_s": ended - started,
        "refresh_s_median": statistics.median(s for _, s in refreshes) if refreshes else None,
        "refresh_s_max": max((s for _, s in refreshes), default=None),
        "refresh_interval_s_median": statistics.median(gaps) if gaps else None,
        "refresh_interval_s_max": max(gaps, default=None),
        "db_writes_per_s": len(in_window) / (window[1] - window[0]),
        "db_writes_meant_per_s": n / state.CLASS_TICK_SECONDS,
    })
    return result


def compare(n, seconds, warmup, servers):
    """The class case and the same students without a class; the share of their snapshot rate kept."""
    with_class = class_case(n, seconds, warmup, servers)
    alone = load.run_case(n, seconds, warmup, QUERY, servers)
    return {"students": n, "servers": servers, "class": with_class, "alone": alone,
            "share_median": with_class["snapshots_per_s_median"] / max(alone["snapshots_per_s_median"], 1e-9),
            "share_min": with_class["snapshots_per_s_min"] / max(alone["snapshots_per_s_min"], 1e-9)}


def row(r):
    c, a = r["class"], r["alone"]

    def s(x):
        return "-" if x is None else f"{x:.2f}"
    return (f"{r['students']:4d} {r['servers']:3d}  {c['snapshots_per_s_median']:6.1f} {c['snapshots_per_s_min']:5.1f}"
            f"  {a['snapshots_per_s_median']:6.1f} {a['snapshots_per_s_min']:5.1f}  {r['share_median']:5.0%}"
            f" {r['share_min']:5.0%}  {s(c['refresh_s_median']):>5s} {s(c['refresh_s_max']):>5s}"
            f"  {s(c['refresh_interval_s_median']):>5s} {s(c['refresh_interval_s_max']):>5s}"
            f"  {c['db_writes_per_s']:6.1f} {c['db_writes_meant_per_s']:6.1f}  {c['server_cpu']:5.0%}"
            + (f"  errors: {c['errors'][0]}" if c["errors"] else ""))


HEADER = ("   N srv  class snap/s min   alone snap/s min  kept  min   refresh s max  interval max"
          "  writes/s meant   CPU")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=STUDENTS)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--servers", default="1,2", help="comma-separated numbers of server processes")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.students <= store.MAX_STUDENTS:
        ap.error(f"--students: between 1 and {store.MAX_STUDENTS}")
    results = [compare(args.students, args.seconds, args.warmup, int(k)) for k in args.servers.split(",")]
    if args.json:
        print(json.dumps(results, indent=1, default=str))
        return
    print("\n".join([HEADER, *map(row, results),
                     "class/alone snap/s: snapshots a student received per second (median, slowest) in the class",
                     "and without it; kept: their share (target >= "
                     f"{TARGETS['share']:.0%}); refresh: the dashboard's timed run, request to end (s); interval:",
                     f"between finished refreshes (target <= {TARGETS['refresh_s']:g} s); writes/s: to the class "
                     "database, and the students' one per tick; CPU: the servers', 100 % = one core."]))


if __name__ == "__main__":
    main()
