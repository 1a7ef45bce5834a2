"""The live area: metrics and pictures, redrawn ten times a second while playing.

Each tick trains ``speed`` epochs, evaluates the network once over the plane
(every neuron at once, float32) and redraws the metrics, the network, the
output and the loss curves.  While playing these are SVG pictures
(``svg.py``), sent inline as data URLs: a browser shows an image far faster
than it re-mounts a Plotly chart, and an inline image cannot go missing, as a
media-file URL can when the next tick replaces the file before the browser
fetched it.  When paused, the same pictures are interactive Plotly figures
with the weights on hover.

The ticks run in a loop inside one run, each drawing over the last in
placeholders: a Streamlit run costs the server more than a tick's own work
(starting the run, the session's widget states, its messages), and so does
every timer request, so a run per tick would halve how many sessions one
server carries.  While playing, the app's own run goes on ticking for
``HANDOVER`` seconds, when the fragment's timer (every ``HANDOVER`` seconds)
asks for the next run, which ticks for ``LOOP_SECONDS``: a closed tab stops
costing anything soon after.  Requests that arrive during a fragment's run
wait for its end.  Play/Pause/Step/Reset and every other widget are outside:
a click reruns the app, which stops the loop at its next tick and re-creates
the fragment with or without its timer.
"""

from __future__ import annotations

import collections
import threading
import time

import numpy as np
import streamlit as st

from . import figures, state, svg
from .pictures import layer_labels, pictures

TICK = 0.1  # seconds between redraws while playing
HANDOVER = 1.0  # the app's run ticks this long; the fragment's timer fires this often
LOOP_SECONDS = 10.0  # a run of the fragment ticks this long
CURVES_EVERY = 1.0  # seconds between redraws of the loss curves while playing
PLOT_CONFIG = {"displayModeBar": False}


class FairLock:
    """A lock granted in the order it was asked for.

    ``threading.Lock`` wakes an arbitrary waiter: with many sessions waiting,
    some got half the ticks of others.  Here each waiter queues an event, and
    the holder hands the lock straight to the oldest one.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiting = collections.deque()
        self._held = False

    def __enter__(self):
        with self._mutex:
            if not self._held:
                self._held = True
                return self
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # set by the holder, which passed the lock on
        return self

    def __exit__(self, *exc):
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


# One tick at a time in the whole server, in turn.  Every session's fragment runs in a thread of its
# own, but they share one core's worth of Python: N ticks interleaved each take N times longer, and
# Streamlit drops a fragment's unsent output when its next run starts, so with many sessions playing
# almost no tick would reach its browser (measured: 10 sessions, 0.45 updates/s each; 30 sessions, none).
# The lock guards no data; sessions share nothing.
TICK_LOCK = FairLock()


def loss_text(value):
    """A loss for display: 4 decimals, 3 significant digits once it is huge (a run about to diverge)."""
    if np.isnan(value):
        return "–"
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"


def metric_texts(tr):
    """(label, text) of the metrics: epoch, losses and, for classification, accuracies."""
    h = tr.latest
    done, per_epoch = tr.batch_progress
    epoch = f"{tr.epoch:,}" + (f" + {done}/{per_epoch} batches" if done else "")
    texts = [("Epoch", epoch), ("Train loss", loss_text(h["train_loss"])),
             ("Test loss", loss_text(h["test_loss"]))]
    if not np.isnan(h["train_accuracy"]):
        texts += [("Train accuracy", f"{h['train_accuracy']:.1%}"),
                  ("Test accuracy", "–" if np.isnan(h["test_accuracy"]) else f"{h['test_accuracy']:.1%}")]
    return texts


def draw_metrics(places, tr, shown):
    """The metrics into their five placeholders, each only if its text changed since ``shown`` (a dict of
    what this run drew, updated)."""
    for place, (label, text) in zip(places["metrics"], metric_texts(tr)):
        if shown.get(label) != text:
            place.metric(label, text)
            shown[label] = text


def draw_pictures(places, exp, interactive, curves=True):
    """The network diagram, the output picture and (if ``curves``) the loss curves: Plotly figures, or SVG
    pictures while playing."""
    c = exp.config
    grid, thumbs = pictures(exp)
    labels, weights = layer_labels(exp), exp.net.weights
    output = (grid, exp.grid.extent, exp.X_train, exp.y_train, exp.X_test, exp.y_test)
    style = {"kind": exp.kind, "show_test": c["show_test"], "discretize": c["discretize"]}
    if interactive:
        places["network"].plotly_chart(figures.network_figure(labels, weights, thumbs), key="network_fig",
                                      config=PLOT_CONFIG)
        places["boundary"].plotly_chart(figures.boundary_figure(*output, **style), key="boundary_fig",
                                       config=PLOT_CONFIG)
        places["loss"].plotly_chart(figures.loss_figure(exp.trainer.history), key="loss_fig", config=PLOT_CONFIG)
    else:
        places["network"].image(svg.data_url(svg.network_svg(labels, weights, thumbs)))
        places["boundary"].image(svg.data_url(svg.boundary_svg(*output, **style)))
        if curves:
            places["loss"].image(svg.data_url(svg.loss_svg(exp.trainer.loss_curve())))


def advance(exp):
    """Train one tick's worth of epochs; stop playing at the epoch limit or on divergence."""
    tr = exp.trainer
    tr.run(min(exp.config["speed"], max(exp.config["epochs"] - tr.epoch, 0)))
    if state.check_stop():
        st.rerun()


def live_ui(slots):
    """Draw the live area into ``slots``; while playing, keep training and redrawing it.

    Call it last: while playing, the app's run ends only ``HANDOVER`` seconds later.
    """
    ss = st.session_state
    ss.live_in_app_run = True

    @st.fragment(run_every=HANDOVER if ss.playing else None)
    def live():
        places = {name: [c.empty() for c in slot] if name == "metrics" else slot.empty()
                  for name, slot in slots.items()}
        shown = {}
        next_tick = curves_due = time.monotonic()
        end = next_tick + (HANDOVER if ss.pop("live_in_app_run", False) else LOOP_SECONDS)
        while True:
            curves = time.monotonic() >= curves_due
            with TICK_LOCK:
                if ss.playing:
                    advance(ss.exp)
                draw_metrics(places, ss.exp.trainer, shown)
                draw_pictures(places, ss.exp, interactive=not ss.playing, curves=curves)
            if curves:
                curves_due = time.monotonic() + CURVES_EVERY
            next_tick = max(next_tick + TICK, time.monotonic())
            if not ss.playing or next_tick >= end:
                return
            time.sleep(max(next_tick - time.monotonic(), 0.0))

    live()
