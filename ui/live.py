"""The live area: the live view (``live_view.py``) fed with batches of snapshots, each with its numbers.

NumPy trains, the browser draws.  A run of the live fragment trains
time-bounded *turns* (``TURN_SECONDS`` each, under a server-wide lock taken in
turn, so no session starves another whatever its network; a turn also trains
the waiting sessions' alike networks, stacked: ``nn_core/cohort.py``) until its batch is
full or ``RUN_SECONDS`` have passed (a big network needs several), keeps a float32
snapshot of the network every ``speed`` epochs, and sends them as one batch
(``playground/batch.py``).  The browser plays them at up to 60 frames a
second, at the pace the server keeps up with (what a batch brings over the time
its request took), and, once its queue would not last until an answer can be
there, sets the ``need`` trigger, which reruns only this fragment: the next
batch.  A batch holds about ``LEAD_SECONDS`` of play at the display's rate the
browser reports (up to twice that on a busy server: ``lead_seconds``), less
what it will still hold when the batch arrives, so the server never floods a
slow browser and a fast one never waits for a full second's training.

Paused (and on every full run of the app), the batch is the server's
network as it is, one snapshot the browser jumps to: the paused picture is
exactly ``exp.net``.  A *stream* id tells the browser when the training
trajectory jumped (reset, a step, a restored epoch, an edited weight): it
then drops its queue and takes the loss history sent with the batch.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
import types

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from nn_core.cohort import stack_key, train_together
from playground.batch import CURVE_POINTS, PICTURE_EDITS, encode_frames, frame, points_of, scene
from playground.params import MAX_LAYERS, MAX_NEURONS, PARAMS

from . import class_page, controls, state
from .guard import guarded, on_plane, whole
from .live_view import live_view
from .state import K

TURN_SECONDS = 0.02  # training time of one turn
RUN_SECONDS = 0.1  # a run trains turn after turn until its batch is full or this long has passed (a big network)
# ... or longer while many sessions train (FairLock.players): all runs together end about this often (each run's
# batch costs Streamlit's CPU beside training: bench/README.md), but never later than MAX_RUN_SECONDS (the browser
# asks again after 5 s without an answer: static/live_view/main.js)
RUNS_PER_SECOND = 20
MAX_RUN_SECONDS = 2.0
LEAD_SECONDS = 0.75  # a batch fills the browser's queue this far ahead (fewer runs, each costing server CPU)
# ... or up to MAX_LEAD_FACTOR times as far while the sessions playing would need more than BUSY_DEMAND of a core to
# train at 60 frames a second (FairLock.demand): a crowded server then sends fewer, fuller batches (see lead_seconds)
BUSY_DEMAND = 0.5
MAX_LEAD_FACTOR = 2.0
MAX_BATCH = 90  # snapshots per batch at most
DEFAULT_FPS = 60  # the browser's frame rate until it reports one
# On a page's first run the controls follow the live picture this much later (see picture_first)
PICTURE_HEAD_START_SECONDS = 0.6


class FairLock:
    """A lock shared by time, not by turns: a freed lock goes to the waiter whose key held it least lately.

    Each key (a session) has a *usage*: the CPU seconds its thread used while holding the lock (not the time
    it held it, which grows when other threads take the interpreter meanwhile), each charged in proportion to
    the key's demand, all halving every ``half_life`` seconds.  The demand is what the key would take to be shown at
    ``FRAME_RATE``: the CPU seconds a frame costs it (those it used over the frames it made, as the holder tells
    through ``turn``'s ``frames``) times that rate, at least ``MIN_SHARE`` and at most 1.  A default network
    costs a few tenths of a millisecond a frame: it is charged a tenth of what it holds, so it is served
    before the heaviest links, charged in full, which share what is left.  A frame's cost does not depend on
    how long a session waited, so a crowd of default sessions is charged alike and none is pushed back for
    having waited.  The holder leaving wakes the waiter of least usage now (the first to ask among equals).
    Nobody starves: a waiter's usage only decays while every turn served adds to another's, so it soon has the
    least.  A waiter may bring a *job* with an ``alike`` key (``nn_core.cohort.stack_key``): the holder may
    then serve it in its own turn (``take_alike``, then ``served``), training alike networks together, and the
    waiter's turn is over without holding the lock (its turn's ``served`` is true).  A key unused for
    ``FORGET_HALF_LIVES`` half-lives is forgotten (a closed session).  Waiting costs no CPU (an event each);
    choosing scans the waiters, a few microseconds for a hundred.

    >>> lock = FairLock()
    >>> with lock.turn("session a") as turn:
    ...     turn.frames = 3  # trained three frames' worth
    """

    FORGET_HALF_LIVES = 20  # usage below a millionth of itself counts as none
    MIN_SHARE = 0.1  # the least a second held is charged: the heaviest pay at most 10 times more
    FRAME_RATE = 60  # frames a second a browser shows at most (static/live_view/main.js)

    def __init__(self, half_life=1.0, clock=time.monotonic, cpu_clock=time.thread_time):
        self._mutex = threading.Lock()  # guards the fields below, held for microseconds
        self._half_life, self._clock, self._cpu_clock = half_life, clock, cpu_clock
        self._held = False
        self._waiting = []  # (ticket, key, event, job) of each waiter
        self._tickets = itertools.count()
        # key -> (usage, CPU seconds, frames made, all decayed as of this time); least recently charged first
        self._keys = {}
        self._taken = {}  # id(job) -> the waiter of each job the holder took (take_alike), until served

    @contextlib.contextmanager
    def turn(self, key, job=None):
        """Hold the lock for ``key`` (waiting for it if held); the CPU time its thread uses meanwhile is charged to
        ``key``, times the turn's ``share`` (1: set it lower when the turn served others too).  Yields the turn:
        set its ``frames`` to the frames made while holding it.  Its ``served`` is true when another holder did
        ``job`` meanwhile (``take_alike``): the lock was not held, there is nothing to do."""
        with self._mutex:
            if self._held:
                event = threading.Event()
                self._waiting.append((next(self._tickets), key, event, job))
            else:
                event, self._held = None, True
        if event is not None:
            event.wait()  # set by the holder, which passed the lock on or did the job
        if job is not None and job.served:
            job.served = False
            yield types.SimpleNamespace(frames=0, share=1.0, served=True)
            return
        start, turn = self._cpu_clock(), types.SimpleNamespace(frames=0, share=1.0, served=False)
        try:
            yield turn
        finally:
            self._release(key, (self._cpu_clock() - start) * turn.share, turn.frames)

    def take_alike(self, job):
        """For the holder: the waiters whose jobs are alike ``job`` (equal ``alike``, not None), taken off the
        queue.  The holder does their jobs in its turn, then must hand each back (``served``), even if it
        failed: until then they wait."""
        if job.alike is None:
            return []
        with self._mutex:
            taken = [w for w in self._waiting if w[3] is not None and w[3].alike == job.alike]
            for w in taken:
                self._waiting.remove(w)
        self._taken.update((id(w[3]), w) for w in taken)
        return [w[3] for w in taken]

    def served(self, charges):
        """For the holder: the jobs it took are done; ``charges`` gives ``(job, CPU seconds, frames)`` for each,
        charged to its key as a turn of its own would be.  Their waiters go on (their turn ``served``)."""
        with self._mutex:
            now = self._clock()
            for job, cpu, frames in charges:
                _, key, event, _ = self._taken.pop(id(job))
                self._charge(key, cpu, frames, now)
                job.served = True
                event.set()

    def demand(self, window=1.0):
        """The share of a core the keys charged within the last ``window`` seconds would use to make
        ``FRAME_RATE`` frames a second each: the sum of their demands, uncapped (each key's is its CPU seconds
        per frame times ``FRAME_RATE``)."""
        with self._mutex:
            return sum(self._demand(spent, made) for _used, spent, made in self._recent(window))

    def players(self, window=1.0):
        """How many keys were charged within the last ``window`` seconds: the sessions training lately, whether
        they wait now, hold the lock, were served by a holder (``take_alike``) or are between runs."""
        with self._mutex:
            return sum(1 for _ in self._recent(window))

    def _recent(self, window):
        """``(usage, CPU seconds, frames)`` of each key charged within the last ``window`` seconds, most recent
        first (``_mutex`` held)."""
        now = self._clock()
        for *charged, at in reversed(self._keys.values()):  # most recently charged first
            if now - at > window:
                return
            yield charged

    def _demand(self, spent, made):
        """The share of a core a key that used ``spent`` CPU seconds for ``made`` frames would use for
        ``FRAME_RATE`` frames a second (no frame yet: slower than any rate, a whole core)."""
        return spent / made * self.FRAME_RATE if made else 1.0

    def usage(self, key, now=None):
        """``key``'s charged seconds, each weighted by 1/2 per ``half_life`` since."""
        return self._decayed(key, self._clock() if now is None else now)[0]

    def _decayed(self, key, now):
        """``key``'s (usage, CPU seconds, frames made) as of ``now``."""
        used, spent, made, at = self._keys.get(key, (0.0, 0.0, 0.0, now))
        decay = 0.5 ** ((now - at) / self._half_life)
        return used * decay, spent * decay, made * decay

    def _charge(self, key, cpu, frames, now):
        """Charge ``key`` ``cpu`` seconds for ``frames`` frames (``_mutex`` held)."""
        used, spent, made = self._decayed(key, now)
        spent, made = spent + cpu, made + frames
        share = min(max(self._demand(spent, made), self.MIN_SHARE), 1.0)
        self._keys.pop(key, None)
        self._keys[key] = (used + cpu * share, spent, made, now)  # last: kept in order of charging
        while now - next(iter(self._keys.values()))[3] >= self.FORGET_HALF_LIVES * self._half_life:
            del self._keys[next(iter(self._keys))]

    def _release(self, key, cpu, frames):
        with self._mutex:
            now = self._clock()
            self._charge(key, cpu, frames, now)
            if not self._waiting:
                self._held = False
                return
            chosen = min(self._waiting, key=lambda w: (self.usage(w[1], now), w[0]))
            self._waiting.remove(chosen)
            chosen[2].set()  # the lock passes on still held: nobody can slip in between


