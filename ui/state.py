"""Session state: every key a session holds, and every change of it, in one place.

Everything a session owns lives in ``st.session_state``; there is no module
level mutable state, so sessions never see each other.  Controls, panels and
the live view never assign session keys themselves: they call the functions
below (``play``, ``stop``, ``reset``, ``use_data`` ...), so one change cannot
leave another view stale (tests/test_state_writes.py checks that no other module
writes session state).

The keys (``K``) are declared once here.  Widgets are keyed by their
parameter's name (see ``playground.params``), the neurons of hidden layer ``i``
by ``layer_key(i)``, a per-layer setting's (activation, dropout) by
``layer_setting_key(name, i)``.  They are views of the configuration
(``K.CONFIG``, the one source of truth): ``param_view``, ``layer_view`` and
``layer_setting_view`` say what each shows of it, ``show_view`` gives a widget
that value before it is drawn, and ``view_changed`` takes back only what the
user changed (``user_changed``: not a value the browser sent from a page it had
not caught up with, nor one of a widget the configuration no longer has).
"""

from __future__ import annotations

import time
import urllib.parse
from typing import NamedTuple

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from classroom import codes
from classroom.store import ClassError, RateLimited, Unreachable
from nn_core.datasets import CSV_MAX_ROWS, DATASETS, EXTENT, kind_of
from nn_core.formula import parse as parse_formula
from nn_core.text import shown
from playground import params, pins
from playground.challenges import CHALLENGES, check, measure, passed_at
from playground.experiment import Experiment
from playground.params import LEARNING_RATES
from playground.pins import MAX_PINNED
from playground.race import Race, racer_configs

from . import pictures, reconnect

GRID_RES = 96  # the output grid the server evaluates: a pinned run's thumbnail takes every 4th point
DRAWN_NAME = "drawn points"
QUOTED_CHARS = 30  # a refused formula is quoted in its notice up to this length
KEPT_RUNS = 30  # the runs whose widget values are kept, to read the page mark (user_changed)
STABLE_RATE_EPOCHS = 3  # a suggested learning rate is checked to train this many epochs without diverging
STABLE_RATE_SECONDS = 0.2  # that check's time bound: a student's repeated divergences cannot load the server
CLASS_KEYS = ("join", "seat", "teach", "key")  # a class's URL keys, beside the configuration's (ui/class_page.py)
CLASS_RETRY_SECONDS = 10  # an unreachable class is tried again this long after
CLASS_TICK_SECONDS = 1.0  # a student's page writes and reads the class this often (Show to class: within 3 s, a full
# run of the page included)


class K:
    """The session's keys besides the parameter widgets (whose keys are the parameter names)."""

    CONFIG = "config"  # the configuration (dict), mirrored in the URL
    VIEWS = "views"  # run number -> {widget key: the value the run showed} for the last runs (show_view)
    REPLACED = "replaced"  # run number -> {widget key: the value its browser held, which the run replaced}
    RUN = "run"  # the number of this run of the page (drawing_page)
    PAGE_MARK = "page_mark"  # a hidden widget drawn last, showing RUN: the browser sends it back with every
    # request, so it tells which complete run's values the browser held when it sent its widgets' values
    PAGE_MARK_BOX = "page_mark_box"  # its container: on the page, the run has drawn everything (pin_store)
    EXP = "exp"  # the Experiment built from it: data, network, trainer, grid
    RACING = "racing"  # the Race of config["race"] (playground.race), or None: what Play trains when there is one
    RACE_OUT = "race_out"  # the racers whose divergence was announced
    RACE_SETTING = "race_setting"  # the Race panel's setting to vary
    RACE_VALUES = "race_values"  # prefix of the Race panel's values widget, one per setting
    PLAYING = "playing"  # True while Play trains
    PLAYED_FROM = "played_from"  # the epoch Play was last pressed at (a patience window starts there)
    PLAYED_ON = "played_on"  # the page (its PAGE_MARK) Play was last pressed on: one press a page
    USER_DATA = "user_data"  # the user's own points as Data, or None for the built-in dataset
    DRAWN = "drawn"  # the points on the drawing canvas (Data), or None: the data on screen
    NOTICES = "notices"  # messages (kind, text) for the next run
    DIVERGED = "diverged"  # what to do after a divergence, shown while the trainer stays diverged
    LESSON_PICK = "lesson_pick"  # the Lessons panel's selectbox
    CHALLENGE_PICK = "challenge_pick"  # the Challenges panel's selectbox
    CHALLENGE_SEEN = "challenge_seen"  # which conditions held when the checklist was last graded (see grade)
    PANEL = "panel"  # the open panel under "Explore further"
    NEURON_LAYER, NEURON_UNIT, NEURON_EXAMPLE = "neuron_layer", "neuron_unit", "neuron_example"
    HISTORY_EPOCH = "history_epoch"  # the Step back in time slider
    HISTORY_NEWEST = "history_newest"  # the newest epoch that slider offered when last drawn
    HIDDEN_SPACE_LAYER = "hidden_space_layer"
    CONFUSION_SPLIT = "confusion_split"  # the confusion matrix's points: "test" or "train"
    PINNED = "pinned"  # the pinned runs (see pin_run), oldest first, at most MAX_PINNED
    PINS_MADE = "pins_made"  # how many runs were pinned in this tab: names them Run 1, Run 2 ...
    PIN_STORE = "pin_store"  # the component keeping the pins in the tab's sessionStorage (ui/pin_store.py)
    PINS_STORED = "pins_stored"  # PINS_MADE when the pins were last stored (None: store them); absent until read
    DRAW_CANVAS, DRAW_CLASS, DRAW_COUNT = "draw_canvas", "draw_class", "draw_count"
    CSV_UPLOAD, MODEL_UPLOAD = "csv_upload", "model_upload"
    LIVE = "live"  # the live view component: its trigger values (need, edit, add_point)
    LIVE_NEED = "live_need"  # the live view's last request for snapshots, for the fragment's next run
    LIVE_STREAM = "live_stream"  # {"stream": id, "at": where training was when the last batch was made}
    LIVE_RERUN_APP = "live_rerun_app"  # set in a fragment's run when the whole page must follow (ask_full_rerun)
    ADMITTED = "capacity_admitted"  # this session was let in (ui/capacity.py)
    CLASS = "class"  # a student's class: {"code", "seat", "nickname" (None until joined), "title"}, or absent
    CLASS_OUTBOX = "class_outbox"  # what is still to be written to the class: {"runs": [...], "result": ...}
    CLASS_SENT = "class_sent"  # the last challenge result written, not written again until it changes
    CLASS_STATUS = "class_status"  # why the class could not be reached or refused a write, or None
    CLASS_RETRY_AT = "class_retry_at"  # when (time.monotonic) to try an unreachable class again
    CLASS_TICKED = "class_ticked"  # when (time.monotonic) the last class tick was (class_tick)
    CLASS_SHOW = "class_show"  # what the teacher shows the class ({"id", "label", "setup"}), or None
    CLASS_SHOW_SEEN = "class_show_seen"  # the id of the last show the student loaded or put aside
    CLASS_SEAT_READ = "class_seat_read"  # whether the seat the browser keeps for the class was read (or not needed)
    CLASS_SEAT_KEPT = "class_seat_kept"  # the seat the browser was last told to keep for the class
    CLASS_NICKNAME = "class_nickname"  # the join form's nickname box
    CLASS_TITLE = "class_title"  # the Class panel's title box, to start a class
    TEACHING = "teaching"  # the class this session started: {"code", "key", "title"}, or absent


