"""Load benchmark: N concurrent sessions all playing against one local server, fed as the live component is.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (``tests.servers``)
and opens N sessions that each do what a browser tab does, without a browser
(30 Chromium tabs on 2 cores would measure Chromium, not the server):

* a websocket to ``ws://127.0.0.1:PORT/_stcore/stream`` speaking Streamlit's
  protobuf protocol with Streamlit's own classes (BackMsg / ForwardMsg);
* the first run (``rerun_script`` with the URL's query string), then a click
  on Play (``rerun_script`` whose widget states hold every widget's current
  value, mirrored from the received elements as the frontend's widget manager
  does, plus the Play button's ``trigger_value``);
* the live component (``nnpg_live``, ``static/live_view/main.js``): every batch
  it receives is decoded with ``playground.batch.decode``; while its
  ``meta["playing"]``, its snapshots join a queue drawn at main.js's pace:
  what the queue holds after a batch over the last request's wait and
  ``LOW_SECONDS`` more, at most ``DRAW_RATE`` snapshots a second (one per
  animation frame).  As main.js does, once the queue would not last that
  long at that pace and no request is pending (or the last one went
  unanswered for ``REQUEST_TIMEOUT`` s), the client asks for the next batch
  with ``setTriggerValue("need", {...})``: a
  ``rerun_script`` with the fragment's id, every widget state, and the
  component's trigger widget ``$$STREAMLIT_INTERNAL_KEY_<component id>__events``
  holding the JSON list ``[{"event":"need","value":{...}}]`` (the message
  Chromium sends, captured from Streamlit 1.67's frontend with Playwright;
  ``tests/test_bench.py`` holds the captured frame);
* the browser's message cache (cacheable elements kept by hash, their hashes
  sent with every rerun, ``ref_hash`` answers resolved, entries aged out as
  the frontend does) and an HTTP GET of every ``/media/`` file (keep-alive, at
  most 6 connections).  The app has no fragment timer (``run_every``): a
  session that receives one reports an error, as this client does not play it.

Every tab is opened first (its first run), then Play is pressed in all of
them at once.  After a warm-up, a window of ``--seconds``: *snapshots
delivered* per second per session (median and slowest), batches per second,
snapshots per batch, epochs the page advances per second, bytes received.
Server CPU is utime+stime of the server process from /proc (100 % = one core),
ms/batch that CPU per batch delivered; RSS its VmRSS before the sessions
connect and after the window.  The CPU of this load generator and of
everything else on the machine (/proc/stat) are reported too: all share the
same cores, so every figure is noisy.

``--fairness`` adds the case of issue 11: one maximal session (``HEAVY``)
plus N default sessions.  It measures the N default sessions alone, then with
the heavy one playing, and reports their rate with it as a share of their
rate without it (target >= 80 %); then, with everything still playing, it
clicks Pause in every session in turn (the heavy one last) and reports the
click's latency: from sending the click to the end of the run it causes,
with the button reading Play again (target <= 0.5 s).

Everything is bounded: loopback only, N sessions, a hard time limit per case;
connections are closed and the server stopped at the end of every case.
Sessions play with ``epochs=100000`` so that none reaches the epoch limit
during the measurement.  The server runs without Streamlit's file watcher,
which drops the app's modules when a source file changes and would break runs
if the tree is edited meanwhile (STREAMLIT_SERVER_FILE_WATCHER_TYPE in the
environment overrides this).

    python bench/load.py                       # N = 1, 5, 10, 30; table
    python bench/load.py --sessions 1,5 --seconds 10
    python bench/load.py --sessions 30 --servers 2
    python bench/load.py --sessions 5 --fairness
    python bench/load.py --json

``--servers K`` starts K server processes and binds session i to server
i mod K, as a load balancer with sticky sessions does (without the balancer's
own cost): one process per core, as the README's hosting notes advise.

``--proxy`` puts the deployment's nginx in front of them instead
(``deploy/nginx/playground.conf.template``, run by ``tests.proxy`` as
tests/test_deploy.py runs it) and lets its stickiness do the binding: each
session first GETs the page through the proxy, as a browser's first visit
does, keeps the route cookie nginx sets, and sends it with its websocket and
every ``/media/`` GET.  The access log says which process served each route:
the case reports how many sessions the cookie hash gave each process (and
fails a session that reached more than one), and nginx's own CPU.

    python bench/load.py --sessions 30 --servers 2 --proxy
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402  (a dependency of streamlit)

from playground import batch  # noqa: E402
from tests.proxy import COOKIE, nginx, route_cookie, served_by  # noqa: E402
from tests.servers import streamlit_server  # noqa: E402
from ui.capacity import FULL_TEXT  # noqa: E402

HOST = "127.0.0.1"  # the only address this benchmark ever talks to
SESSIONS = (1, 5, 10, 30)
QUERY = "epochs=100000"
HEAVY = ("hidden=16,16,16,16,16,16,16,16&features=x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2"
         "&n_samples=2000&train_ratio=0.9&batch_size=1&speed=100&epochs=100000")
LIVE_COMPONENT = "nnpg_live"  # the component's registered name
NEED = "need"  # the trigger it sets to ask for the next batch
DRAW_RATE = 60.0  # snapshots a browser draws per second at most: one per animation frame
LOW_SECONDS = 0.25  # main.js's: the queue is paced to last this much longer than a request's wait
REQUEST_TIMEOUT = 5.0  # main.js asks again when a request went unanswered this long (REQUEST_TIMEOUT_MS)
TARGETS = {"median": 20.0, "slowest": 15.0, "two servers": 40.0, "fairness": 0.8, "click_s": 0.5}
MAX_MEDIA_CONNECTIONS = 6
IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
SETUP_PARALLEL = 3  # sessions opening (first run) at the same time
CLICK_LIMIT = 60.0  # seconds a click may take before it counts as lost

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


def with_children(pid):
    """The process and its children (nginx: the master and its workers)."""
    with contextlib.suppress(OSError):
        return [pid, *map(int, open(f"/proc/{pid}/task/{pid}/children").read().split())]
    return [pid]


def machine_busy_seconds():
    """CPU seconds spent not idle by all cores together (/proc/stat)."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / _CLK  # minus idle and iowait


