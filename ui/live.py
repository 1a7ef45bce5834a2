"""The live area: metrics and pictures, redrawn by fragments several times a second while playing.

Each tick of the fast fragment trains ``speed`` epochs, evaluates the network
once over the plane (every neuron at once, float32) and redraws the metrics,
the network and the output.  While playing these two, and the loss curves,
are SVG pictures (``svg.py``), sent inline as data URLs: a browser shows an
image far faster than it re-mounts a Plotly chart, and an inline image cannot
go missing, as a media-file URL can when the next tick replaces the file
before the browser fetched it.  When paused, the same pictures are
interactive Plotly figures with the weights on hover.  The loss curves have
their own, slower fragment.
Play/Pause/Step/Reset are outside: a click reruns the app, which re-creates
the fragments with or without their timers.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from nn_core.features import feature_label

from . import figures, svg

TICK = 0.08  # seconds between redraws while playing
CURVES_TICK = 1.0  # seconds between loss-curve redraws while playing
THUMB_STRIDE = 4  # neuron thumbnails sample every 4th grid point (96 -> 24)
PLOT_CONFIG = {"displayModeBar": False}
# One tick at a time in the whole server.  Every session's fragments run in threads of their own, but
# they share one core's worth of Python: N ticks interleaved each take N times longer, and Streamlit
# drops a fragment's unsent output when its next run starts, so with many sessions playing almost no
# tick would reach its browser (measured: 10 sessions, 0.45 updates/s each; 30 sessions, none).
# The lock guards no data; sessions share nothing.
TICK_LOCK = threading.Lock()


def layer_labels(exp):
    """Node labels per layer: features, hidden neurons, outputs."""
    sizes = exp.net.sizes
    hidden = [[f"{l}.{i + 1}" for i in range(k)] for l, k in enumerate(sizes[1:-1], start=1)]
    out = [f"class {k}" for k in range(sizes[-1])] if sizes[-1] > 1 else ["output"]
    return [[feature_label(f) for f in exp.config["features"]]] + hidden + [out]


def pictures(exp, net=None):
    """Grid values for the output picture and a thumbnail stack per layer, all in display units.

    ``net`` defaults to the experiment's network (a past snapshot may be passed).
    Returns ``(grid, thumbnails)``: grid is ``(res, res)`` (binary: P(class 1);
    regression: value) or ``(res, res, k)`` class probabilities; thumbnails are
    float32 ``(r, r, n_nodes)`` per layer in [-1, 1].
    """
    acts = exp.grid.activations(net or exp.net)
    out = acts[-1]
    grid = out.copy() if exp.kind == "multiclass" else out[..., 0].copy()
    s = THUMB_STRIDE
    inputs = acts[0][::s, ::s]
    thumbs = [inputs / np.maximum(np.abs(inputs).max(axis=(0, 1)), 1e-9)]
    thumbs += [a[::s, ::s].copy() for a in acts[1:-1]]
    last = out[::s, ::s]
    thumbs.append(last.copy() if exp.kind == "regression" else 2 * last - 1)
    return grid, thumbs


def loss_text(value):
    """A loss for display: 4 decimals, 3 significant digits once it is huge (a run about to diverge)."""
    if np.isnan(value):
        return "–"
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"


def draw_metrics(slots, tr):
    """Epoch, losses and accuracies into the five metric columns; the divergence message below them."""
    h = tr.latest
    cols = slots["metrics"]
    cols[0].metric("Epoch", f"{tr.epoch:,}")
    cols[1].metric("Train loss", loss_text(h["train_loss"]))
    cols[2].metric("Test loss", loss_text(h["test_loss"]))
    if not np.isnan(h["train_accuracy"]):
        cols[3].metric("Train accuracy", f"{h['train_accuracy']:.1%}")
        cols[4].metric("Test accuracy", "–" if np.isnan(h["test_accuracy"]) else f"{h['test_accuracy']:.1%}")
    if tr.diverged:
        slots["status"].error(tr.status, icon=":material/warning:")


def draw_pictures(slots, exp, interactive):
    """The network diagram and the output picture: Plotly figures, or SVG pictures while playing."""
    c = exp.config
    grid, thumbs = pictures(exp)
    labels, weights = layer_labels(exp), exp.net.weights
    output = (grid, exp.grid.extent, exp.X_train, exp.y_train, exp.X_test, exp.y_test)
    style = {"kind": exp.kind, "show_test": c["show_test"], "discretize": c["discretize"]}
    if interactive:
        slots["network"].plotly_chart(figures.network_figure(labels, weights, thumbs), key="network_fig",
                                      config=PLOT_CONFIG)
        slots["boundary"].plotly_chart(figures.boundary_figure(*output, **style), key="boundary_fig",
                                       config=PLOT_CONFIG)
    else:
        slots["network"].image(svg.data_url(svg.network_svg(labels, weights, thumbs)))
        slots["boundary"].image(svg.data_url(svg.boundary_svg(*output, **style)))


def advance(exp):
    """Train one tick's worth of epochs; stop playing at the epoch limit or on divergence."""
    ss = st.session_state
    tr = exp.trainer
    limit = exp.config["epochs"]
    tr.run(min(exp.config["speed"], max(limit - tr.epoch, 0)))
    if tr.diverged or tr.epoch >= limit:  # a diverged trainer's message shows under the metrics
        ss.playing = False
        st.rerun()


def live_ui(slots):
    """Run the live fragments: with timers while playing, without when paused."""
    ss = st.session_state
    playing = ss.playing

    @st.fragment(run_every=TICK if playing else None)
    def live():
        exp = ss.exp
        with TICK_LOCK:
            if ss.playing:
                advance(exp)
            draw_metrics(slots, exp.trainer)
            draw_pictures(slots, exp, interactive=not ss.playing)

    @st.fragment(run_every=CURVES_TICK if playing else None)
    def curves():
        with TICK_LOCK:
            tr = ss.exp.trainer
            if ss.playing:
                slots["loss"].image(svg.data_url(svg.loss_svg(tr.loss_curve())))
            else:
                slots["loss"].plotly_chart(figures.loss_figure(tr.history), key="loss_fig", config=PLOT_CONFIG)

    live()
    curves()