class Data(NamedTuple):
    """Points of the user's: ``X`` (n, 2), ``y`` (n,) labels or targets, and where they came from."""

    X: np.ndarray
    y: np.ndarray
    name: str

    @property
    def trainable(self):
        """At least 4 points, and for classes at least 2 of them."""
        return len(self.X) >= 4 and (kind_of(self.y) == "regression" or len(np.unique(self.y)) >= 2)


def layer_key(i):
    """The widget key of the number of neurons in hidden layer ``i`` (from 0)."""
    return f"neurons_{i}"


def layer_setting_key(name, i):
    """The widget key of per-layer parameter ``name``'s value for hidden layer ``i`` (from 0)."""
    return f"{name}_{i}"


def init_session():
    """Set up a new session from the URL (bad values fall back with a warning)."""
    ss = st.session_state
    if K.CONFIG in ss:
        return
    query = st.query_params.to_dict()
    config, warnings = params.decode_link({k: v for k, v in query.items() if k not in CLASS_KEYS})
    ss[K.NOTICES] = []
    code = codes.normal_code(query.get("join", ""))
    if code:  # a class's join link (with the seat of a student who joined already, after a reload)
        seat = query.get("seat")
        ss[K.CLASS] = {"code": code, "seat": seat if codes.is_seat(seat) else codes.new_seat(), "nickname": None,
                       "title": None}
        ss[K.CLASS_SEAT_READ] = codes.is_seat(seat)  # the link's seat, rather than the one the browser keeps
        ss[K.CLASS_OUTBOX] = {"runs": [], "result": None}
    if reconnect.lost_session(st.context.headers):
        notify("info", reconnect.LOST_SESSION)
    for w in warnings:
        notify("warning", w)
    ss[K.USER_DATA] = None
    ss[K.DRAWN] = None
    ss[K.PLAYING] = False
    ss[K.EXP] = Experiment(config, grid_res=GRID_RES)
    set_config(config)
    _new_race()
    if config["challenge"] != "none":  # a teacher's challenge link opens its panel
        ss[K.PANEL] = "challenges"


def note_admitted():
    """Remember that the server let this session in (``capacity.admit``): it stays in."""
    st.session_state[K.ADMITTED] = True


def follow_newest_epoch(epochs):
    """Before the Step back in time slider is drawn: it shows the newest recorded epoch unless the user
    moved it to an older one (then it stays there while training goes on)."""
    ss = st.session_state
    if ss.get(K.HISTORY_EPOCH) in (None, ss.get(K.HISTORY_NEWEST)) or ss[K.HISTORY_EPOCH] not in epochs:
        ss[K.HISTORY_EPOCH] = epochs[-1]
    ss[K.HISTORY_NEWEST] = epochs[-1]


def fit_neuron_picks(exp):
    """Before the Inside a neuron panel's pickers are drawn: they name a neuron and a training example of
    ``exp`` (a layer removed or shrunk, or fewer points, falls back to the output layer, or to the first)."""
    ss = st.session_state
    net = exp.net
    if ss.get(K.NEURON_LAYER) not in range(net.n_layers):
        ss[K.NEURON_LAYER] = net.n_layers - 1
    if ss.get(K.NEURON_UNIT) not in range(net.sizes[ss[K.NEURON_LAYER] + 1]):
        ss[K.NEURON_UNIT] = 0
    if ss.get(K.NEURON_EXAMPLE) not in range(len(exp.X_train)):
        ss[K.NEURON_EXAMPLE] = 0


def neuron_layer_picked():
    """The on_change of the Inside a neuron panel's layer picker: the neuron picked goes (``fit_neuron_picks``
    then picks the new layer's first)."""
    st.session_state.pop(K.NEURON_UNIT, None)


def start_over():
    """Forget the whole session (after an unexpected error); the next run starts afresh from the URL."""
    st.session_state.clear()


def set_config(config):
    """Make ``config`` the session's configuration and the URL's.

    The widgets are its views: each takes its value from the configuration every time it is drawn
    (``controls.param_widget``), so none is ever loaded here.
    """
    st.session_state[K.CONFIG] = config
    st.query_params.from_dict({**params.encode(config), **class_query()})


def apply_config(config, fresh=False):
    """Make ``config`` the session's configuration: URL, and the experiment.

    Training and display settings change the running experiment in place;
    anything else (data, features, network), or ``fresh``, builds a new one.
    """
    ss = st.session_state
    if config == ss[K.CONFIG] and not fresh:
        return
    set_config(config)
    if fresh or not ss[K.EXP].update(config):
        rebuild()
    elif config["race"] and (ss[K.RACING] is None or not ss[K.RACING].update(config)):
        _new_race()
    elif not config["race"]:
        ss[K.RACING] = None


def rebuild(keep_network=False):
    """A new experiment from the configuration and the data in use: new initial weights, epoch 0.

    ``keep_network`` keeps the current weights and playing when the network's shape still fits, as when a
    drawn point is added to the drawing in use.
    """
    ss = st.session_state
    data = ss[K.USER_DATA]
    data = None if data is None else (data.X, data.y)
    if keep_network:
        try:
            ss[K.EXP] = Experiment(ss[K.CONFIG], data=data, grid_res=GRID_RES, weights_from=ss[K.EXP].net)
            return
        except ValueError:  # the data need another output layer (a new class): new weights
            pass
    _use_experiment(Experiment(ss[K.CONFIG], data=data, grid_res=GRID_RES))


