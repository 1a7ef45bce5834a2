"""Helpers shared by the test modules (a test module imports from here, never from another test module).

The AppTest suites: start the app, read what it shows, open a panel.  The numerical suites: backprop against
central differences, the fast network against the readable reference, the patience rule by hand.  Server
processes, Chromium and nginx have their helper modules, which bench/ uses too: ``tests/servers.py``,
``tests/browser.py``, ``tests/proxy.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from nn_core import Network, reference
from playground.batch import decode
from ui import state

# -- the app under AppTest --

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(**query):
    """The app after its first run on the URL query ``query``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def readout(at):
    """The numbers the live view shows beside its picture after this run, {label: text}: the last frame of
    the batch it was given (AppTest cannot run its JavaScript; the texts are made on the server)."""
    live = next(c for c in at.get("bidi_component") if c.proto.component_name == "nnpg_live"
                and c.proto.id.endswith("-live"))
    meta = decode(live.proto.bytes).meta
    return {label: text for (label, _, _), text in zip(meta["readout"], meta["readout_texts"][-1])}


def pin_store_data(at):
    """What this run asks the browser's keeper (``ui/pin_store.py``) to do: its ``data``, or None."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    text = next(e.proto.json for e in walk(at._tree)
                if type(e).__name__ == "UnknownElement" and e.proto.id.endswith("-pin_store"))
    return json.loads(text) if text else None  # no data: an empty field


def deliver(at, widget_state):
    """The next run of ``at`` with ``widget_state`` added to what the page's widgets send."""
    states = at._tree.get_widget_states()
    states.widgets.append(widget_state)
    return at._run(states)


def send(at, component, event, value):
    """Run ``at`` as when the browser's ``component`` (its registered name) sets trigger ``event`` to
    ``value`` (any JSON: NaN, Infinity and huge integers included)."""
    (proto,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == component]
    return deliver(at, WidgetState(id=_make_trigger_id(proto.id, "events"),
                                   json_trigger_value=json.dumps([{"event": event, "value": value}])))


@pytest.fixture
def told(monkeypatch):
    """The messages the session is given, as ``state.notify`` queues them: (kind, text).  A callback that
    asks the live fragment for a full run (``LIVE_RERUN_APP``) has its message shown on that run; in
    AppTest, whose run here is already a full one, that rerun replaces the page."""
    messages = []
    notify = state.notify
    monkeypatch.setattr(state, "notify", lambda kind, text: (messages.append((kind, text)), notify(kind, text)))
    return messages


def said(told, kind):
    """Every ``kind`` message given so far, joined; the record is emptied."""
    text = " ".join(t for k, t in told if k == kind)
    told.clear()
    return text


def metric(at, label):
    """The text the live view shows for ``label`` (``readout``)."""
    return readout(at)[label]


def config(at):
    return at.session_state["config"]


def shown(markdown):
    """What a reader sees of Markdown source that escapes its punctuation (``ui.text.plain``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def notices(at, kind):
    """The text of every ``kind`` element (warning, error, info, success) as the reader sees it."""
    return " ".join(shown(e.value) for e in getattr(at, kind))


def trained(epochs=3, **query):
    """The app after ``epochs`` presses of Step."""
    at = run_app(**query)
    for _ in range(epochs):
        at.button(key="step").click().run()
    assert metric(at, "Epoch") == str(epochs)
    return at


def play_until_stopped(at, runs=100):
    """Press Play and run the app again until playing stops; fail unless it stops within ``runs`` runs, the
    click's own run included."""
    at.button(key="play").click().run()
    for _ in range(runs - 1):
        if not at.session_state["playing"]:
            return at
        at.run()
    assert not at.session_state["playing"], f"still playing after {runs} runs"
    return at


def upload_csv(at, name, text):
    """Upload ``text`` as the CSV file ``name`` in the Data panel's uploader, and run the app."""
    return at.file_uploader(key="csv_upload").set_value((name, text.encode(), "text/csv")).run()


def open_panel(at, name):
    at.segmented_control(key="panel").set_value(name).run()
    assert not at.exception
    return at


# -- gradients: backprop against central differences --

OUTPUT_LOSS = [("sigmoid", "bce"), ("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"),
               ("softmax", "cross_entropy")]
SHAPES = [[3], [3, 5], [3, 5, 4], [2, 4, 4, 4, 4]]  # inputs and hidden layers; outputs added per loss
EPS = 1e-6


def numeric_gradients(net, X, y, loss, dropout=None):
    """Central differences of net.loss over every parameter (with fixed dropout masks, if given)."""
    grad = np.empty_like(net.params)
    for i in range(len(net.params)):
        old = net.params[i]
        net.params[i] = old + EPS
        up = net.loss(X, y, loss, dropout)
        net.params[i] = old - EPS
        down = net.loss(X, y, loss, dropout)
        net.params[i] = old
        grad[i] = (up - down) / (2 * EPS)
    return grad


def analytic_gradients(net, X, y, loss, dropout=None):
    """net.gradients flattened in the order of net.params."""
    dW, db = net.gradients(X, y, loss, dropout)
    flat = np.empty_like(net.params)
    for m, w, b in zip(net.layer_views(flat), dW, db):
        m[:-1], m[-1] = w, b
    return flat


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12)


def problem(shape, output, loss, activation, seed):
    """A network of ``shape`` plus its outputs (nonzero biases), 7 random inputs and labels or targets for ``loss``."""
    rng = np.random.default_rng(seed)
    n_out = 3 if output == "softmax" else 2 if len(shape) % 2 else 1
    net = Network(shape + [n_out], activation=activation, output_activation=output, seed=seed)
    for b in net.biases:  # nonzero biases are checked too, and keep ReLU's z away from its kink at 0
        b[...] = rng.normal(0, 0.5, b.shape)
    X = rng.normal(0, 1.0, (7, shape[0]))
    if loss == "cross_entropy":
        y = rng.integers(0, n_out, 7)
    elif loss == "bce":
        y = rng.integers(0, 2, (7, n_out)) if n_out > 1 else rng.integers(0, 2, 7)
    else:
        y = rng.uniform(-0.9, 0.9, (7, n_out)) if n_out > 1 else rng.uniform(-0.9, 0.9, 7)
    return net, X, y


# -- the reference network (nn_core/reference.py) --

def data(n, n_in, n_out, loss, seed):
    """Inputs, labels or targets for the Network, and the target matrix for the reference."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1.0, (n, n_in))
    if loss == "mse":
        y = rng.uniform(-0.9, 0.9, n)
    else:
        y = rng.integers(0, max(n_out, 2), n)
    return X, y, reference.targets(y, n_out)


def gap(arrays, others):
    """The largest absolute difference between paired arrays."""
    return max(float(np.max(np.abs(a - b))) for a, b in zip(arrays, others))


# -- stop conditions --

# A big network on few noisy points, as a URL query: the test loss soon stops improving.
OVERFITTING = {"dataset": "spiral", "noise": "0.5", "n_samples": "60", "hidden": "16,16", "optimizer": "adam",
               "learning_rate": "0.03", "batch_size": "5", "activation": "relu", "init": "he"}


def first_stop_by_hand(losses, patience, since=0):
    """The first epoch e at which e - max(best epoch so far, since) >= patience, from a list of losses."""
    best, best_epoch = math.inf, 0
    for e, loss in enumerate(losses):
        if loss < best:
            best, best_epoch = loss, e
        if e - max(best_epoch, since) >= patience:
            return e, best, best_epoch
    return None
