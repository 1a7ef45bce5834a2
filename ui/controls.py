"""Widgets: views of the session's configuration.

Each is derived from its parameter's declaration in ``playground.params`` (label,
help, choices, range, value labels) and keyed by the parameter's name.  Every time it is
drawn it is given the configuration's value, and a change goes back through
its on_change callback (``state.widget_changed``): the configuration is the one
source of truth, so a control that a run does not draw (hidden by a link, in a
closed panel, not yet sent to the browser when a run was cut short) can never
lose or reset a setting.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from nn_core.datasets import DATASETS, kind_of
from nn_core.schedules import rates
from playground import params
from playground.params import MAX_LAYERS, MAX_NEURONS

from . import figures, state
from .pictures import dataset_thumbnail
from .state import K, layer_key, layer_setting_key
from .text import plain

# A layer's neurons input: Streamlit shows its -/+ buttons from 121 px on; two of them and their gap fit the
# controls column at 1280 px (251 px).
LAYER_INPUT_PX = 121
MAX_PILLS = 12  # a multi-valued parameter of more choices is a multiselect: a pill each would fill the column


def param_widget(name, where=None, options=None, label_visibility="visible", disabled=False, why=None,
                 width="stretch"):
    """The widget of one parameter, built from its declaration and showing the configuration's value;
    returns that value.  A control the configuration hides is not drawn.

    ``disabled`` with ``why`` (the reason, added to the help) greys out a control that cannot apply now;
    the setting a race varies is greyed out too (``raced_why``).
    """
    ss = st.session_state
    p = params.PARAMS[name]
    where = where or st
    value = ss[K.CONFIG][name]
    if name in ss[K.CONFIG]["hide"]:  # a teacher's focused link hides it: the value stays
        return value
    raced = raced_why(name)
    if raced:
        disabled, why = True, raced
    state.show_view(name, state.param_view(name))
    kw = {"key": name, "help": f"{p.help} {why}" if disabled and why else p.help,
          "label_visibility": label_visibility, "disabled": disabled, "on_change": state.widget_changed,
          "args": (name,), "width": width}
    fmt = {"format_func": p.label_of}
    if p.kind == "choice":
        opts = tuple(options or p.choices)
        if params._is_number(p.default):
            where.select_slider(p.label, opts, **fmt, **kw)
        else:
            where.selectbox(p.label, opts, **fmt, **kw)
    elif p.kind == "bool":
        where.toggle(p.label, **kw)
    elif p.kind == "formula":
        where.text_input(p.label, **kw)  # no max_chars: a formula over the limit gets the parser's message
    elif p.kind == "multi" and len(p.choices) <= MAX_PILLS:
        where.pills(p.label, p.choices, selection_mode="multi", **fmt, **kw)
    elif p.kind == "multi":
        where.multiselect(p.label, p.choices, **fmt, **kw)
    else:
        step = p.step or (1 if p.kind == "int" else 0.01)
        if (p.hi - p.lo) / step > 200:
            where.number_input(p.label, p.lo, p.hi, step=step, **kw)
        else:
            where.slider(p.label, p.lo, p.hi, step=step, format="percent" if p.percent else None, **kw)
    return value


def raced_why(name):
    """Why setting ``name``'s control is greyed out while a race varies it, or None when it does not."""
    race = params.parse_race(st.session_state[K.CONFIG]["race"])
    if race is None or race[0] != name:
        return None
    values = ", ".join(params.PARAMS[name].racer_label(v) for v in race[1])
    return f"The race varies it ({values}): end the race in the Race panel to set it here."


# -- training buttons --

def toolbar_ui():
    """Play/Pause, Step (an epoch), Step batch (one mini-batch), Reset and the epoch limit, in one row that
    wraps (on a phone it stays a row above the picture)."""
    ss = st.session_state
    bar = st.container(horizontal=True, vertical_alignment="bottom", key="toolbar")
    # Two buttons, not one toggle: the browser may deliver one click twice (with a queued fragment
    # rerun and with the full rerun), and setting a state twice is harmless where toggling is not.
    if ss[K.PLAYING]:
        bar.button("Pause", key="pause", type="primary", on_click=state.stop, icon=":material/pause:")
    else:
        bar.button("Play", key="play", type="primary", on_click=state.play, icon=":material/play_arrow:")
    bar.button("Step", key="step", on_click=state.step, args=("epoch",), help="Train one epoch")
    bar.button("Step batch", key="step_batch", on_click=state.step, args=("batch",),
               help="Train on one mini-batch")
    bar.button("Reset", key="reset", on_click=state.reset,
               help="Back to epoch 0 from the same initial weights, so the run replays exactly as its link does. "
                    "Regenerate (under Data) draws new points and new initial weights.")
    param_widget("epochs", bar, width=150)