def _use_experiment(exp):
    """Make ``exp`` the session's experiment: playing stops, and the panels' picks, which may not exist in
    its network, fall back."""
    ss = st.session_state
    ss[K.EXP] = exp
    _new_race()
    for key in (K.NEURON_LAYER, K.NEURON_UNIT, K.NEURON_EXAMPLE, K.HISTORY_EPOCH, K.HISTORY_NEWEST,
                K.HIDDEN_SPACE_LAYER):
        ss.pop(key, None)


def _new_race():
    """The race of the configuration (``config["race"]``), from epoch 0 on the data in use, or none; playing
    stops."""
    ss = st.session_state
    data = ss[K.USER_DATA]
    ss[K.RACING] = Race(ss[K.CONFIG], data=None if data is None else (data.X, data.y), grid_res=GRID_RES) \
        if ss[K.CONFIG]["race"] else None
    ss[K.RACE_OUT] = set()
    ss[K.PLAYING] = False


def runner():
    """What Play, Step and the live view train: the race when there is one, else the experiment's trainer."""
    ss = st.session_state
    return ss[K.RACING] or ss[K.EXP].trainer


def use_setup(config, exp=None):
    """A whole new setup (a lesson, a loaded model): widgets, URL, the built-in data, and ``exp`` or a fresh
    experiment of ``config``."""
    ss = st.session_state
    ss[K.USER_DATA] = ss[K.DRAWN] = None
    set_config(config)
    _use_experiment(exp or Experiment(config, grid_res=GRID_RES))


def notify(kind, text):
    """Queue a message (``warning``, ``error``, ``info`` or ``success``) for the next run; shown as plain text."""
    st.session_state[K.NOTICES].append((kind, text))


def take_notices():
    """The queued messages, emptying the queue."""
    notices, st.session_state[K.NOTICES] = st.session_state[K.NOTICES], []
    return notices


# -- training --

def play():
    """Start playing; at the epoch limit, raise it first (Play goes on), unless training diverged.

    One press a page: the browser may deliver a click twice (with a queued fragment rerun and with the full
    rerun), both from the page it had (``PAGE_MARK``).  Pressed again after a fast network reached the limit
    in between, the second would raise the limit the user never asked to raise (seen in Chromium: a
    challenge's Stop at 100 became 300)."""
    ss = st.session_state
    _page_follows()
    page = _int(ss.get(K.PAGE_MARK))
    if page is not None and ss.get(K.PLAYED_ON) == page:
        return
    ss[K.PLAYED_ON] = page
    tr = runner()
    if tr.diverged:  # its message is on screen
        return
    limit = ss[K.CONFIG]["epochs"]
    if tr.epoch >= limit:
        new = min(max(2 * limit, tr.epoch + limit), int(params.PARAMS["epochs"].hi))
        if new <= tr.epoch:
            notify("info", f"Training reached the largest limit, {tr.epoch:,} epochs. Reset to start again.")
            return
        set_param("epochs", new)
        notify("info", f"Stop at raised from {limit:,} to {new:,} epochs.")
    ss[K.PLAYING] = True
    ss[K.PLAYED_FROM] = tr.epoch


def stop():
    """Stop playing."""
    _page_follows()
    st.session_state[K.PLAYING] = False


def step(kind):
    """Train one ``"epoch"`` or one ``"batch"``, paused; then check for a divergence."""
    stop()
    tr = runner()
    (tr.train_epoch if kind == "epoch" else tr.train_step)()
    check_stop()


def check_stop():
    """After training (a Step, or a playing turn, which ends at the first epoch ``stop_rule`` names): stop on a
    divergence, or while playing at what ``stop_rule`` names, with a notice saying which and what works.
    Paused, it still records a challenge passed at the epoch a Step completed.

    Returns True if training stopped.
    """
    ss = st.session_state
    if ss[K.RACING] is not None:
        return _check_race()
    tr = ss[K.EXP].trainer
    if tr.diverged:
        stop()
        ss[K.DIVERGED] = divergence_message(tr)
        return True
    reason = stop_rule()()
    if not ss[K.PLAYING]:
        return False
    follow_challenge()
    if reason:
        stop()
        notify("info", reason)
    return bool(reason)


def stop_rule():
    """Why playing stops at the epoch just completed, as a function of no arguments: the reason in words, or None.

    ``run_until`` asks it after every epoch (``after_epoch``), so playing stops at the first epoch that meets
    a condition, at a whole epoch, wherever the time-bounded turns end.  It reads the session once, so asking
    costs microseconds.  Mid-epoch it is None.  A single network stops at the epoch it first passes the
    challenge (recorded for good: ``challenges.passed_at``; Play then trains on), at the epoch limit, or at a
    stop condition (``Trainer.stop_reason``; patience counts from the epoch Play was pressed at); a race at
    the epoch limit.  Asked twice at one epoch, it answers the same.
    """
    ss = st.session_state
    c, race, tr = ss[K.CONFIG], ss[K.RACING], ss[K.EXP].trainer
    limit, since = c["epochs"], ss.get(K.PLAYED_FROM, 0)
    if race is not None:
        def race_reason():
            if race.epoch >= limit and not any(t.batch_progress[0] for t in race.running):
                return f"The race stopped at {race.epoch:,} epochs, the limit set in Stop at. Press Play to race on."
            return None
        return race_reason
    challenge = CHALLENGES.get(c["challenge"])

    def reason():
        if tr.batch_progress[0]:
            return None
        passed = challenge and passed_at(challenge, c, tr)
        if passed and passed[0] == tr.epoch:
            return f"Stopped at epoch {tr.epoch:,}: the challenge is passed. Press Play to train on."
        if tr.epoch >= limit:
            return f"Stopped at {tr.epoch:,} epochs, the limit set in Stop at. Press Play to train on."
        return tr.stop_reason(c["stop_below"], c["patience"], since=since)
    return reason


def _check_race():
    """``check_stop`` for a race: a racer that diverges is out (announced once); the race stops at the epoch
    limit or when every racer is out.  Stop conditions and challenges are for a single network."""
    ss = st.session_state
    race = ss[K.RACING]
    for label, tr in zip(race.labels, race.trainers):
        if tr.diverged and label not in ss[K.RACE_OUT]:
            ss[K.RACE_OUT].add(label)
            if ss[K.PLAYING]:  # found by the live fragment's turn: a full run shows the notice now
                ask_full_rerun()
            notify("warning", f"{label} diverged during epoch {tr.epoch + 1} and is out of the race; its picture "
                              f"stays as it was after epoch {tr.epoch}.")
    if race.diverged:
        stop()
        notify("error", "Every network of the race diverged: lower the learning rate, or press Reset.")
        return True
    reason = ss[K.PLAYING] and stop_rule()()
    if reason:
        stop()
        notify("info", reason)
    return bool(reason)