# -- HTTP: the pictures a browser would fetch --

def read_head(head):
    """Status and ``[(lowercase name, value)]`` of an HTTP response's head (its bytes up to the blank line)."""
    status, *lines = head.decode("latin-1").split("\r\n")
    fields = (line.partition(":") for line in lines if line)
    return int(status.split()[1]), [(name.strip().lower(), value.strip()) for name, _, value in fields]


async def http_get(reader, writer, port, path, accept="*/*", cookie=None):
    """One HTTP/1.1 GET on an open connection: ``(status, body bytes, keep-alive, headers)``."""
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: {accept}\r\n"
                  + (f"Cookie: {COOKIE}={cookie}\r\n" if cookie else "")
                  + "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n").encode())
    await writer.drain()
    status, header_list = read_head(await reader.readuntil(b"\r\n\r\n"))
    headers = dict(header_list)
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
    return status, nbytes, keep, header_list


async def first_visit(port):
    """The route cookie a browser's first GET of the page receives through the proxy."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        status, _, _, headers = await http_get(reader, writer, port, "/", accept="text/html,*/*;q=0.8")
    finally:
        writer.close()
    route = route_cookie(v for k, v in headers if k == "set-cookie")
    if status != 200 or route is None:
        raise RuntimeError(f"the first visit through the proxy got {status} and no {COOKIE} cookie")
    return route


class MediaClient:
    """Keep-alive HTTP/1.1 GETs to the server, at most ``limit`` connections at once (with the route cookie
    ``cookie``, if any)."""

    def __init__(self, port, limit=MAX_MEDIA_CONNECTIONS):
        self.port = port
        self.cookie = None
        self.idle = []
        self.slots = asyncio.Semaphore(limit)
        self.bytes = self.fetched = self.errors = 0

    async def get(self, path):
        async with self.slots:
            conn = self.idle.pop() if self.idle else await asyncio.open_connection(HOST, self.port)
            try:
                status, nbytes, keep, _ = await http_get(*conn, self.port, path, IMAGE_ACCEPT, self.cookie)
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


# -- the messages a tab sends, and what it makes of a batch --

def trigger_state(component_id, event, value):
    """The WidgetState the frontend sends when a v2 component calls ``setTriggerValue(event, value)``.

    One widget per component instance gathers its triggers: its id is the
    component's with Streamlit's internal prefix and ``__events``; its value a
    JSON list of ``{"event", "value"}`` (compact, as ``JSON.stringify`` writes it).
    """
    return WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{component_id}__events",
                       json_trigger_value=json.dumps([{"event": event, "value": value}], separators=(",", ":")))


def rerun_message(query_string, page_script_hash, widgets, url, fragment_id="", cached=()):
    """The ``rerun_script`` BackMsg of a browser tab: its widget states, the fragment to run (none: the whole
    app), the message hashes it caches, its context."""
    msg = BackMsg()
    rs = msg.rerun_script
    rs.query_string = query_string
    rs.page_script_hash = page_script_hash
    rs.widget_states.SetInParent()
    rs.widget_states.widgets.extend(widgets)
    if fragment_id:
        rs.fragment_id = fragment_id
    rs.cached_message_hashes.extend(cached)
    ci = rs.context_info
    ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
    ci.url, ci.is_embedded, ci.color_scheme = url, False, "light"
    return msg


def count_batch(data):
    """``(snapshots, last epoch or None, meta)`` of a batch's bytes, read as the browser reads them: a race's
    batch holds a row per racer for each snapshot (each picture)."""
    decoded = batch.decode(data)
    n = len(decoded.stats) // len(decoded.meta.get("racers") or [None])
    return n, (int(decoded.stats[:, batch.STATS.index("epoch")].max()) if n else None), decoded.meta


class DrawQueue:
    """The snapshots a tab has received and not yet drawn: drained at ``rate`` a second while not empty (a new
    rate applies from the last ``add`` on)."""

    def __init__(self, rate=DRAW_RATE):
        self.rate = rate
        self.left, self.at = 0.0, 0.0

    def level(self, now):
        """Snapshots still to draw at time ``now``."""
        return max(self.left - (now - self.at) * self.rate, 0.0)

    def add(self, n, now):
        self.left, self.at = self.level(now) + n, now

    def seconds_until(self, level, now):
        """Seconds from ``now`` until at most ``level`` snapshots are left (0: already)."""
        return max(self.level(now) - level, 0.0) / self.rate

    def ran_dry(self, now):
        """When the queue last ran empty, if it is empty at ``now`` after holding snapshots; else None."""
        dry = self.at + self.left / self.rate
        return dry if self.at and dry < now else None


def still_seconds(spells, t0, t1):
    """Seconds of ``(start, end)`` spells between t0 and t1, and the longest spell that overlaps them."""
    overlapping = [(s, e) for s, e in spells if e > t0 and s < t1]
    return (sum(min(e, t1) - max(s, t0) for s, e in overlapping),
            max((e - s for s, e in overlapping), default=0.0))


def delivery(batches, t0, t1):
    """Snapshots and batches received between t0 and t1, and the epochs the page advanced meanwhile.

    ``batches`` are ``(time, snapshots, last epoch or None, ...)`` in order of arrival.
    """
    inside = [b for b in batches if t0 <= b[0] <= t1]

    def epoch_at(t):
        shown = [b[2] for b in batches if b[0] <= t and b[2] is not None]
        return shown[-1] if shown else 0

    return sum(b[1] for b in inside), len(inside), epoch_at(t1) - epoch_at(t0)


# -- one browser tab --

class Session:
    """One emulated browser tab: websocket, widget states, message cache, the live component's queue.

    ``proxy``: ``port`` is nginx's, and the tab first visits the page to get its route cookie (``route``).
    """

    def __init__(self, port, query, role="default", proxy=False):
        self.port, self.query_string, self.role, self.proxy = port, query, role, proxy
        self.route = None
        self.page_script_hash = ""
        self.ws = None
        self.media = MediaClient(port)
        self.widgets = {}  # id -> WidgetState, in drawing order
        self.seen_widgets = set()
        self.cache = {}  # hash -> [ForwardMsg, run count when last used, fragment id]
        self.cache_runs, self.max_cache_age = 0, 2
        self.run_fragments = []
        self.buttons = {}  # key -> widget id
        self.play_label = None  # "Play" or "Pause", whichever the page shows
        self.live_id = self.live_fragment = None
        self.meta = {}  # of the last batch
        self.batches = []  # (monotonic time, snapshots, last epoch, bytes of the batch)
        self.last_epoch = -1
        self.queue = DrawQueue()
        self.still = []  # (start, end): the picture stood still, playing, its queue empty until a batch came
        self.answered = asyncio.Event()  # a batch came since the last request
        self.need_sent = None  # when the pending request for a batch was sent
        self.wait = 0.0  # seconds a request takes to be answered (main.js's running average)
        self.unanswered = 0  # requests asked again after REQUEST_TIMEOUT
        self.ws_bytes = 0
        self.largest_message = 0  # bytes of the largest websocket message received
        self.refused = False  # the server was full: its page says so (ui/capacity.py)
        self.session_id = None  # the server's id of this session (a reconnecting tab names it to resume)
        self.first_run = asyncio.Event()
        self.full_run = asyncio.Event()  # set when a full run finishes
        self.tasks = set()
        self.error = None

    # sending

    async def send_rerun(self, fragment_id="", extra=()):
        msg = rerun_message(self.query_string, self.page_script_hash, [*self.widgets.values(), *extra],
                            f"http://{HOST}:{self.port}/", fragment_id, self.cache)
        await self.ws.send(msg.SerializeToString())

    async def _ask(self):
        """main.js's flow control: while playing, once the queue runs low, ask for a batch and wait for it."""
        try:
            while True:
                low = max(2.0, self.queue.rate * (self.wait + LOW_SECONDS))
                await asyncio.sleep(self.queue.seconds_until(low, time.monotonic()))
                self.answered.clear()
                if not self.meta.get("playing"):
                    await self.answered.wait()
                    continue
                self.need_sent = time.monotonic()
                queued = max(0, round(self.queue.level(self.need_sent) - self.queue.rate * self.wait))
                need = {"have": self.last_epoch, "stream": self.meta.get("stream"), "queued": queued,
                        "fps": round(DRAW_RATE), "data_id": self.meta.get("data_id")}
                await self.send_rerun(self.live_fragment, extra=[trigger_state(self.live_id, NEED, need)])
                try:
                    await asyncio.wait_for(self.answered.wait(), REQUEST_TIMEOUT)
                except asyncio.TimeoutError:
                    self.unanswered += 1
        except Exception as e:  # noqa: BLE001  (report it in the results)
            self.error = self.error or f"{type(e).__name__}: {e}"

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
                self.largest_message = max(self.largest_message, len(data))
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
            self.session_id = msg.new_session.initialize.session_id
            self.page_script_hash = msg.new_session.page_script_hash
            self.max_cache_age = msg.new_session.config.max_cached_message_age
            self.run_fragments = list(msg.metadata.run.fragment_ids)
            if not self.run_fragments:  # a full run: widgets it does not draw are dropped at its end
                self.seen_widgets = set()
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self.element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "auto_rerun":
            self.error = self.error or "the app started a fragment timer (run_every), which this client does not play"
        elif kind == "script_finished":
            self.finished(msg)

    def element(self, el, fragment_id):
        kind = el.WhichOneof("type")
        body = getattr(el, kind)
        if kind == "bidi_component" and body.component_name.endswith(LIVE_COMPONENT):
            self.live_id, self.live_fragment = body.id, fragment_id
            n, epoch, self.meta = count_batch(body.bytes)
            now = time.monotonic()
            self.batches.append((now, n, epoch, len(body.bytes)))
            if not self.meta.get("playing"):  # paused: the picture is this batch's, nothing queued
                self.queue = DrawQueue()
            else:
                if (dry := self.queue.ran_dry(now)) is not None:
                    self.still.append((dry, now))
                if self.need_sent is not None:
                    self.wait = 0.5 * self.wait + 0.5 * (now - self.need_sent)
                self.queue.add(n, now)
                self.queue.rate = min(DRAW_RATE, max(1.0, self.queue.level(now) / (self.wait + LOW_SECONDS)))
            self.need_sent = None
            self.last_epoch = self.last_epoch if epoch is None else epoch
            self.answered.set()
        elif kind == "exception":
            self.error = self.error or f"the app raised {body.type}: {body.message}"
        elif kind == "markdown" and FULL_TEXT in body.body:
            self.refused = True
        elif kind == "imgs":
            for img in body.imgs:
                if img.url.startswith("/media/"):
                    self._spawn(self.media.get(img.url))
        wid = getattr(body, "id", "") if kind != "imgs" else ""
        if not wid:
            return
        self.seen_widgets.add(wid)
        if kind == "button":
            self.buttons[wid.rsplit("-", 1)[-1]] = wid
            if wid.endswith(("-play", "-pause")):  # Play/Pause, whichever is shown
                self.play_label = body.label
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

    # life cycle

    async def open(self, resume=None):
        """Connect and run the app (the first page load); ``resume``: the id of a session to resume, as a
        reconnecting tab names it (the third entry of its websocket subprotocols)."""
        if self.proxy:
            self.route = self.media.cookie = await first_visit(self.port)
        protocols = ["streamlit", "xsrf-unused", resume] if resume else ["streamlit"]
        self.ws = await connect(f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=protocols,
                                origin=f"http://{HOST}:{self.port}", max_size=None, ping_interval=None,
                                compression=None, open_timeout=30,
                                additional_headers={"Cookie": f"{COOKIE}={self.route}"} if self.route else None)
        self._spawn(self.receive())
        self._spawn(self._ask())
        await self.send_rerun()
        await self._wait(self.first_run)
        if self.refused:
            return
        if self.play_label != "Play" or self.live_id is None:
            raise RuntimeError(f"no Play button and live picture after the first run (found {self.play_label!r})")

    async def click(self, key):
        """Click the button ``key``; seconds until the run it causes has finished."""
        self.full_run.clear()
        t = time.monotonic()
        await self.send_rerun(extra=[WidgetState(id=self.buttons[key], trigger_value=True)])
        await asyncio.wait_for(self._wait(self.full_run), CLICK_LIMIT)
        return time.monotonic() - t

    async def play(self):
        """Click Play; seconds until the run it causes has finished, or None if that took over ``CLICK_LIMIT``
        (the session stays connected, and counts with whatever it receives)."""
        try:
            seconds = await self.click("play")
        except asyncio.TimeoutError:
            return None
        if self.play_label != "Pause":
            raise RuntimeError(f"Play did not start playing (the button reads {self.play_label!r})")
        return seconds

    async def pause(self):
        """Click Pause; seconds until the page shows Play again."""
        seconds = await self.click("pause")
        if self.play_label != "Play":
            raise RuntimeError(f"Pause did not stop playing (the button reads {self.play_label!r})")
        return seconds

    async def _wait(self, event):
        while not event.is_set():
            if self.error:
                raise RuntimeError(self.error)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), 0.5)

    async def close(self):
        for task in list(self.tasks):  # nothing sends on a closing websocket
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        self.media.close()


