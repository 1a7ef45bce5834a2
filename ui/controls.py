"""Widgets. Each is derived from its declaration in ``nn_core.params`` (label, help,
choices, range), keyed by the parameter's name, and ``read_config`` collects
their values into a configuration."""

from __future__ import annotations

import streamlit as st

from nn_core import params
from nn_core.activations import ACTIVATIONS
from nn_core.datasets import DATASETS
from nn_core.features import feature_label
from nn_core.losses import LOSSES
from nn_core.optimizers import OPTIMIZERS
from nn_core.params import MAX_LAYERS, MAX_NEURONS, PARAMS

from . import state

_NAMED = {
    "dataset": lambda v: DATASETS[v].label,
    "activation": lambda v: ACTIVATIONS[v].label,
    "loss": lambda v: "Auto" if v == "auto" else LOSSES[v].label,
    "optimizer": lambda v: OPTIMIZERS[v].label,
    "features": feature_label,
    "regularization": lambda v: {"none": "None", "l1": "L1", "l2": "L2"}[v],
    "init": str.capitalize,
    "problem": str.capitalize,
}


def choice_label(name, value):
    """How a parameter value is shown in a widget."""
    if name in _NAMED:
        return _NAMED[name](value)
    if name == "noise" or name == "train_ratio":
        return f"{value:.0%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def param_widget(name, where=None, options=None, label_visibility="visible"):
    """The widget of one parameter, built from its declaration; returns its value."""
    ss = st.session_state
    p = PARAMS[name]
    where = where or st
    if name in ss.config["hide"]:  # a teacher's focused link hides it: keep the value
        return ss.config[name]
    state.restore_widget(name)
    kw = {"key": name, "help": p.help, "label_visibility": label_visibility}
    fmt = {"format_func": lambda v: choice_label(name, v)}
    if p.kind == "choice":
        opts = tuple(options or p.choices)
        if ss[name] not in opts:
            ss[name] = opts[0]
        if params._is_number(p.default):
            return where.select_slider(p.label, opts, **fmt, **kw)
        return where.selectbox(p.label, opts, **fmt, **kw)
    if p.kind == "bool":
        return where.toggle(p.label, **kw)
    if p.kind == "multi":
        return where.pills(p.label, p.choices, selection_mode="multi", **fmt, **kw)
    step = p.step or (1 if p.kind == "int" else 0.01)
    if (p.hi - p.lo) / step > 200:
        return where.number_input(p.label, p.lo, p.hi, step=step, **kw)
    return where.slider(p.label, p.lo, p.hi, step=step, **kw)


def read_config():
    """The configuration the widgets show now (invalid input keeps the previous value)."""
    ss = st.session_state
    config = dict(ss.config)
    for name in PARAMS:
        if name == "hidden":
            config[name] = tuple(ss.get(f"neurons_{i}", n) for i, n in enumerate(ss.config["hidden"]))
        elif name in ss:
            config[name] = tuple(ss[name]) if PARAMS[name].kind == "multi" else ss[name]
    if not config["features"]:
        state.notify("warning", "Keep at least one feature switched on.")
        config["features"] = ss.config["features"]
        ss.features = list(config["features"])
    try:
        return params.validate(config)
    except ValueError as e:
        state.notify("warning", f"{e}. The previous setting is kept.")
        return ss.config


# -- training buttons --

def _play():
    """Start playing, unless the epoch limit is reached or training diverged (its message stays shown)."""
    ss = st.session_state
    tr = ss.exp.trainer
    if tr.epoch >= ss.config["epochs"]:
        state.notify("info", f"Reached {ss.config['epochs']} epochs: raise Epochs to train on, or Reset.")
    elif not tr.diverged:
        ss.playing = True


def _pause():
    st.session_state.playing = False


def _step(kind):
    ss = st.session_state
    ss.playing = False
    tr = ss.exp.trainer
    (tr.train_epoch if kind == "epoch" else tr.train_step)()


def _reset():
    st.session_state.playing = False
    state.rebuild()


def _regenerate():
    ss = st.session_state
    ss.seed = (ss.seed + 1) % (PARAMS["seed"].hi + 1)