def start_race(race_text):
    """Race ``race_text`` (a ``race`` value) from epoch 0, or end the race with ""."""
    set_param("race", race_text)


def divergence_help():
    """The divergence message while the trainer is diverged (a new rate or a reset clears it), else None."""
    ss = st.session_state
    return ss.get(K.DIVERGED) if ss[K.EXP].trainer.diverged else None


def divergence_message(tr):
    """What happened, and a learning rate checked to train on from the kept network, or Reset."""
    lower = [r for r in LEARNING_RATES if r < tr.learning_rate][::-1]
    rate = tr.stable_learning_rate(lower, STABLE_RATE_EPOCHS, seconds=STABLE_RATE_SECONDS)
    fix = (f"Set the learning rate to {rate:g} (checked: it trains {STABLE_RATE_EPOCHS} epochs from here without "
           "diverging) and press Play, or Reset." if rate is not None
           else "No lower learning rate was found to train on from here in the time the check may take: "
                "press Reset.")
    return f"Training diverged during epoch {tr.epoch + 1}: the loss became too large to compute. " \
           f"The network is kept as it was after epoch {tr.epoch}. {fix}"


def reset():
    """Back to epoch 0 from the configuration's initial weights (its seed: the same run again, as a link
    replays it), on the same data; ``regenerate`` draws new ones."""
    _page_follows()
    rebuild()


def set_params(**changes):
    """Change parameters (from a callback, before the widgets are drawn): configuration, URL, experiment.

    The settings that depend on the changed ones follow them (``params.fit``: per-layer settings fit the
    hidden layers, the dataset fits the problem type, the loss fits the data).  Raises ValueError for a
    value the parameter refuses; nothing changes then.
    """
    before = st.session_state[K.CONFIG]
    apply_config(params.validate(params.fit({**before, **changes})))
    _page_follows()


def set_param(name, value):
    """Change one parameter (``set_params``)."""
    set_params(**{name: value})


def toggle_neuron(layer, unit):
    """Switch hidden neuron ``layer.unit`` (both from 1, as the picture labels it) off, or back on.

    The trained weights and the epoch stay (``Experiment.update``).  Returns False for a neuron the
    network does not have (a click on a picture that is out of date).
    """
    ss = st.session_state
    off = set(ss[K.CONFIG]["off"]) ^ {(layer, unit)}
    try:
        set_param("off", tuple(off))
    except ValueError:
        return False
    if ss.get(K.LIVE_STREAM):  # a new stream: the live view drops the frames it queued from before the switch
        ss[K.LIVE_STREAM]["at"] = None
    return True


def regenerate():
    """The next seed: new random points (or a new split of the user's) and new initial weights."""
    set_param("seed", (st.session_state[K.CONFIG]["seed"] + 1) % (params.PARAMS["seed"].hi + 1))


# -- the live view (ui/live.py) --

def ask_full_rerun():
    """Ask for a run of the whole page when the fragment's run ends (``follow_page``): the fragment reruns
    alone, and the toolbar, the panels or a notice must show what changed."""
    st.session_state[K.LIVE_RERUN_APP] = True


def follow_page():
    """At the end of a fragment's run: the whole page runs now if that was asked for (``ask_full_rerun``)."""
    if st.session_state.pop(K.LIVE_RERUN_APP, False):
        st.rerun()


def _page_follows():
    """A change the whole page shows (the toolbar, the widgets, the panels), made by a callback: when the run is
    one fragment's alone, the page runs whole after it (``follow_page``).  The browser may send a click on the
    toolbar with a fragment's queued rerun and not again with a run of the page (seen in Chromium on a loaded
    machine: Pause stopped the picture and the toolbar went on showing Pause)."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        ask_full_rerun()


def set_need(need):
    """Keep the live view's request for snapshots (a dict its callback checked) for the fragment's next run."""
    st.session_state[K.LIVE_NEED] = need


def take_need():
    """The live view's last request for snapshots (``set_need``), or None; forgets it."""
    return st.session_state.pop(K.LIVE_NEED, None)


def live_stream():
    """The live view's stream id for the next batch: the last batch's, or a new one when training jumped (a
    reset, a step, a restored epoch, an edited weight, a neuron switched) since that batch (``streamed``)."""
    live = st.session_state.setdefault(K.LIVE_STREAM, {"stream": 0, "at": None})
    if live["at"] != _training_at():
        live["stream"] += 1
    return live["stream"]


def streamed():
    """The live view's batch is made: it shows training where it is now (``live_stream``)."""
    st.session_state[K.LIVE_STREAM]["at"] = _training_at()


def _training_at():
    """Where training is: the experiment, what trains (``runner``), its steps and its epoch."""
    tr = runner()
    return id(st.session_state[K.EXP]), id(tr), tr.steps, tr.epoch


# -- challenges --

def preset_picked(kind, key):
    """The on_change of the lesson or challenge (``kind``) picker keyed ``key``: start the one picked."""
    if user_changed(key, st.session_state[K.CONFIG][kind]):
        start_preset(kind, st.session_state[key])


def start_preset(kind, name):
    """Start lesson or challenge (``kind``) ``name`` from its setup (epoch 0, the built-in data), or
    ``"none"``: free play, the setup kept and every control shown again."""
    use_setup(params.preset_config(kind, name) if name != "none"
              else params.validate({**st.session_state[K.CONFIG], kind: "none", "hide": ()}))


def grade():
    """The active challenge graded now, ``(challenge, rows, passed)``, or None: ``rows`` the checklist now
    (``challenges.check``), ``passed`` ``(epoch, rows then)`` of the first epoch that passed, or None.

    The first pass is recorded where epochs end (``stop_rule``), never here, so it is always the first.
    Remembers which conditions hold now, for ``follow_challenge``.
    """
    ss = st.session_state
    name = ss[K.CONFIG]["challenge"]
    if name == "none":
        ss[K.CHALLENGE_SEEN] = None
        return None
    challenge, tr = CHALLENGES[name], ss[K.EXP].trainer
    _, rows = check(challenge, measure(ss[K.CONFIG], tr))
    ss[K.CHALLENGE_SEEN] = tuple(row[-1] for row in rows)
    return challenge, rows, tr.milestones.get(name)