# One training turn at a time in the whole server, shared by time between sessions.  Every session's fragment
# runs in a thread of its own, but they share one core's worth of Python: N turns interleaved each take N times
# longer.  A turn lasts at most TURN_SECONDS, so a session waits at most that long per waiter charged less
# lately.  The lock guards no data; sessions share nothing (the usage it keeps is per session id).
TURN_LOCK = FairLock()


def lead_seconds(demand):
    """How far ahead a batch fills the browser's queue when the sessions playing would need ``demand`` of a
    core to train at 60 frames a second (``FairLock.demand``): ``LEAD_SECONDS``, or on a busy server
    (``demand`` over ``BUSY_DEMAND``) longer in proportion, at most ``MAX_LEAD_FACTOR`` times as long.

    Each batch costs Streamlit several milliseconds of CPU beside training (bench/README.md); when the
    server cannot keep up, batches twice as full leave more of it to training.  What the browser is ahead
    of the server in epochs barely grows: a crowded server's browsers show fewer frames a second."""
    return LEAD_SECONDS * min(max(demand / BUSY_DEMAND, 1.0), MAX_LEAD_FACTOR)


def batch_size(need, run_s=RUN_SECONDS, lead_s=LEAD_SECONDS):
    """Snapshots to send: ``lead_s`` (``lead_seconds``) of play at the browser's rate, less what it will still
    hold when they arrive (its ``queued``), at most ``MAX_BATCH``.  When a run may last longer (``run_s``, many
    sessions train), the batch covers that long instead: the browser plays it while the next run trains,
    and each snapshot's share of a run's Streamlit cost shrinks as batches fill (bench/README.md)."""
    lead = max(lead_s, run_s)
    if not need:
        return min(round(DEFAULT_FPS * lead), MAX_BATCH)
    fps = min(max(float(need.get("fps") or DEFAULT_FPS), 1.0), 60.0)
    queued = max(int(need.get("queued") or 0), 0)
    return int(min(max(round(fps * lead) - queued, 1), MAX_BATCH))