# -- one case: sessions playing together --

def group_figures(sessions, marks, t0, t1):
    """Per-session delivery of a group of sessions over the window, summarised."""
    wall = t1 - t0
    per = [delivery(s.batches, t0, t1) for s in sessions]
    still = [still_seconds(s.still, t0, t1) for s in sessions]
    rates = [snaps / wall for snaps, _, _ in per]
    batches = sum(b for _, b, _ in per)
    ws_bytes = sum(s.ws_bytes - m for s, m in zip(sessions, marks))
    batch_bytes = sum(b[3] for s in sessions for b in s.batches if t0 <= b[0] <= t1)
    return {
        "sessions": len(sessions),
        "snapshots_per_s_median": statistics.median(rates),
        "snapshots_per_s_min": min(rates),
        "snapshots_per_s_total": sum(rates),
        "batches_per_s": batches / wall,
        "snapshots_per_batch": sum(s for s, _, _ in per) / max(batches, 1),
        "epochs_per_s_median": statistics.median(e / wall for _, _, e in per),
        "kb_per_s_per_session": ws_bytes / len(sessions) / wall / 1e3,
        "kb_per_batch": ws_bytes / max(batches, 1) / 1e3,  # all the websocket brought, per batch
        "batch_kb_per_batch": batch_bytes / max(batches, 1) / 1e3,  # of which the batch's own bytes
        "requests_asked_again": sum(s.unanswered for s in sessions),
        "still_share_median": statistics.median(seconds / wall for seconds, _ in still),
        "still_longest_s": max(longest for _, longest in still),
    }