def training_ui():
    """The training settings, related ones side by side: learning rate and activation, the regulariser and
    its rate, the optimizer.  Rows, not two columns: a control a link hides leaves its partner in place."""
    c = st.session_state[K.CONFIG]
    st.subheader("Training", divider="gray")
    rate, activation = st.columns(2, vertical_alignment="bottom")
    param_widget("learning_rate", rate)
    param_widget("activation", activation)
    regularization, reg_rate = st.columns(2, vertical_alignment="bottom")  # a label of two lines: aligned
    param_widget("regularization", regularization)
    param_widget("reg_rate", reg_rate, disabled=c["regularization"] == "none", why="Pick L1 or L2 first.")
    param_widget("optimizer")


def data_ui():
    """Problem type, dataset, its size, noise and split, batch size; Regenerate.  With the user's points, what
    they are."""
    ss = st.session_state
    st.subheader("Data", divider="gray")
    own = ss[K.USER_DATA]
    if own is not None:
        kind = kind_of(own.y)
        what = "regression targets" if kind == "regression" else f"{len(np.unique(own.y))} classes"
        st.info(plain(f"Your data: {own.name}, {len(own.X)} points, {what}."), icon=":material/edit:")
        st.button("Back to the built-in dataset", key="builtin_data_side", on_click=state.use_builtin_data,
                  icon=":material/undo:")
    param_widget("problem", disabled=own is not None,
                 why="It follows your data: targets are regression, labels classification.")
    why = "It applies to the built-in datasets; you train on your own points."
    c = ss[K.CONFIG]
    regression = c["problem"] == "regression"
    names = [n for n, d in DATASETS.items() if (d.kind == "regression") == regression]
    dataset_picker_ui(names, disabled=own is not None)
    param_widget("dataset", options=names, disabled=own is not None, why=why)
    if DATASETS[c["dataset"]].kind == "multiclass":
        param_widget("n_classes", disabled=own is not None, why=why)
    param_widget("noise", disabled=own is not None, why=why)
    param_widget("train_ratio")
    param_widget("n_samples", disabled=own is not None, why=why)
    param_widget("batch_size")
    param_widget("full_batch")
    st.button("Regenerate", key="regenerate", on_click=state.regenerate, icon=":material/refresh:",
              help="New random points (and initial weights)" if own is None
              else "A new split of your points and new initial weights")


def dataset_picker_ui(names, disabled):
    """The datasets ``names`` as buttons showing their points (TensorFlow Playground's picker), the one in use
    the primary one; a click sets the dataset as the Dataset widget does.  Each thumbnail is made once
    (``pictures.dataset_thumbnail``) and shown as its button's background, under which the label stays text."""
    c = st.session_state[K.CONFIG]
    if "dataset" in c["hide"]:
        return
    st.html("<style>.st-key-dataset_picker button { width: 54px; min-height: 0; padding: 48px 1px 2px; "
            "background-repeat: no-repeat; background-position: center 3px; background-size: 44px 44px; } "
            ".st-key-dataset_picker button p { font-size: 10px; line-height: 1.1; white-space: normal; }"
            + "".join(f".st-key-pick_{n} button {{ background-image: url({dataset_thumbnail(n)}); }}"
                                for n in names) + "</style>")
    row = st.container(horizontal=True, gap="xxsmall", key="dataset_picker")
    for n in names:
        row.button(DATASETS[n].label, key=f"pick_{n}", type="primary" if n == c["dataset"] else "secondary",
                   on_click=state.set_from_control, args=("dataset", n), disabled=disabled,
                   help="The dataset in use" if n == c["dataset"] else f"Train on {DATASETS[n].label}")