def trainers_of(runner):
    """The trainers ``runner`` trains: a race's, or the one trainer itself."""
    return getattr(runner, "trainers", [runner])


def run_seconds(players):
    """How long a run may train when ``players`` sessions train (``FairLock.players``): ``RUN_SECONDS``, or with
    many of them long enough that all their runs together end about ``RUNS_PER_SECOND`` times a second, at most
    ``MAX_RUN_SECONDS``.  A light session's run ends sooner, when its batch is full; heavy ones then send
    fewer, fuller batches, so Streamlit's cost per batch does not crowd out everyone's training
    (bench/flood.py measures it)."""
    return min(max(RUN_SECONDS, players / RUNS_PER_SECOND), MAX_RUN_SECONDS)


def train_turn(runner, config, want, run_s=RUN_SECONDS):
    """Train turn after turn (each under ``TURN_LOCK``, charged to this session, released in between; or done
    by another session's turn, with its own network, when both are alike: ``train_jobs``) until
    ``want`` frames are taken or ``run_s`` seconds (``run_seconds``) have passed; a frame every ``speed``
    epochs, and at the epoch playing stops at.  ``runner`` is a Trainer or a Race (which trains its racers in lockstep).
    After every epoch ``state.stop_rule`` is asked whether playing stops there (the epoch limit, a stop
    condition, the challenge passed): a turn ends at the first epoch it names, so playing stops there,
    at a whole epoch, however long turns last on this machine; ``state.check_stop`` then says why (and
    stops on a divergence).  A run that took no frame (a network too slow for ``speed`` epochs in
    ``run_s``) sends the network as it is, at a fractional epoch.  Returns the frames."""
    speed = config["speed"]
    trainers = trainers_of(runner)
    taken, steps_before = [], runner.steps
    stop_here = state.stop_rule()
    session = get_script_run_ctx().session_id

    def after_epoch():  # also called in another session's turn that trains this network with its own
        try:
            reason = stop_here()
            if reason or runner.epoch % speed == 0:
                taken.append(frame(trainers))
            return reason
        except Exception as e:  # raised in this session's thread, below
            job.error = e
            return True

    # what a turn does: train ``runner`` up to ``most`` epochs; ``alike`` lets a holder train it with its own
    job = types.SimpleNamespace(runner=runner, most=0, after_epoch=after_epoch, taken=taken, served=False,
                                error=None, alike=stack_key(runner) if trainers == [runner] else None)
    end = time.monotonic() + run_s
    while True:
        job.most = (want - len(taken)) * speed - runner.epoch % speed
        with TURN_LOCK.turn(session, job) as turn:
            if not turn.served:  # else a holder of the lock trained it together with its own
                before = len(taken)
                turn.share = train_jobs(job)
                turn.frames = len(taken) - before  # what the lock charges by (FairLock: a frame's cost)
        if job.error is not None:
            raise job.error
        if state.check_stop():
            state.ask_full_rerun()  # the toolbar's Pause becomes Play
            break
        if len(taken) >= want or time.monotonic() >= end:
            break
    if not taken and runner.steps != steps_before:  # "epochs per frame" is a request: a slow network still moves
        taken.append(frame(trainers, fractional=True))
    return taken