def sessions_per_server(routes, served, ports):
    """How many of the sessions (their route cookies) nginx's access log (``served_by``) shows on each server
    port, and the routes it shows on no server or on more than one."""
    counts = dict.fromkeys(ports, 0)
    unstuck = []
    for route in routes:
        upstreams = served.get(route, set())
        if len(upstreams) == 1 and (port := int(next(iter(upstreams)).rsplit(":", 1)[1])) in counts:
            counts[port] += 1
        else:
            unstuck.append(route)
    return list(counts.values()), unstuck


async def _case(ports, pids, sessions, seconds, warmup, setup_limit, clicks, proxy=None):
    """``proxy``: nginx's ``(pids, access log path)`` when the sessions go through it."""
    gate = asyncio.Semaphore(SETUP_PARALLEL)
    proxy_pids = proxy[0] if proxy else []

    def cpu():
        return sum(map(cpu_seconds, pids))

    def proxy_cpu():
        return sum(map(cpu_seconds, proxy_pids))

    def rss():
        return sum(map(rss_mb, pids))

    rss_before = rss()
    t_setup = time.monotonic()

    async def start(s):
        async with gate:
            await s.open()

    async def all_of(coros, limit):
        """Run the coroutines together for at most ``limit`` s; raise the first error; the results, in order,
        and how many were late (their result: None)."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        failed = [t.exception() for t in done if t.exception()]
        if failed:
            raise RuntimeError(f"setup failed: {type(failed[0]).__name__}: {failed[0]}")
        return [t.result() if t in done else None for t in tasks], len(pending)

    try:
        # every tab open first (the first runs), then Play pressed in all of them at once
        if late := (await all_of([start(s) for s in sessions], setup_limit))[1]:
            raise RuntimeError(f"setup failed: {late} of {len(sessions)} sessions not open after {setup_limit:.0f} s")
        # a server too slow to finish every Play run in time is measured all the same: the sessions
        # whose run did not finish stay connected (and count, with whatever they receive)
        play_s = [p for p in (await all_of([s.play() for s in sessions], setup_limit))[0] if p is not None]
        not_playing = len(sessions) - len(play_s)
        setup_s = time.monotonic() - t_setup
        await asyncio.sleep(warmup)

        t0, cpu0, busy0, own0 = time.monotonic(), cpu(), machine_busy_seconds(), time.process_time()
        nginx0 = proxy_cpu()
        marks = [s.ws_bytes for s in sessions]
        await asyncio.sleep(seconds)
        t1, cpu1, busy1, own1 = time.monotonic(), cpu(), machine_busy_seconds(), time.process_time()
        nginx1 = proxy_cpu()
        rss_after = rss()
        # clicks while everything plays, one session at a time, the heavy ones last
        click_s = {}
        if clicks:
            for s in sorted(sessions, key=lambda s: s.role == "heavy"):
                click_s.setdefault(s.role, []).append(await s.pause())
        errors = [s.error for s in sessions if s.error]
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    wall = t1 - t0
    batches = sum(delivery(s.batches, t0, t1)[1] for s in sessions)

    def group(role):
        return group_figures([s for s in sessions if s.role == role],
                             [m for s, m in zip(sessions, marks) if s.role == role], t0, t1)

    result = {
        **group("default"),  # its "sessions": the default ones
        "servers": len(ports),
        "server_cpu": (cpu1 - cpu0) / wall,
        "server_cpu_ms_per_batch": 1e3 * (cpu1 - cpu0) / max(batches, 1),
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
        "client_cpu": (own1 - own0) / wall,
        "other_cpu": max((busy1 - busy0 - cpu1 + cpu0 - own1 + own0 - nginx1 + nginx0) / wall, 0.0),
        "not_playing": not_playing,
        "play_s": {"median": statistics.median(play_s), "max": max(play_s)} if play_s else None,
        "setup_s": setup_s,
        "window_s": wall,
        "errors": errors,
    }
    if proxy:  # read once every session is closed: nginx logs a websocket when it ends
        per_server, unstuck = sessions_per_server([s.route for s in sessions], served_by(proxy[1].read_text()),
                                                  ports)
        result["proxy_cpu"] = (nginx1 - nginx0) / wall
        result["sessions_per_server"] = per_server
        errors += [f"session {route} not served by exactly one process" for route in unstuck]
    if any(s.role == "heavy" for s in sessions):
        result["heavy"] = group("heavy")
    if clicks:
        result["click_s"] = {role: {"median": statistics.median(v), "max": max(v)} for role, v in click_s.items()}
    return result


def run_case(n, seconds=20.0, warmup=3.0, query=QUERY, servers=1, heavy=0, clicks=False, proxy=False):
    """Start ``servers`` servers (and nginx in front of them if ``proxy``), open ``heavy`` maximal and ``n``
    default sessions spread over them, all playing, measure for ``seconds``; always cleans up."""
    setup_limit = 30 + 3 * (n + heavy)  # for opening every session, then again for pressing Play in all
    # no file watcher (see the module docstring); the environment may say otherwise
    os.environ.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(streamlit_server()) for _ in range(servers)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _ in running]
        roles = ["heavy"] * heavy + ["default"] * n
        if proxy:  # nginx's route cookie binds each session to a server
            prefix = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nnpg-nginx-")))
            url, nginx_proc = stack.enter_context(nginx(prefix, ports))
            targets = [int(url.rsplit(":", 1)[1])] * len(roles)
            via = (with_children(nginx_proc.pid), prefix / "access.log")
        else:  # sticky: a session keeps its server
            targets, via = [ports[i % len(ports)] for i in range(len(roles))], None
        sessions = [Session(port, HEAVY if role == "heavy" else query, role, proxy)
                    for port, role in zip(targets, roles)]
        coro = _case(ports, [proc.pid for _, proc in running], sessions, seconds, warmup, setup_limit, clicks, via)
        return asyncio.run(asyncio.wait_for(coro, 2 * setup_limit + warmup + seconds + CLICK_LIMIT * 2 + 30))


def run_fairness(n, seconds, warmup, query=QUERY, servers=1, proxy=False):
    """``n`` default sessions alone, then beside one maximal session; their rate with it as a share of alone."""
    alone = run_case(n, seconds, warmup, query, servers, proxy=proxy)
    shared = run_case(n, seconds, warmup, query, servers, heavy=1, clicks=True, proxy=proxy)
    return {"sessions": n, "servers": servers, "alone": alone, "with_heavy": shared,
            "share_median": shared["snapshots_per_s_median"] / max(alone["snapshots_per_s_median"], 1e-9),
            "share_min": shared["snapshots_per_s_min"] / max(alone["snapshots_per_s_min"], 1e-9)}


def case_row(r):
    """One line of the table for a case's result."""
    if "error" in r:
        return f"{r['sessions']:3d} failed: {r['error']}"
    return (f"{r['sessions']:3d} {r['snapshots_per_s_median']:9.1f} {r['snapshots_per_s_min']:6.1f} "
            f"{r['snapshots_per_s_total']:7.0f} {r['batches_per_s']:6.1f} {r['snapshots_per_batch']:6.1f} "
            f"{r['epochs_per_s_median']:6.1f} {r['server_cpu']:6.0%} {r['server_cpu_ms_per_batch']:7.1f} "
            f"{r['rss_mb_before']:5.0f}>{r['rss_mb_after']:<5.0f} {r['client_cpu']:6.0%} {r['other_cpu']:6.0%} "
            f"{r['kb_per_s_per_session']:6.1f} {r['kb_per_batch']:5.1f} {r['batch_kb_per_batch']:5.1f}"
            + (f"  nginx: sessions per process {'+'.join(map(str, r['sessions_per_server']))}, "
               f"nginx CPU {r['proxy_cpu']:.0%}" if "sessions_per_server" in r else "")
            + f"  still {r['still_share_median']:.0%}, longest {r['still_longest_s']:.1f} s"
            + (f"  Play's run {r['play_s']['median']:.1f} s median, {r['play_s']['max']:.1f} s slowest"
               if r.get("play_s") else "")
            + (f"  ({r['not_playing']} sessions not yet playing)" if r["not_playing"] else "")
            + (f"  errors: {r['errors'][0]}" if r["errors"] else ""))