def follow_challenge():
    """While playing with the Challenges panel open: when a condition of the checklist flips (either way),
    ask the live fragment for a full run (``ask_full_rerun``), so the panel shows it.

    Panels run on full runs only.  Rather than grading from within the live fragment (which cannot draw
    into the panel, and would put the checklist above the picture), the fragment's turn, which calls
    ``check_stop`` and so this, grades the challenge (microseconds) and reruns the page only when a
    condition's mark changes: the checklist's numbers are those of the last full run, while the metrics
    above the picture run live.  (Passing stops playing, which reruns the page anyway.)
    """
    ss = st.session_state
    if ss.get(K.PANEL) != "challenges" or ss[K.CONFIG]["challenge"] == "none":
        return
    seen = ss.get(K.CHALLENGE_SEEN)
    grade()
    if ss[K.CHALLENGE_SEEN] != seen:
        ask_full_rerun()


# -- pinned runs --

def pin_run():
    """Pin the run on screen (``pins.pinned``): its configuration, its numbers now, its loss curve and a
    thumbnail of its output; during a race, every racer, each as the run of its own configuration (which
    Restore sets up alone)."""
    ss = st.session_state
    race = ss[K.RACING]
    runs = [(ss[K.CONFIG], ss[K.EXP])] if race is None else zip(racer_configs(race.config), race.experiments)
    pinned = ss.setdefault(K.PINNED, [])
    for config, exp in runs:
        ss[K.PINS_MADE] = ss.get(K.PINS_MADE, 0) + 1
        pinned.append(pins.pinned(f"Run {ss[K.PINS_MADE]}", config, exp.trainer, ss[K.USER_DATA] is not None,
                                  pictures.thumbnail(exp)))
    del pinned[:-MAX_PINNED]


def pins_to_store():
    """What the tab's keeper of pins (``pin_store``) does this run: ``{"write": text}`` once after the pins
    changed, ``{"read": True}`` until the stored pins were read (or the session pinned its own), else None."""
    ss = st.session_state
    made = ss.get(K.PINS_MADE, 0)
    if made != ss.get(K.PINS_STORED, 0):
        ss[K.PINS_STORED] = made
        return {"write": pins.to_json(ss.get(K.PINNED, []), made)}
    return {"read": True} if K.PINS_STORED not in ss else None


def take_stored_pins(text):
    """The pins the tab kept (``pin_store``'s trigger), read as untrusted input: whatever the text, they are
    valid pins, or none, with a notice saying what was dropped.  Ignored once the session has its own pins.

    After warnings (or nothing readable) the cleaned pins are stored again, so the notice is not repeated
    at the next reload.
    """
    ss = st.session_state
    if K.PINS_STORED in ss or ss.get(K.PINS_MADE):
        return
    try:
        found, made, warnings = pins.from_json(text)
    except ValueError as e:
        notify("warning", f"The runs pinned in this tab could not be read back: {e}. They were dropped.")
        ss[K.PINS_STORED] = None
        return
    ss[K.PINNED], ss[K.PINS_MADE] = found, made
    ss[K.PINS_STORED] = None if warnings else made
    for w in warnings:
        notify("warning", w)


def restore_pin(index):
    """Set up pinned run ``index`` again (its configuration, new initial weights, epoch 0)."""
    pin = st.session_state[K.PINNED][index]
    use_setup(pin["config"])
    notify("success", f"{pin['name']}'s setup is back, from epoch 0: press Play to train it again.")


# -- the widgets: views of the configuration --

def param_view(name):
    """What parameter ``name``'s widget shows: the configuration's value (a list for a multi-choice)."""
    value = st.session_state[K.CONFIG][name]
    return list(value) if params.PARAMS[name].kind == "multi" else value


def layer_view(i):
    """What hidden layer ``i``'s neurons widget (``layer_key``) shows, or None: the network has no layer ``i``."""
    hidden = st.session_state[K.CONFIG]["hidden"]
    return hidden[i] if i < len(hidden) else None


def layer_setting_view(name, i):
    """What per-layer setting ``name``'s widget for hidden layer ``i`` (``layer_setting_key``) shows, or None:
    the network has no layer ``i`` (an empty list is the first choice, same or 0, for every layer)."""
    c = st.session_state[K.CONFIG]
    if i >= len(c["hidden"]):
        return None
    return c[name][i] if c[name] else params.PARAMS[name].choices[0]


def show_view(key, value):
    """Before the widget keyed ``key`` is drawn: it shows ``value``, the configuration's (and this run notes it).

    When the browser, on the page of the run before, sent the value that page showed and this run shows
    another (the configuration changed under it: a preset, a rule, Play raising Stop at), the run also notes
    that old value as *replaced* (``user_changed``)."""
    ss = st.session_state
    mark = _int(ss.get(K.PAGE_MARK))
    page = ss[K.VIEWS].get(mark, {}) if mark == ss[K.RUN] - 1 else {}
    if key in page and ss.get(key) == page[key] != value:
        ss[K.REPLACED].setdefault(ss[K.RUN], {})[key] = page[key]
    ss[key] = value
    ss[K.VIEWS][ss[K.RUN]][key] = value


def default_view(key, value):
    """Before the widget keyed ``key`` is drawn: it shows ``value`` unless it holds one already (the Race
    panel's draft, which is no view of the configuration: the user's picks stay until Start)."""
    st.session_state.setdefault(key, value)


def drawing_page():
    """At the start of a run of the page: a new run number, no widget shown yet (the last runs are kept)."""
    ss = st.session_state
    views, replaced = ss.setdefault(K.VIEWS, {}), ss.setdefault(K.REPLACED, {})
    ss[K.RUN] = max(views, default=0) + 1
    views[ss[K.RUN]] = {}
    for old in sorted(views)[:-KEPT_RUNS]:
        del views[old]
        replaced.pop(old, None)


def first_page_run():
    """Whether this is the session's first run of the page (a page just loaded, or reconnected)."""
    return st.session_state[K.RUN] == 1


def user_changed(key, now):
    """Whether the value the browser sent for widget ``key`` is the user's change; ``now`` is what the widget
    shows of the configuration now (None: the configuration has no such widget).

    The browser sends every widget's value with every request, also the old value of a widget that the
    server changed (a preset, a rule, Play raising Stop at) in a run whose result has not reached it yet (a
    click while a run is still going), and the value of a widget that left the page (a panel switched, a
    hidden layer a preset dropped); Streamlit calls the widget's on_change for all of them.  The page mark
    says which complete run the browser had (``PAGE_MARK``): the change is the user's only if that page
    showed the widget with the value the configuration holds now.

    Nor is the value that page replaced (``show_view``): Streamlit's number input takes a value the server
    sets a moment after the rest of the page, so a click in between sends the page mark of the new page with
    the input's old value (seen in Chromium on a loaded machine: a challenge's Stop at 100 became the
    previous lesson's 300).  A user who sets exactly that value again at once finds it set back, once.
    """
    ss = st.session_state
    page = _int(ss.get(K.PAGE_MARK))
    seen = ss.get(K.VIEWS, {}).get(page, {})  # the widgets of the page the browser showed
    replaced = ss.get(K.REPLACED, {}).get(page, {})
    return (now is not None and key in seen and seen[key] == now
            and not (key in replaced and ss.get(key) == replaced[key]))