def train_jobs(job):
    """A turn's training (``TURN_LOCK`` held): ``job``'s network, and those of the waiting jobs alike it
    (``FairLock.take_alike``) with it, together (``nn_core.cohort``: the same numbers as alone, in a fraction
    of the time), each up to its ``most`` epochs, all for ``TURN_SECONDS``.  The others' CPU and frames are
    charged to them as turns of their own.  Returns the share of the turn's CPU that is ``job``'s."""
    others = TURN_LOCK.take_alike(job)
    deadline = time.monotonic() + TURN_SECONDS
    if not others:
        job.runner.run_until(deadline, job.most, job.after_epoch)
        return 1.0
    jobs = [job, *others]
    frames_before, start, done = [len(j.taken) for j in jobs], time.thread_time(), [0] * len(jobs)
    try:
        done = train_together([(j.runner, j.most, j.after_epoch) for j in jobs], deadline)
    finally:  # each waiter goes on, whatever happened here
        cpu, epochs = time.thread_time() - start, sum(done)
        shares = [d / epochs for d in done] if epochs else [1 / len(jobs)] * len(jobs)
        TURN_LOCK.served([(j, cpu * share, len(j.taken) - before)
                          for j, share, before in zip(others, shares[1:], frames_before[1:])])
    return shares[0]