def toolbar_ui():
    """Play/Pause, Step (an epoch), Step batch (one mini-batch), Reset, and the training settings."""
    ss = st.session_state
    cols = st.columns([1.1, 1, 1.2, 1, 1.6, 1.4, 1.4, 1.4, 1.4, 1.5], vertical_alignment="bottom")
    # Two buttons, not one toggle: the browser may deliver one click twice (with a queued fragment
    # rerun and with the full rerun), and setting a state twice is harmless where toggling is not.
    if ss.playing:
        cols[0].button("Pause", key="pause", type="primary", on_click=_pause, icon=":material/pause:",
                       width="stretch")
    else:
        cols[0].button("Play", key="play", type="primary", on_click=_play, icon=":material/play_arrow:",
                       width="stretch")
    cols[1].button("Step", key="step", on_click=_step, args=("epoch",), help="Train one epoch",
                   width="stretch")
    cols[2].button("Step batch", key="step_batch", on_click=_step, args=("batch",),
                   help="Train on one mini-batch", width="stretch")
    cols[3].button("Reset", key="reset", on_click=_reset, help="New initial weights, epoch 0",
                   width="stretch")
    for col, name in zip(cols[4:], ("learning_rate", "activation", "optimizer", "regularization",
                                    "reg_rate", "problem")):
        param_widget(name, col)


def data_ui():
    """Dataset, its size, noise and split, batch size; Regenerate."""
    ss = st.session_state
    st.subheader("Data", divider="gray")
    regression = ss.problem == "regression"
    names = [n for n, d in DATASETS.items() if (d.kind == "regression") == regression]
    param_widget("dataset", options=names)
    if DATASETS[ss.dataset].kind == "multiclass":
        param_widget("n_classes")
    param_widget("noise")
    param_widget("train_ratio")
    param_widget("n_samples")
    param_widget("batch_size")
    param_widget("full_batch")
    st.button("Regenerate", key="regenerate", on_click=_regenerate, icon=":material/refresh:",
              help="New random points (and initial weights)")


def _add_layer():
    ss = st.session_state
    hidden = ss.config["hidden"]
    ss[f"neurons_{len(hidden)}"] = hidden[-1] if hidden else 4
    state.apply_config({**ss.config, "hidden": hidden + (ss[f"neurons_{len(hidden)}"],)})


def _remove_layer():
    ss = st.session_state
    state.apply_config({**ss.config, "hidden": ss.config["hidden"][:-1]})


def network_ui():
    """Features, hidden layers and their neurons, loss and initialisation."""
    ss = st.session_state
    st.subheader("Network", divider="gray")
    param_widget("features")
    hidden = ss.config["hidden"]
    if "hidden" in ss.config["hide"]:
        return
    c = st.columns([1, 1, 5], vertical_alignment="center")
    c[0].button("", key="remove_layer", icon=":material/remove:", on_click=_remove_layer,
                disabled=not hidden, help="Remove the last hidden layer")
    c[1].button("", key="add_layer", icon=":material/add:", on_click=_add_layer,
                disabled=len(hidden) >= MAX_LAYERS, help="Add a hidden layer")
    c[2].markdown(f"**{len(hidden)} hidden layer{'s' * (len(hidden) != 1)}**")
    if hidden:
        for i, col in enumerate(st.columns(len(hidden))):
            key = f"neurons_{i}"
            if key not in ss:
                ss[key] = hidden[i]
            col.number_input(f"Layer {i + 1}", 1, MAX_NEURONS, key=key, help="Neurons in this layer")
    with st.expander("More settings"):
        kind = params.dataset_kind(ss.config) if ss.user_data is None else ss.exp.kind
        losses = {"regression": ("auto", "mse"), "multiclass": ("auto", "cross_entropy")}.get(
            kind, params.LOSS_CHOICES)
        param_widget("loss", options=losses)
        param_widget("init")
        param_widget("epochs")
        param_widget("speed")
        param_widget("seed")


def output_ui():
    """Display toggles of the output picture."""
    c = st.columns(2)
    param_widget("show_test", c[0])
    param_widget("discretize", c[1])
