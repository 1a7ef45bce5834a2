"""Load benchmark: N concurrent sessions all playing against one local server; update rate and server CPU.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (``tests.browser``)
and opens N sessions that each do what a browser tab does, without a browser
(30 Chromium tabs on 2 cores would measure Chromium, not the server):

* a websocket to ``ws://127.0.0.1:PORT/_stcore/stream`` speaking Streamlit's
  protobuf protocol with Streamlit's own classes (BackMsg / ForwardMsg);
* the first run (``rerun_script`` with the URL's query string), then a click
  on Play (``rerun_script`` whose widget states hold every widget's current
  value, mirrored from the received elements as the frontend's widget manager
  does, plus the Play button's ``trigger_value``);
* the fragment timers: for each ``auto_rerun`` ForwardMsg, every ``interval``
  seconds a ``rerun_script`` with that ``fragment_id`` and ``is_auto_rerun``,
  sent on a fixed timer whether or not a run is in progress (the frontend's
  ``setInterval``; the server coalesces requests that arrive during a run);
  timers stop on ``stop_auto_rerun`` and on a full run's ``new_session``;
* the browser's message cache (cacheable elements kept by hash, their hashes
  sent with every rerun, ``ref_hash`` answers resolved, entries aged out as the
  frontend does) and an HTTP GET of every new ``/media/`` picture (keep-alive,
  at most 6 connections per session, as a browser per host).

Every tab is opened first (its first run), then Play is pressed in all of
them at once.  An *update* is a new value of the "Epoch" metric reaching a
session: what the page shows changes.  After every Play run has finished and
a warm-up, updates are counted per session over a fixed window.  ``ep/upd``
(epochs per update; the default trains 5 per tick) shows whether any tick
was lost on the way (5.0: none).  Server CPU is utime+stime of the server process from /proc (100 % = one
core), and ms/upd that CPU per update; RSS its VmRSS before the sessions connect and after the window.  The
CPU of this load generator and of everything else on the machine
(/proc/stat) are reported too: all share the same cores.

Everything is bounded: loopback only, N sessions, a hard time limit per case;
connections are closed and the server stopped at the end of every case.  The
default configuration is played with ``epochs=100000`` so that no session
reaches the epoch limit (and stops) during the measurement.  The server runs
without Streamlit's file watcher, which drops the app's modules when a source
file changes and would break runs if the tree is edited meanwhile
(STREAMLIT_SERVER_FILE_WATCHER_TYPE in the environment overrides this).

    python bench/load.py                       # N = 1, 5, 10, 30; table
    python bench/load.py --sessions 1,5 --seconds 10
    python bench/load.py --sessions 30 --servers 2
    python bench/load.py --json

``--servers K`` starts K server processes and binds session i to server
i mod K, as a load balancer with sticky sessions does (without the balancer's
own cost): one process per core, as the README's hosting notes advise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402  (a dependency of streamlit)

from tests.browser import streamlit_server  # noqa: E402

HOST = "127.0.0.1"  # the only address this benchmark ever talks to
SESSIONS = (1, 5, 10, 30)
QUERY = "epochs=100000"
GOAL_SESSIONS, GOAL_RATE = 30, 2.0
MAX_MEDIA_CONNECTIONS = 6
SETUP_PARALLEL = 3  # sessions opening (first run) at the same time

FINISHED = ForwardMsg.ScriptFinishedStatus
_CLK = os.sysconf("SC_CLK_TCK")


# -- /proc --

def cpu_seconds(pid):
    """utime + stime of a process (all its threads), seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_busy_seconds():
    """CPU seconds spent not idle by all cores together (/proc/stat)."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / _CLK  # minus idle and iowait


# -- HTTP: the pictures a browser would fetch --

class MediaClient:
    """Keep-alive HTTP/1.1 GETs to the server, at most ``limit`` connections at once."""

    def __init__(self, port, limit=MAX_MEDIA_CONNECTIONS):
        self.port = port
        self.idle = []
        self.slots = asyncio.Semaphore(limit)
        self.bytes = self.fetched = self.errors = 0

    async def get(self, path):
        async with self.slots:
            conn = self.idle.pop() if self.idle else await asyncio.open_connection(HOST, self.port)
            try:
                status, nbytes, keep = await self._request(*conn, path)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                conn[1].close()
                self.errors += 1
                return
            if keep:
                self.idle.append(conn)
            else:
                conn[1].close()
            self.bytes += nbytes
            self.fetched += 1
            self.errors += status != 200

    async def _request(self, reader, writer, path):
        writer.write((f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                      "Accept: image/avif,image/webp,image/apng,image/*,*/*;q=0.8\r\n"
                      "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n").encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        keep = headers.get("connection", "").lower() != "close"
        if headers.get("transfer-encoding", "").lower() == "chunked":
            nbytes = 0
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                nbytes += len(await reader.readexactly(size + 2)) - 2
            await reader.readuntil(b"\r\n")
        elif "content-length" in headers:
            nbytes = len(await reader.readexactly(int(headers["content-length"])))
        else:
            nbytes, keep = len(await reader.read()), False
        return status, nbytes, keep

    def close(self):
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


# -- widget states as the frontend reports them --

def widget_state(kind, el):
    """The WidgetState a browser holds for a freshly drawn widget element (None: it holds none)."""
    ws = WidgetState(id=el.id)
    if kind == "slider":
        if el.type == el.SELECT_SLIDER:
            values = list(el.raw_value) if el.set_value and el.raw_value else [
                el.options[int(i)] for i in (el.value if el.set_value else el.default)]
            ws.string_array_value.data.extend(values)
        else:
            ws.double_array_value.data.extend(el.value if el.set_value else el.default)
    elif kind == "selectbox":
        if el.HasField("raw_value"):
            ws.string_value = el.raw_value
        elif el.HasField("default") and el.default < len(el.options):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "number_input":
        value = el.value if el.HasField("value") else el.default if el.HasField("default") else None
        if value is None:
            return None
        if el.data_type == el.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = value
    elif kind == "checkbox":
        ws.bool_value = el.value if el.set_value else el.default
    elif kind == "button_group":
        values = list(el.raw_values) if el.set_value else [el.options[i].content for i in el.default]
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend(values)
    elif kind == "multiselect":
        values = list(el.raw_values) if el.set_value else [el.options[i] for i in el.default]
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend(values)
    elif kind == "file_uploader":
        ws.file_uploader_state_value.SetInParent()
    else:  # buttons send a trigger only when clicked; charts without a selection nothing
        return None
    return ws


# -- one browser tab --

class Session:
    """One emulated browser tab: websocket, widget states, message cache, fragment timers, pictures."""

    def __init__(self, port, query):
        self.port, self.query_string = port, query
        self.page_script_hash = ""
        self.ws = None
        self.media = MediaClient(port)
        self.widgets = {}  # id -> WidgetState, in drawing order
        self.seen_widgets = set()
        self.cache = {}  # hash -> [ForwardMsg, run count when last used, fragment id]
        self.cache_runs, self.max_cache_age = 0, 2
        self.timers = {}  # fragment id -> (interval, task)
        self.run_fragments = []
        self.play_id = self.play_label = None
        self.last_epoch = None
        self.updates = []  # (monotonic time, epoch)
        self.ws_bytes = 0
        self.first_run = asyncio.Event()
        self.full_run = asyncio.Event()  # set when a full run finishes
        self.playing = asyncio.Event()
        self.tasks = set()
        self.error = None

    # sending

    async def send_rerun(self, fragment_id="", auto=False, trigger=None):
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query_string
        rs.page_script_hash = self.page_script_hash
        rs.widget_states.SetInParent()
        rs.widget_states.widgets.extend(self.widgets.values())
        if trigger:
            rs.widget_states.widgets.add(id=trigger, trigger_value=True)
        if fragment_id:
            rs.fragment_id = fragment_id
        rs.is_auto_rerun = auto
        rs.cached_message_hashes.extend(self.cache)
        ci = rs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url, ci.is_embedded, ci.color_scheme = f"http://{HOST}:{self.port}/", False, "light"
        await self.ws.send(msg.SerializeToString())

    async def _timer(self, fragment_id, interval):
        """``setInterval``: a rerun request every ``interval`` s, busy server or not (no bursts when late)."""
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while True:
            await asyncio.sleep(max(due - loop.time(), 0))
            await self.send_rerun(fragment_id, auto=True)
            due = max(due + interval, loop.time())

    def _stop_timer(self, fragment_id):
        timer = self.timers.pop(fragment_id, None)
        if timer:
            timer[1].cancel()

    def _spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # receiving

    async def receive(self):
        try:
            async for data in self.ws:
                self.ws_bytes += len(data)
                self.handle(ForwardMsg.FromString(data))
        except Exception as e:  # noqa: BLE001  (report it in the results)
            self.error = self.error or f"{type(e).__name__}: {e}"

    def handle(self, msg):
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                self.error = self.error or f"message cache miss {msg.ref_hash}"
                return
            entry[1] = self.cache_runs
            cached = ForwardMsg()
            cached.CopyFrom(entry[0])
            cached.metadata.CopyFrom(msg.metadata)
            msg, kind = cached, cached.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash and msg.hash not in self.cache:
            self.cache[msg.hash] = [msg, self.cache_runs, msg.delta.fragment_id or None]

        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
            self.max_cache_age = msg.new_session.config.max_cached_message_age
            self.run_fragments = list(msg.metadata.run.fragment_ids)
            if not self.run_fragments:  # a full run: the frontend drops every fragment timer
                for fid in list(self.timers):
                    self._stop_timer(fid)
                self.seen_widgets = set()
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self.element(msg.delta.new_element)
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid and self.timers.get(fid, (None,))[0] != interval:
                self._stop_timer(fid)
                self.timers[fid] = (interval, self._spawn(self._timer(fid, interval)))
                self.playing.set()
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fid)
        elif kind == "script_finished":
            self.finished(msg)

    def element(self, el):
        kind = el.WhichOneof("type")
        body = getattr(el, kind)
        if kind == "metric" and body.label == "Epoch" and body.body != self.last_epoch:
            self.last_epoch = body.body  # what the page shows changes now
            self.updates.append((time.monotonic(), int(body.body.replace(",", ""))))
        elif kind == "exception":
            self.error = self.error or f"the app raised {body.type}: {body.message}"
        elif kind == "imgs":
            for img in body.imgs:
                if img.url.startswith("/media/"):
                    self._spawn(self.media.get(img.url))
        wid = getattr(body, "id", "") if kind != "imgs" else ""
        if not wid:
            return
        self.seen_widgets.add(wid)
        if kind == "button" and wid.endswith(("-play", "-pause")):  # Play/Pause, whichever is shown
            self.play_label = body.label
            if wid.endswith("-play"):
                self.play_id = wid
        # a widget keeps the value it holds unless the server sets one (set_value)
        state = widget_state(kind, body)
        if state is not None and (wid not in self.widgets or getattr(body, "set_value", False)):
            self.widgets[wid] = state

    def finished(self, msg):
        status = msg.script_finished
        if status != FINISHED.FINISHED_EARLY_FOR_RERUN:  # the frontend's cache ageing
            self.cache_runs += 1
            fids = list(msg.metadata.run.fragment_ids)
            for h, (_, used, fid) in list(self.cache.items()):
                if fids and (not fid or fid not in fids):
                    continue
                if self.cache_runs - used > self.max_cache_age:
                    del self.cache[h]
        if status == FINISHED.FINISHED_SUCCESSFULLY and not self.run_fragments:
            # widgets not drawn by a full run are removed from the widget manager
            self.widgets = {k: v for k, v in self.widgets.items() if k in self.seen_widgets}
            self.first_run.set()
            self.full_run.set()

    def epoch_at(self, t):
        """The epoch the page shows at time t."""
        shown = [epoch for when, epoch in self.updates if when <= t]
        return shown[-1] if shown else 0

    # life cycle

    async def open(self):
        """Connect and run the app (the first page load)."""
        self.ws = await connect(f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                origin=f"http://{HOST}:{self.port}", max_size=None, ping_interval=None,
                                compression=None, open_timeout=30)
        self._spawn(self.receive())
        await self.send_rerun()
        await self._wait(self.first_run)
        if self.play_id is None or self.play_label != "Play":
            raise RuntimeError(f"no Play button after the first run (found {self.play_label!r})")

    async def play(self):
        """Click Play; returns when the run it causes has finished and the fragment timers run."""
        self.full_run.clear()
        await self.send_rerun(trigger=self.play_id)
        await self._wait(self.full_run)
        await self._wait(self.playing)
        if self.play_label != "Pause":
            raise RuntimeError(f"Play did not start playing (the button reads {self.play_label!r})")

    async def _wait(self, event):
        while not event.is_set():
            if self.error:
                raise RuntimeError(self.error)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), 0.5)

    async def close(self):
        for fid in list(self.timers):
            self._stop_timer(fid)
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.media.close()


# -- one case: N sessions --

async def _case(ports, pids, n, seconds, warmup, query, setup_limit):
    sessions = [Session(ports[i % len(ports)], query) for i in range(n)]  # sticky: a session keeps its server
    gate = asyncio.Semaphore(SETUP_PARALLEL)

    def cpu():
        return sum(map(cpu_seconds, pids))

    def rss():
        return sum(map(rss_mb, pids))

    rss_before = rss()
    t_setup = time.monotonic()

    async def start(s):
        async with gate:
            await s.open()

    async def all_of(coros, limit):
        """Run the coroutines together for at most ``limit`` s; raise the first error; count the late."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        failed = [t.exception() for t in done if t.exception()]
        if failed:
            raise RuntimeError(f"setup failed: {failed[0]}")
        return len(pending)

    try:
        # every tab open first (the first runs), then Play pressed in all of them at once
        if late := await all_of([start(s) for s in sessions], setup_limit):
            raise RuntimeError(f"setup failed: {late} of {n} sessions not open after {setup_limit:.0f} s")
        # a server too slow to finish every Play run in time is measured all the same: the sessions
        # whose run did not finish stay connected (and count, with whatever they receive)
        not_playing = await all_of([s.play() for s in sessions], setup_limit)
        setup_s = time.monotonic() - t_setup
        await asyncio.sleep(warmup)

        t0, cpu0, busy0, own0 = time.monotonic(), cpu(), machine_busy_seconds(), time.process_time()
        marks = [(s.ws_bytes, s.media.bytes, s.media.fetched, s.media.errors) for s in sessions]
        await asyncio.sleep(seconds)
        t1, cpu1, busy1, own1 = time.monotonic(), cpu(), machine_busy_seconds(), time.process_time()
        wall = t1 - t0
        rss_after = rss()
        errors = [s.error for s in sessions if s.error]
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    counts = [sum(t0 <= t <= t1 for t, _ in s.updates) for s in sessions]
    rates = [c / wall for c in counts]
    epochs = sum(s.epoch_at(t1) - s.epoch_at(t0) for s in sessions)
    total = max(sum(counts), 1)
    return {
        "sessions": n,
        "servers": len(ports),
        "updates_per_s_median": statistics.median(rates),
        "updates_per_s_min": min(rates),
        "updates_per_s_total": sum(counts) / wall,
        "epochs_per_update": epochs / total,
        "server_cpu": (cpu1 - cpu0) / wall,
        "server_cpu_ms_per_update": 1e3 * (cpu1 - cpu0) / total,
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
        "client_cpu": (own1 - own0) / wall,
        "other_cpu": max((busy1 - busy0 - cpu1 + cpu0 - own1 + own0) / wall, 0.0),
        "ws_kb_per_update": sum(s.ws_bytes - m[0] for s, m in zip(sessions, marks)) / total / 1e3,
        "media_kb_per_update": sum(s.media.bytes - m[1] for s, m in zip(sessions, marks)) / total / 1e3,
        "media_fetches": sum(s.media.fetched - m[2] for s, m in zip(sessions, marks)),
        "media_errors": sum(s.media.errors - m[3] for s, m in zip(sessions, marks)),
        "not_playing": not_playing,
        "setup_s": setup_s,
        "window_s": wall,
        "errors": errors,
    }