def _int(text):
    """``text`` as a whole number, or None."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def view_changed(key, now, changes):
    """The on_change of the configuration's widget keyed ``key``, which shows ``now`` of it: if the user changed
    it, ``changes(value)`` (a dict of parameters) becomes the configuration's, or a notice says why not and the
    configuration stays, which the widget shows again when it is next drawn."""
    if user_changed(key, now):
        _change(lambda: changes(st.session_state[key]))


def _change(changes):
    """``changes()`` (a dict of parameters) becomes the configuration's, or a notice says why not (a rule's
    ``Refused``, a value the parameter refuses) and the configuration stays."""
    try:
        set_params(**changes())
    except Refused as e:
        notify(e.kind, str(e))
    except ValueError as e:
        notify("warning", f"{e}. The previous setting is kept.")


def _rule(name):
    """Parameter ``name``'s widget rule: a new value -> the parameters it changes (``WIDGET_RULES``)."""
    return WIDGET_RULES.get(name, lambda value: {name: value})


def widget_changed(name):
    """The on_change of parameter ``name``'s widget (keyed by the name; ``WIDGET_RULES`` may say more)."""
    view_changed(name, param_view(name), _rule(name))


def set_from_control(name, value):
    """Parameter ``name`` set to ``value`` (a checked value) by a control other than its widget (a button in the
    live picture, a dataset's thumbnail): the same rule, limits and notices as its widget, and the same URL."""
    _change(lambda: _rule(name)(value))


def layer_changed(i):
    """The on_change of hidden layer ``i``'s neurons widget (``layer_key(i)``)."""
    hidden = st.session_state[K.CONFIG]["hidden"]
    view_changed(layer_key(i), layer_view(i), lambda n: {"hidden": hidden[:i] + (n,) + hidden[i + 1:]})


def layer_setting_changed(name, i):
    """The on_change of per-layer setting ``name``'s widget for hidden layer ``i`` (``layer_setting_key``);
    the other layers keep theirs (an empty list is the first choice, same or 0, for every layer)."""
    c, key = st.session_state[K.CONFIG], layer_setting_key(name, i)
    if st.session_state[key] not in params.PARAMS[name].choices:
        return  # an option's label from a page before the activation changed ("same (ReLU)"): Streamlit passes
        # on a label it no longer shows as it is, so this is no pick of the user's
    values = c[name] or (params.PARAMS[name].choices[0],) * len(c["hidden"])
    view_changed(key, layer_setting_view(name, i), lambda v: {name: values[:i] + (v,) + values[i + 1:]})


class Refused(ValueError):
    """A widget's new value that its rule refuses: the message says why and what is kept; ``kind`` is the
    notice's (``notify``)."""

    def __init__(self, message, kind="warning"):
        super().__init__(message)
        self.kind = kind


def _features_rule(features):
    """The last feature cannot be switched off."""
    if not features:
        raise Refused("A network needs at least one input: that feature stays on.", "info")
    return {"features": tuple(features)}


def _formula_rule(typed):
    """A formula the parser refuses is not used: the notice quotes it (shortened) and says why."""
    kept = st.session_state[K.CONFIG]["formula"]
    try:
        parse_formula(typed)
    except ValueError as e:
        raise Refused(f"The formula {shown(typed, QUOTED_CHARS)} was not used: {e}. The formula {kept} is "
                      "kept.") from None
    return {"formula": typed}


def _regularization_rule(regularization):
    """Picking L1 or L2 while the rate is 0 gives it a useful rate; None sets the rate back to 0."""
    rate = st.session_state[K.CONFIG]["reg_rate"]
    if regularization == "none":
        rate = 0.0
    elif rate == 0.0:
        rate = params.USEFUL_REG_RATE
    return {"regularization": regularization, "reg_rate": rate}


WIDGET_RULES = {"features": _features_rule, "formula": _formula_rule, "regularization": _regularization_rule,
                "hide": lambda hide: {"hide": tuple(hide)}}


def add_layer():
    """One more hidden layer, as wide as the last one (4 neurons for the first)."""
    hidden = st.session_state[K.CONFIG]["hidden"]
    set_param("hidden", hidden + (hidden[-1] if hidden else 4,))


def remove_layer():
    """Drop the last hidden layer."""
    set_param("hidden", st.session_state[K.CONFIG]["hidden"][:-1])


# -- data --

def use_data(data, message=None):
    """Train on the user's ``data`` (a trainable Data).

    The problem type follows the data (targets: regression, labels: classification).  ``message`` None
    keeps the network and playing (a point added to the drawing in use); otherwise training starts from
    epoch 0 and the message says so.  A loss that does not fit the data follows them, with a notice; data
    that still cannot be trained on are refused with a message, and the previous data stay.  Call it from
    a callback: it sets widgets.
    """
    ss = st.session_state
    before = {key: ss[key] for key in (K.USER_DATA, K.DRAWN, K.CONFIG, K.EXP, K.PLAYING)}
    problem = "regression" if kind_of(data.y) == "regression" else "classification"
    if ss[K.CONFIG]["problem"] != problem:
        set_config(params.validate({**ss[K.CONFIG], "problem": problem,
                                    "dataset": params.default_dataset(problem), "loss": "auto"}))
    ss[K.USER_DATA] = data
    ss[K.DRAWN] = None
    try:
        rebuild(keep_network=message is None)
    except ValueError as e:
        for key, value in before.items():
            ss[key] = value
        notify("error", f"These points cannot be trained on with this setup: {e}. Your previous data are kept.")
        return
    exp = ss[K.EXP]
    if exp.config != ss[K.CONFIG]:  # the loss followed the data's kind (exp.notices say so)
        set_config(exp.config)
    if message:
        notify("success", message)
    for text in exp.notices:
        notify("info", text)


def use_builtin_data():
    """Back to the configured dataset (the user's points are dropped)."""
    ss = st.session_state
    ss[K.USER_DATA] = None
    ss[K.DRAWN] = None
    rebuild()