def network_ui():
    """Features, hidden layers and their neurons, loss and initialisation."""
    ss = st.session_state
    st.subheader("Network", divider="gray")
    c = ss[K.CONFIG]
    if "custom" in param_widget("features", width="content"):
        param_widget("formula")
    hidden = c["hidden"]
    if "hidden" in c["hide"]:
        return
    raced = raced_why("hidden")
    row = st.container(horizontal=True, vertical_alignment="center", key="layers")  # wraps when narrow
    row.button("Remove layer", key="remove_layer", icon=":material/remove:", on_click=state.remove_layer,
               disabled=not hidden or bool(raced), help=raced or "Remove the last hidden layer")
    row.button("Add layer", key="add_layer", icon=":material/add:", on_click=state.add_layer,
               disabled=len(hidden) >= MAX_LAYERS or bool(raced), help=raced or "Add a hidden layer")
    row.markdown(f"**{len(hidden)} hidden layer{'s' * (len(hidden) != 1)}**", width="content")
    sizes = st.container(horizontal=True, gap="xxsmall", key="layer_sizes")  # as many a row as fit
    for i in range(len(hidden)):
        state.show_view(layer_key(i), state.layer_view(i))
        sizes.number_input(f"Layer {i + 1}", 1, MAX_NEURONS, key=layer_key(i), help=raced or "Neurons in this layer",
                           disabled=bool(raced), on_change=state.layer_changed, args=(i,), width=LAYER_INPUT_PX)
    with st.expander("More settings"):
        kind = params.dataset_kind(c) if ss[K.USER_DATA] is None else ss[K.EXP].kind
        losses = {"regression": ("auto", "mse"), "multiclass": ("auto", "cross_entropy")}.get(
            kind, params.LOSS_CHOICES)
        param_widget("loss", options=losses)
        param_widget("init")
        layers_ui()
        param_widget("speed")
        param_widget("seed")
        param_widget("schedule")
        constant = c["schedule"] == "constant"
        param_widget("decay_every", disabled=constant, why="Pick a step or cosine schedule first.")
        param_widget("decay_factor", disabled=constant, why="Pick a step or cosine schedule first.")
        if not constant and "schedule" not in c["hide"]:
            epochs = np.unique(np.linspace(0, c["epochs"], 400).astype(int))  # enough for a smooth line
            st.plotly_chart(figures.rate_figure(epochs, rates(c["schedule"], c["learning_rate"], epochs,
                                                              c["decay_every"], c["decay_factor"])),
                            key="rate_fig", config=figures.PLOT_CONFIG)
        param_widget("clip_norm")
        param_widget("stop_below")
        param_widget("patience")


def layers_ui():
    """Per hidden layer, its activation (by default the same as Activation), then per hidden layer its
    dropout rate: each list under its title; the widgets' collapsed labels name them for assistive technology."""
    ss = st.session_state
    c = ss[K.CONFIG]
    same = f"same ({params.PARAMS['activation'].label_of(c['activation'])})"
    for name in ("layer_activations", "dropout"):
        if name in c["hide"] or not c["hidden"]:
            continue
        p = params.PARAMS[name]
        shown = {v: same if v == params.SAME else p.label_of(v) for v in p.choices}
        st.markdown(f":small[{p.label}]", help=p.help)  # the size of a widget's label
        for i in range(len(c["hidden"])):
            key = layer_setting_key(name, i)
            state.show_view(key, state.layer_setting_view(name, i))
            st.selectbox(f"Layer {i + 1} {'activation' if name == 'layer_activations' else 'dropout'}", p.choices,
                         key=key, format_func=lambda v, i=i, shown=shown: f"Layer {i + 1}: {shown[v]}",
                         label_visibility="collapsed", on_change=state.layer_setting_changed, args=(name, i))


def output_ui():
    """Display toggles of the output picture, side by side where they fit."""
    row = st.container(horizontal=True, key="display")
    param_widget("show_test", row, width="content")
    param_widget("discretize", row, width="content")


def page_mark_ui():
    """Last on the page, hidden: the page mark (``state.user_changed``), this run's number."""
    with st.container(key=K.PAGE_MARK_BOX):
        st.html(f"<style>.st-key-{K.PAGE_MARK_BOX} {{ display: none; }}</style>")
        state.show_view(K.PAGE_MARK, str(st.session_state[K.RUN]))
        st.text_input("Page mark", key=K.PAGE_MARK, label_visibility="collapsed")


def failed_ui(where, key, doing=""):
    """After an unexpected error in ``where`` (logged with its traceback): a short message (``doing``, e.g.
    " while training", says when) and Start again, which reloads the playground from the settings in the
    address bar.  Users never see a traceback."""
    logging.getLogger("nn_playground").exception("%s failed", where)
    state.stop()
    st.error(f"Something went wrong on our side{doing}. Your settings are kept in the address bar: press Start "
             "again to reload the playground from them.", icon=":material/error:")
    st.button("Start again", key=key, on_click=state.start_over, type="primary")