def run_case(n, seconds=20.0, warmup=3.0, query=QUERY, servers=1):
    """Start ``servers`` servers, open ``n`` playing sessions spread over them, measure for ``seconds``;
    always cleans up."""
    setup_limit = 30 + 3 * n  # for opening every session, then again for pressing Play in all
    # no file watcher (see the module docstring); the environment may say otherwise
    os.environ.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(streamlit_server()) for _ in range(servers)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _ in running]
        coro = _case(ports, [proc.pid for _, proc in running], n, seconds, warmup, query, setup_limit)
        return asyncio.run(asyncio.wait_for(coro, 2 * setup_limit + warmup + seconds + 30))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default=",".join(map(str, SESSIONS)),
                    help="comma-separated numbers of concurrent sessions (default 1,5,10,30)")
    ap.add_argument("--seconds", type=float, default=20, help="measurement window per case")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of playing before the window")
    ap.add_argument("--query", default=QUERY, help="the URL query string every session opens")
    ap.add_argument("--servers", type=int, default=1,
                    help="server processes, each session bound to one (as behind a sticky load balancer)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    counts = [int(x) for x in args.sessions.split(",") if x.strip()]
    if any(not 1 <= c <= 100 for c in counts):
        ap.error("--sessions: each between 1 and 100")
    if not 1 <= args.servers <= 8:
        ap.error("--servers: between 1 and 8")
    results = []
    for n in counts:
        try:
            results.append(run_case(n, args.seconds, args.warmup, args.query, args.servers))
        except Exception as e:  # noqa: BLE001  (one failed case must not hide the others)
            results.append({"sessions": n, "error": f"{type(e).__name__}: {e}"})
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'N':>3s} {'upd/s med':>9s} {'min':>5s} {'total':>6s} {'server CPU':>10s} "
          f"{'ms/upd':>7s} {'RSS MB':>11s} {'client':>6s} {'other':>6s} {'kB/upd':>7s} {'ep/upd':>6s}")
    for r in results:
        if "error" in r:
            print(f"{r['sessions']:3d} failed: {r['error']}")
            continue
        print(f"{r['sessions']:3d} {r['updates_per_s_median']:9.2f} {r['updates_per_s_min']:5.2f} "
              f"{r['updates_per_s_total']:6.1f} {r['server_cpu']:10.0%} "
              f"{r['server_cpu_ms_per_update']:7.1f} {r['rss_mb_before']:5.0f}>{r['rss_mb_after']:<5.0f} "
              f"{r['client_cpu']:6.0%} {r['other_cpu']:6.0%} "
              f"{r['ws_kb_per_update'] + r['media_kb_per_update']:7.1f} {r['epochs_per_update']:6.1f}"
              + (f"  ({r['not_playing']} sessions not yet playing)" if r["not_playing"] else "")
              + (f"  errors: {r['errors'][0]}" if r["errors"] else ""))
    print("upd/s: new Epoch values a session received per second (median, min over sessions; total);")
    print("ms/upd: server CPU per update (all sessions).")
    print(f"CPU: 100 % = one core of {os.cpu_count()}; 'other' = the rest of the machine during the window.")
    if args.servers > 1:
        print(f"{args.servers} server processes, sessions spread over them in turn; server CPU and RSS are their sums.")
    print(f"goal: {GOAL_SESSIONS} sessions each >= {GOAL_RATE:g} updates/s")


if __name__ == "__main__":
    main()