HEADER = (f"{'N':>3s} {'snap/s med':>9s} {'min':>6s} {'total':>7s} {'bat/s':>6s} {'s/bat':>6s} {'ep/s':>6s} "
          f"{'CPU':>6s} {'ms/bat':>7s} {'RSS MB':>11s} {'client':>6s} {'other':>6s} {'kB/s':>6s} "
          f"{'kB/b':>5s} {'data':>5s}")


def table(results, fairness):
    lines = [HEADER]
    for r in results:
        if fairness and "error" not in r:
            heavy = r["with_heavy"]["heavy"]
            clicks = "; ".join(f"{role} median {v['median']:.2f} s, max {v['max']:.2f} s"
                               for role, v in r["with_heavy"]["click_s"].items())
            lines += ["alone:      " + case_row(r["alone"]), "with heavy: " + case_row(r["with_heavy"]),
                      f"  heavy session: {heavy['snapshots_per_s_median']:.1f} snapshots/s; "
                      f"default sessions keep {r['share_median']:.0%} (median), {r['share_min']:.0%} (slowest)"
                      f" of their rate (target >= {TARGETS['fairness']:.0%})",
                      f"  Pause click while the heavy one plays: {clicks} (target <= {TARGETS['click_s']} s)"]
        else:
            lines.append(case_row(r))
    lines += ["snap/s: snapshots a session received per second (median, slowest over sessions; total);",
              "bat/s: batches received per second (all); s/bat: snapshots per batch; ep/s: epochs the page advanced",
              "per second (median); ms/bat: server CPU per batch; kB/s: websocket bytes per session;",
              "kB/b: websocket bytes per batch, data: of which the batch's own bytes.",
              "still: share of the window a session's picture stood still, its queue empty while playing (median),",
              "and the longest such wait of any session.",
              f"CPU: 100 % = one core of {os.cpu_count()}; 'other' = the rest of the machine during the window.",
              f"targets (issue 12): 30 sessions >= {TARGETS['median']:g} (median), >= {TARGETS['slowest']:g}"
              f" (slowest) on one process; >= {TARGETS['two servers']:g} on two"]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default=",".join(map(str, SESSIONS)),
                    help="comma-separated numbers of concurrent sessions (default 1,5,10,30)")
    ap.add_argument("--seconds", type=float, default=20, help="measurement window per case")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of playing before the window")
    ap.add_argument("--query", default=QUERY, help="the URL query string every default session opens")
    ap.add_argument("--servers", type=int, default=1,
                    help="server processes, each session bound to one (as behind a sticky load balancer)")
    ap.add_argument("--proxy", action="store_true",
                    help="through the deployment's nginx (Debian's, on a loopback port): its route cookie binds"
                         " each session to a server")
    ap.add_argument("--fairness", action="store_true",
                    help="each N: N default sessions alone, then beside one maximal session, and click latency")
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
            if args.fairness:
                results.append(run_fairness(n, args.seconds, args.warmup, args.query, args.servers, args.proxy))
            else:
                results.append(run_case(n, args.seconds, args.warmup, args.query, args.servers, proxy=args.proxy))
        except Exception as e:  # noqa: BLE001  (one failed case must not hide the others)
            results.append({"sessions": n, "error": f"{type(e).__name__}: {e}"})
    print(json.dumps(results, indent=1) if args.json else table(results, args.fairness))


if __name__ == "__main__":
    main()
