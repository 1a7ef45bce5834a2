"""The live area: metrics and pictures, redrawn by a fragment several times a second while playing.

Each tick trains ``speed`` epochs, then evaluates the network once over the
plane (every neuron at once, float32) and redraws.  Play/Pause/Step/Reset are
outside the fragment: a click reruns the app, which re-creates the fragment
with or without its timer.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nn_core.features import feature_label

from . import figures, state

TICK = 0.1  # seconds between redraws while playing
THUMB_STRIDE = 4  # neuron thumbnails sample every 4th grid point (96 -> 24)
PLOT_CONFIG = {"displayModeBar": False}


def layer_labels(exp):
    """Node labels per layer: features, hidden neurons, outputs."""
    sizes = exp.net.sizes
    hidden = [[f"{l}.{i + 1}" for i in range(k)] for l, k in enumerate(sizes[1:-1], start=1)]
    if exp.kind == "multiclass" or sizes[-1] > 1:
        out = [f"class {k}" for k in range(sizes[-1])]
    else:
        out = ["output"]
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


def draw_metrics(where, tr):
    """Epoch, losses and accuracies as metrics."""
    h = tr.history.iloc[-1]
    cols = where.columns(5)
    cols[0].metric("Epoch", f"{tr.epoch:,}")
    cols[1].metric("Train loss", f"{h.train_loss:.4f}")
    cols[2].metric("Test loss", "–" if np.isnan(h.test_loss) else f"{h.test_loss:.4f}")
    if not np.isnan(h.train_accuracy):
        cols[3].metric("Train accuracy", f"{h.train_accuracy:.1%}")
        cols[4].metric("Test accuracy", "–" if np.isnan(h.test_accuracy) else f"{h.test_accuracy:.1%}")
    if tr.diverged:
        where.error(tr.status, icon=":material/warning:")


def draw(slots, exp, net=None, history=None):
    """Redraw the network diagram, the output picture and the loss curves."""
    c = exp.config
    net = net or exp.net
    grid, thumbs = pictures(exp, net)
    with slots["network"]:
        st.plotly_chart(figures.network_figure(layer_labels(exp), net.weights, thumbs),
                        key="network_fig", config=PLOT_CONFIG)
    with slots["boundary"]:
        st.plotly_chart(
            figures.boundary_figure(grid, exp.grid.extent, exp.X_train, exp.y_train, exp.X_test, exp.y_test,
                                    kind=exp.kind, show_test=c["show_test"], discretize=c["discretize"]),
            key="boundary_fig", config=PLOT_CONFIG)
    with slots["loss"]:
        st.plotly_chart(figures.loss_figure(exp.trainer.history if history is None else history),
                        key="loss_fig", config=PLOT_CONFIG)


def advance(exp):
    """Train one tick's worth of epochs; stop playing at the epoch limit or on divergence."""
    ss = st.session_state
    tr = exp.trainer
    limit = exp.config["epochs"]
    tr.run(min(exp.config["speed"], max(limit - tr.epoch, 0)))
    if tr.diverged or tr.epoch >= limit:
        ss.playing = False
        if tr.diverged:
            state.notify("error", tr.status)
        st.rerun()


def live_ui(slots):
    """Run the live fragment: with a timer while playing, without one when paused."""
    ss = st.session_state

    @st.fragment(run_every=TICK if ss.playing else None)
    def live():
        exp = ss.exp
        if ss.playing:
            advance(exp)
        with slots["metrics"]:
            draw_metrics(st, exp.trainer)
        draw(slots, exp)

    live()