def drawn_points():
    """The points on the drawing canvas: those drawn so far, or else the data the network trains on."""
    ss = st.session_state
    if ss[K.DRAWN] is not None:
        return ss[K.DRAWN]
    if ss[K.USER_DATA] is not None:
        return ss[K.USER_DATA]
    exp = ss[K.EXP]
    return Data(exp.X, exp.y, DATASETS[exp.config["dataset"]].label)


def add_points(new):
    """Add points ``new`` (m, 2) of the class picked in *Your data* to the canvas; train on them once trainable.

    Class points cannot join regression targets: drawing over a regression dataset starts a new drawing
    (the data in use stays until the drawing can be trained on).  Drawn and uploaded points share one cap,
    ``CSV_MAX_ROWS``: points beyond it are not added, with a notice.
    """
    ss = st.session_state
    base = drawn_points()
    if kind_of(base.y) == "regression":
        base = Data(np.empty((0, 2)), np.empty(0, np.int64), DRAWN_NAME)
    new = np.clip(np.asarray(new, dtype=np.float64).reshape(-1, 2), *EXTENT)
    room = max(CSV_MAX_ROWS - len(base.X), 0)
    if len(new) > room:
        notify("warning", f"Your data hold at most {CSV_MAX_ROWS:,} points: {len(new) - room:,} more were not "
                          "added.")
        new = new[:room]
        if not room:
            return
    label = ss.get(K.DRAW_CLASS) or 0
    drawn = Data(np.vstack([base.X, new]), np.concatenate([base.y, np.full(len(new), label, np.int64)]), DRAWN_NAME)
    if drawn.trainable:
        drawing_in_use = ss[K.USER_DATA] is not None and ss[K.USER_DATA].name == DRAWN_NAME
        use_data(drawn, None if drawing_in_use else f"Training on your {len(drawn.X)} drawn points.")
    else:
        ss[K.DRAWN] = drawn


def clear_points():
    """An empty canvas; the network goes back to the built-in dataset until the drawing can be trained on."""
    ss = st.session_state
    had_own = ss[K.USER_DATA] is not None
    use_builtin_data()
    ss[K.DRAWN] = Data(np.empty((0, 2)), np.empty(0, np.int64), DRAWN_NAME)
    if had_own:
        notify("info", "Your points are cleared: the network trains on the built-in dataset until you draw "
                       "at least 4 points of 2 classes.")


# -- a class (classroom/store.py; ui/class_page.py draws it) --

def class_query():
    """The URL keys of the student's class, kept beside the configuration's so that a reload stays in it."""
    c = st.session_state.get(K.CLASS)
    return {"join": c["code"], "seat": c["seat"]} if c else {}


def setup_link(config):
    """A configuration as a link's query text (``params.encode_changes``): what a class keeps of a setup."""
    return urllib.parse.urlencode(params.encode_changes(config))


def setup_of(link):
    """The configuration a link's query text gives (bad values fall back to their defaults)."""
    return params.decode_link(dict(urllib.parse.parse_qsl(link)))[0]


def start_class(store):
    """The Class panel's Start: a class named as typed, starting from the setup on screen."""
    ss = st.session_state
    try:
        code, key = store.create_class(ss.get(K.CLASS_TITLE) or "", setup_link(ss[K.CONFIG]))
    except ClassError as e:
        notify("error", str(e))
        return
    ss[K.TEACHING] = {"code": code, "key": key, "title": ss[K.CLASS_TITLE].strip()}


def join_class(store):
    """The join form's Join: into the class with the nickname typed, and onto the class's starting setup."""
    ss = st.session_state
    c = ss[K.CLASS]
    try:
        joined = store.join(c["code"], ss.get(K.CLASS_NICKNAME) or "", c["seat"])
    except ClassError as e:
        notify("error", str(e))
        return
    ss[K.CLASS] = {**c, "nickname": ss[K.CLASS_NICKNAME], "title": joined["title"]}
    use_setup(setup_of(joined["setup"]))
    notify("success", f"You joined {joined['title']} as {ss[K.CLASS_NICKNAME]}.")


def rejoin_class(store):
    """After a reload: the seat in the link finds the student's nickname (the setup stays the link's).
    Returns False when it finds none (the join form shows)."""
    ss = st.session_state
    c = ss[K.CLASS]
    try:
        seat = store.rejoin(c["code"], c["seat"])
    except ClassError:
        return False
    ss[K.CLASS] = {**c, "nickname": seat["nickname"], "title": seat["title"]}
    return True


def seat_to_keep():
    """What the browser's keeper (``pin_store``) does with the student's seat this run: ``{"code", "write":
    seat}`` once they are in the class, ``{"code", "read": True}`` while the join form waits for the seat the
    browser may keep for the class (``take_kept_seat``), else None."""
    ss = st.session_state
    c = ss.get(K.CLASS)
    if not c:
        return None
    if c["nickname"] is None:
        return None if ss.get(K.CLASS_SEAT_READ) else {"code": c["code"], "read": True}
    if ss.get(K.CLASS_SEAT_KEPT) != c["seat"]:
        ss[K.CLASS_SEAT_KEPT] = c["seat"]
        return {"code": c["code"], "write": c["seat"]}
    return None


def take_kept_seat(open_store, seat):
    """The seat the browser keeps for the class (the keeper's trigger), read as untrusted input: a seat of the
    class rejoins its student as Join would (onto the class's setup); anything else leaves the join form as
    it is and says nothing (a forged seat learns nothing).  An unreachable class is read again at the next
    run."""
    ss = st.session_state
    c = ss.get(K.CLASS)
    if not c or c["nickname"] is not None or ss.get(K.CLASS_SEAT_READ):
        return
    try:
        back = open_store().rejoin(c["code"], seat) if codes.is_seat(seat) else None
    except Unreachable:
        return
    except ClassError:
        back = None
    ss[K.CLASS_SEAT_READ] = True
    if back:
        ss[K.CLASS] = {**c, "seat": seat, "nickname": back["nickname"], "title": back["title"]}
        ss[K.CLASS_SEAT_KEPT] = seat
        use_setup(setup_of(back["setup"]))
        notify("success", f"Welcome back to {back['title']}, {back['nickname']}.")