def next_batch(need):
    """The bytes of the batch this run sends: a turn's frames while playing, else the network as it is."""
    ss = st.session_state
    exp, race = ss[K.EXP], ss[K.RACING]
    runner = state.runner()
    trainers = trainers_of(runner)
    stream, data_id = state.live_stream(), id(exp) if race is None else id(race)
    if ss[K.PLAYING]:
        run_s = run_seconds(TURN_LOCK.players())
        taken = train_turn(runner, ss[K.CONFIG], batch_size(need, run_s, lead_seconds(TURN_LOCK.demand())), run_s)
    if not ss[K.PLAYING]:
        taken = [frame(trainers)]
    state.streamed()
    fresh = not ss[K.PLAYING] or not need or need.get("stream") != stream
    shown = exp if race is None else race.experiments[0]
    points = points_of(shown) if fresh or need.get("data_id") != data_id else None
    curves = [tr.loss_curve(CURVE_POINTS // len(trainers)) for tr in trainers] if fresh else None
    meta = scene(shown, playing=ss[K.PLAYING], stream=stream, data_id=data_id, add_points=adding_points(), race=race)
    if not ss[K.PLAYING] and race is None:  # paused after a Step batch: the epoch says how far into the next one
        meta["progress"] = list(exp.trainer.batch_progress)
    if curves is not None and race is not None:
        meta["curve_rows"] = [len(c) for c in curves]
    return encode_frames(meta, taken, points, None if curves is None else np.vstack(curves))


NEED_FIELDS = ("stream", "queued", "fps", "data_id")  # what the server reads of a need (ids, counts: ints)


@guarded("the live picture's request for frames")
def _on_need():
    """The browser's request for the next batch: its fields that are whole numbers (ids and counts, up to
    2**64) are kept, anything else is left out and its default used (a forged need cannot break a run)."""
    need = st.session_state[K.LIVE].need
    need = need if isinstance(need, dict) else {}
    state.set_need({name: need[name] for name in NEED_FIELDS if whole(need.get(name), 0, 2**64)})


@guarded("the value typed in the picture")
def _on_edit():
    """A weight or bias typed in the picture (only while paused, one network on screen): set it in the network
    and record it; a value ``Trainer.set_parameter`` refuses is said so."""
    ss = st.session_state
    edit = ss[K.LIVE].edit
    if ss[K.PLAYING] or ss[K.RACING] is not None or not isinstance(edit, dict):
        return
    try:
        ss[K.EXP].trainer.set_parameter(edit.get("index"), edit.get("value"))
    except ValueError as e:
        state.notify("warning", f"The value was not set: {e}.")
    state.ask_full_rerun()  # the panels show the new network, or the notice


@guarded("the click on a neuron")
def _on_toggle_neuron():
    """A click on a hidden neuron (playing or paused, one network on screen): switch it off, or back on;
    training is kept."""
    ss = st.session_state
    neuron = ss[K.LIVE].toggle_neuron
    if ss[K.RACING] is not None or not isinstance(neuron, dict):
        return
    layer, unit = neuron.get("layer"), neuron.get("unit")
    if whole(layer, 1, MAX_LAYERS) and whole(unit, 1, MAX_NEURONS) and state.toggle_neuron(layer, unit):
        state.ask_full_rerun()  # the panels show the changed network


@guarded("the presentation mode button")
def _on_present():
    """The picture's *Presentation mode* button: the ``present`` setting on or off (the page follows)."""
    present = st.session_state[K.LIVE].present
    if isinstance(present, bool):
        state.set_param("present", present)
        state.ask_full_rerun()  # the page shows the picture alone, or everything again


@guarded("the change made in the picture")
def _on_reshape():
    """A control of the picture (an input node, a ``+``/``-`` of the layers or of a layer's neurons) sends
    the whole new value of ``features`` or ``hidden``; it goes through the widget's rule and limits
    (``state.set_from_control``), unless a race is on, the link hides that control or the value is no list of
    feature names or of neuron counts."""
    ss = st.session_state
    change = ss[K.LIVE].reshape
    if ss[K.RACING] is not None or not isinstance(change, dict) or len(change) != 1:
        return
    (name, value), = change.items()
    if name not in PICTURE_EDITS or name in ss[K.CONFIG]["hide"] or not isinstance(value, list):
        return
    if name == "features":
        fits = len(set(value)) == len(value) and all(v in PARAMS["features"].choices for v in value)
    else:  # a count out of range or a layer too many reaches the parameter's own message
        fits = len(value) <= MAX_LAYERS + 1 and all(whole(v, 0, MAX_NEURONS + 1) for v in value)
    if fits:
        state.set_from_control(name, tuple(value))
        state.ask_full_rerun()  # the widgets and the panels show the new network, or the page the notice


@guarded("the click on the plane")
def _on_add_point():
    """A click on the output plane in the *Your data* mode: a point of the chosen class there."""
    point = st.session_state[K.LIVE].add_point
    if isinstance(point, dict):
        add_point(point.get("x1"), point.get("x2"))


def adding_points():
    """Whether a click on the output plane adds a point: the *Your data* panel is open and no race is on
    (the scene's ``add_points``, and what ``add_point`` accepts)."""
    ss = st.session_state
    return ss.get(K.PANEL) == "data" and "data" not in ss[K.CONFIG]["hide"] and ss[K.RACING] is None


def add_point(x1, x2):
    """Add the point (x1, x2), of the class picked in *Your data*, to the drawing (``state.add_points``), if
    adding points is on and (x1, x2) is on the plane."""
    if not adding_points():
        state.notify("info", "A click adds a point only while the Your data panel is open.")
    elif on_plane(x1, x2):
        state.add_points(np.array([[x1, x2]], np.float64))
    state.ask_full_rerun()  # the Your data panel shows the point, or the page the notice


def live_ui():
    """The live view (which shows the numbers of the frame it draws), in a fragment that reruns alone for each
    batch while playing."""
    ss = st.session_state

    @st.fragment
    def live():
        try:
            batch = next_batch(state.take_need())
            live_view(batch, on_need=_on_need, on_edit=_on_edit, on_add_point=_on_add_point,
                      on_toggle_neuron=_on_toggle_neuron, on_reshape=_on_reshape, on_present=_on_present)
        except Exception:  # the fragment reruns alone, outside app.py's guard: the same way back
            if ss[K.PLAYING]:  # failed_ui stops playing: the whole page follows, its toolbar shows Play
                state.ask_full_rerun()
            controls.failed_ui("the live view", "start_again_live", " while training")
        class_page.follow_class()  # a student in a class: its tick, while playing
        state.follow_page()

    live()
    picture_first()


def picture_first():
    """On a page's first run, give a browser the live picture alone for ``PICTURE_HEAD_START_SECONDS``.

    A browser runs a component's code only once React has rendered every element it holds; the playground's
    controls take a freshly loaded page 0.5-1 s of rendering on a 2-core machine, so sent right behind the
    picture they hold it back as long (bench/ui.py's first-picture steps).  Sent alone, the picture's code is
    loaded and its first batch drawn while the controls are still on their way.  Later runs find Streamlit's
    code compiled and the picture mounted; a session without a browser (no request headers: AppTest) has
    nothing to paint.  The wait costs no CPU: the script's thread sleeps.
    """
    if state.first_page_run() and st.context.headers:
        time.sleep(PICTURE_HEAD_START_SECONDS)