def share_with_class():
    """Share the run on screen with the class (written by the next ``class_tick``, kept until it is)."""
    ss = st.session_state
    exp = ss[K.EXP]
    ss[K.PINS_MADE] = ss.get(K.PINS_MADE, 0) + 1
    pin = pins.pinned(f"Run {ss[K.PINS_MADE]}", ss[K.CONFIG], exp.trainer, ss[K.USER_DATA] is not None,
                      pictures.thumbnail(exp))
    ss[K.CLASS_STATUS] = None
    ss[K.CLASS_OUTBOX]["runs"].append({
        "name": pin["name"], "setup": setup_link(pin["config"]), "picture": pin["picture"].tobytes().hex(),
        "run": {**pin["numbers"], "curve": pin["curve"][:, 2].tolist()}})


def class_tick(open_store):
    """What a student's page does every ``CLASS_TICK_SECONDS`` in a class: write what waits (shared runs, then
    the challenge's checklist, then what they are doing now), then read what the teacher shows.
    ``open_store()`` gives the store.  Returns True when what the banner shows changed (a new show, another
    status): the page must follow.

    What the rate limit holds back waits for the next tick; what a limit refuses for good (a 51st run) is
    dropped, and ``CLASS_STATUS`` says why until the next Share.  An unreachable class is said so in
    ``CLASS_STATUS`` and tried again ``CLASS_RETRY_SECONDS`` later (waiting for a database that does not answer
    holds this session's page, so not at every tick); what waits is kept meanwhile."""
    ss = st.session_state
    if ss.get(K.CLASS_RETRY_AT, 0) > time.monotonic():
        return False
    shown = ss.get(K.CLASS_STATUS), take_class_show()
    ss[K.CLASS_TICKED] = time.monotonic()
    try:
        store = open_store()
        if ss.get(K.CLASS_STATUS) == str(Unreachable()):
            ss[K.CLASS_STATUS] = None
        _write_to_class(store)
        ss[K.CLASS_SHOW] = store.current_show(ss[K.CLASS]["code"])
    except ClassError as e:  # unreachable, or the class was deleted: the playground goes on alone
        ss[K.CLASS_STATUS] = str(e)
        ss[K.CLASS_RETRY_AT] = time.monotonic() + CLASS_RETRY_SECONDS
    return (ss.get(K.CLASS_STATUS), take_class_show()) != shown


def class_tick_due():
    """Whether a joined student's class tick is due: at once when there is news (a run to share, a challenge
    condition met or a pass), else ``CLASS_TICK_SECONDS`` after the last one.  While they play, the live
    fragment's runs do the ticks (``class_page.follow_class``), not a timer of the banner's."""
    ss = st.session_state
    c = ss.get(K.CLASS)
    if not (c and c["nickname"]):
        return False
    news = ss[K.CLASS_OUTBOX]["runs"] or _graded(_challenge_result()) != _graded(ss.get(K.CLASS_SENT))
    return bool(news) or time.monotonic() - ss.get(K.CLASS_TICKED, 0) >= CLASS_TICK_SECONDS


def _write_to_class(store):
    """``class_tick``'s writes, in order, as far as the rate limit lets them go."""
    ss = st.session_state
    c, outbox = ss[K.CLASS], ss[K.CLASS_OUTBOX]
    result = _challenge_result()
    if result is not None and _graded(result) != _graded(ss.get(K.CLASS_SENT)):
        outbox["result"] = result
    while outbox["runs"]:
        if not _sent(lambda: store.share_run(c["code"], c["seat"], **outbox["runs"][0])):
            return
        outbox["runs"].pop(0)
    if outbox["result"] is not None:
        if not _sent(lambda: store.report_result(c["code"], c["seat"], outbox["result"])):
            return
        ss[K.CLASS_SENT], outbox["result"] = outbox["result"], None
    _sent(lambda: store.report_activity(c["code"], c["seat"], _activity()))


def _sent(write):
    """Do one write to the class: True when it is done with (written, or refused for good, the reason kept in
    ``CLASS_STATUS``), False when the rate limit holds it back."""
    try:
        write()
    except RateLimited:
        return False
    except Unreachable:
        raise
    except ClassError as e:
        st.session_state[K.CLASS_STATUS] = str(e)
    return True


def _graded(result):
    """What of a challenge result is worth a write: which challenge, its setup, the pass, each condition's mark
    (the epoch and the losses reach the dashboard with the activity)."""
    return result and (result["challenge"], result["setup"], result["passed_epoch"],
                       tuple(row[-1] for row in result["checklist"]))


def _activity():
    """What the student is doing now, for the teacher's dashboard."""
    ss = st.session_state
    c, tr = ss[K.CONFIG], runner()
    latest = tr.latest if ss[K.RACING] is None else {}
    return {"dataset": "your data" if ss[K.USER_DATA] is not None else DATASETS[c["dataset"]].label,
            "network": "-".join(map(str, ss[K.EXP].net.sizes)), "epoch": int(tr.epoch),
            "test_loss": latest.get("test_loss"), "playing": bool(ss[K.PLAYING]), "challenge": c["challenge"]}


def _challenge_result():
    """The active challenge's checklist now, as the class keeps it (``Store.report_result``), or None."""
    ss = st.session_state
    c = ss[K.CONFIG]
    if c["challenge"] == "none":
        return None
    tr = ss[K.EXP].trainer
    _, rows = check(CHALLENGES[c["challenge"]], measure(c, tr))
    passed = tr.milestones.get(c["challenge"])
    latest = tr.latest
    return {"challenge": c["challenge"], "epoch": int(tr.epoch), "passed_epoch": passed[0] if passed else None,
            "test_loss": latest.get("test_loss"), "test_accuracy": latest.get("test_accuracy"),
            "neurons": int(sum(c["hidden"])), "checklist": [[str(x) for x in row[:4]] + [bool(row[4])]
                                                          for row in rows], "setup": setup_link(c)}


def take_class_show():
    """The teacher's show not yet loaded or put aside by this student, or None."""
    ss = st.session_state
    show = ss.get(K.CLASS_SHOW)
    return show if show and show["id"] != ss.get(K.CLASS_SHOW_SEEN) else None


def load_class_show():
    """Load what the teacher shows (its setup, from epoch 0): the student asked for it."""
    ss = st.session_state
    show = take_class_show()
    if show:
        ss[K.CLASS_SHOW_SEEN] = show["id"]
        use_setup(setup_of(show["setup"]))
        notify("success", f"{show['label']} is loaded: press Play to train it.")
        ask_full_rerun()  # clicked in the class's banner, a fragment: the whole page must follow


def put_class_show_aside():
    """Not now: the notice of what the teacher shows goes, until the teacher shows something else."""
    show = take_class_show()
    if show:
        st.session_state[K.CLASS_SHOW_SEEN] = show["id"]
