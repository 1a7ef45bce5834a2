"""The panels below the playground: what TensorFlow Playground does not have.

Each ``*_ui(exp)`` draws one panel; ``VIEWS`` maps a panel's name (declared
with its label in ``params.PANELS``) to it.  They run on full reruns (not on
the live fragment's runs), so they cost nothing while the network trains;
the charts that follow training (How well it does, the Compare runs curves)
are drawn by ``follow_training``, a fragment of their own that reruns about
once a second while playing, and never while paused.  Every change they make
to the session goes through ``state``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nn_core.activations import ACTIVATIONS
from nn_core.datasets import CSV_MAX_ROWS, MAX_CLASSES, load_csv, scatter_in_box, to_csv
from nn_core.features import transform
from nn_core.losses import LOSSES
from nn_core.neuron import trace
from playground import batch, params
from playground.challenges import CHALLENGES, MEASURES
from playground.experiment import Experiment
from playground.export import standalone_script
from playground.lessons import LESSONS
from playground.params import PANELS, PARAMS
from playground.pins import CURVE_POINTS, MAX_PINNED

from . import class_page, controls, figures, state
from .guard import guarded, on_plane
from .live_view import live_view
from .state import K
from .text import plain

PANEL_SECONDS = 1.0  # while playing, the charts that follow training are redrawn this often
# A dot in each class's colour and its name (both from the palette): no emoji font needed, readable without colour
CLASS_CHIPS = tuple(f':color[●]{{foreground="{color}"}} {name}'
                    for color, name in zip(figures.CLASS_COLORS, figures.CLASS_NAMES))


def panels_ui(exp):
    """A bar of the panels the configuration does not hide; only the one picked is drawn.

    Not ``st.tabs``, which draws every tab: the hidden tabs' charts cost the
    browser so much on each live update that it showed half as many
    (bench/README.md).
    """
    shown = [name for name in PANELS if name not in exp.config["hide"]]
    if not shown:
        return
    st.divider()
    picked = st.segmented_control("Explore further", shown, format_func=PANELS.get, key=K.PANEL,
                                  help="Open a panel; click it again to close it.")
    if picked in shown:
        if st.session_state[K.RACING] is not None and picked not in ("race", "lesson", "challenges", "compare"):
            st.caption("This panel shows the one network the controls describe, which waits while the race "
                       "trains: end the race in the Race panel to train it.")
        VIEWS[picked](exp)


def follow_training(draw):
    """``draw(exp)`` (the session's experiment) in a fragment that reruns every ``PANEL_SECONDS`` while playing.

    Paused, or while a race trains (the experiment then waits), it runs with the page only.  Play, Pause
    and the end of training are full runs, which declare the fragment afresh with or without its timer (a
    full run cancels the browser's timers).  Its widgets rerun only it: nothing in ``draw`` may change what
    the rest of the page shows.
    """
    ss = st.session_state

    def follow():
        draw(ss[K.EXP])
        state.follow_page()  # a click the browser sent with this fragment's rerun (state._page_follows)

    training = ss[K.PLAYING] and ss[K.RACING] is None
    st.fragment(follow, run_every=PANEL_SECONDS if training else None)()


# -- 3. stepping back --

def _resume(epoch):
    state.stop()
    restored = st.session_state[K.EXP].trainer.restore(epoch)
    state.notify("success", f"Back at epoch {restored}: press Play or Step to train on from there.")


def history_ui(exp):
    """A slider over the recorded epochs: the network, its output and its losses as they were, drawn by the live
    view (a picture to look at: clicks change nothing); resume from there."""
    tr = exp.trainer
    epochs = tr.snapshot_epochs
    if len(epochs) < 2:
        st.info("Train a few epochs first: every epoch is recorded (older ones more sparsely) to come back to.")
        return
    state.follow_newest_epoch(epochs)
    epoch = st.select_slider("Epoch", epochs, key=K.HISTORY_EPOCH,
                             help="Recorded epochs; in long runs older ones are thinned out.")
    live_view(batch.past_batch(exp, epoch), key="history_live")  # with its numbers, beside the picture
    st.button(f"Resume from epoch {epoch}", key="resume", on_click=_resume, args=(epoch,),
              disabled=epoch == tr.epoch, help="Drop the later epochs and train on from here")


# -- 4. inside a neuron --

def _num(x):
    """A number for LaTeX: four significant digits, scientific notation when tiny or huge."""
    text = f"{x:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _vec(v):
    return r"\begin{bmatrix}" + r" \\ ".join(_num(x) for x in v) + r"\end{bmatrix}"


def neuron_ui(exp):
    """One neuron's forward and backward pass on one training example, formula beside numbers."""
    net = exp.net
    labels = batch.layer_labels(exp)
    state.fit_neuron_picks(exp)
    c = st.columns(3)
    layer = c[0].selectbox("Layer", range(net.n_layers), key=K.NEURON_LAYER, on_change=state.neuron_layer_picked,
                           format_func=lambda l: "output" if l == net.n_layers - 1 else f"hidden layer {l + 1}")
    unit = c[1].selectbox("Neuron", range(net.sizes[layer + 1]), key=K.NEURON_UNIT,
                          format_func=lambda u: labels[layer + 1][u])
    i = c[2].number_input("Training example", 0, len(exp.X_train) - 1, key=K.NEURON_EXAMPLE)
    t = trace(net, exp.F_train[i], exp.y_train[i], exp.loss, layer, unit, exp.trainer.learning_rate)
    act = ACTIVATIONS[t.activation]
    st.markdown(f"Example {i}: point ({exp.X_train[i, 0]:.2f}, {exp.X_train[i, 1]:.2f}), "
                f"{'target' if exp.kind == 'regression' else 'class'} {exp.y_train[i]}. "
                f"Activation: **{act.label}**, loss: **{LOSSES[exp.loss].label}**.")
    left, right = st.columns(2)
    with left:
        st.markdown("**Forward pass**")
        st.latex(r"z = \sum_i w_i a_i + b = " + _vec(t.weights) + r"^{\!\top}" + _vec(t.inputs)
                 + f" + ({_num(t.bias)}) = {_num(t.z)}")
        st.latex(rf"a = f(z) = {act.formula} = {_num(t.a)}")
    with right:
        st.markdown("**Backward pass**")
        if np.isnan(t.df_dz):
            st.latex(r"\delta = \frac{\partial L}{\partial z} = a - y = " + _num(t.delta))
        else:
            st.latex(rf"f'(z) = {act.derivative} = {_num(t.df_dz)}")
            st.latex(r"\delta = \frac{\partial L}{\partial a}\, f'(z) = "
                     + f"({_num(t.dL_da)})({_num(t.df_dz)}) = {_num(t.delta)}")
        st.latex(r"\frac{\partial L}{\partial w_i} = a_i\,\delta = " + _vec(t.grad_weights)
                 + r",\quad \frac{\partial L}{\partial b} = " + _num(t.grad_bias))
        st.latex(r"\Delta w_i = -\eta\,\frac{\partial L}{\partial w_i} = " + _vec(t.update_weights)
                 + rf"\quad(\eta = {t.learning_rate:g})")
    st.caption("f'(z) is the slope of the activation at the pre-activation z: the tutorial's bug was to take "
               "it at the output a instead. Training averages these gradients over a mini-batch.")


# -- 5. gradient flow --

def gradients_ui(exp):
    """Per-layer gradient magnitudes over epochs, and weight histograms per layer."""
    st.plotly_chart(figures.gradient_figure(exp.trainer.history), key="gradient_fig", config=figures.PLOT_CONFIG)
    st.plotly_chart(figures.weights_figure(exp.net.weights), key="weights_fig", config=figures.PLOT_CONFIG)


# -- 5b. how well it does --

def performance_ui(exp):
    """Accuracy (classes) or R² (regression) over epochs, and for classes the confusion matrix: live."""
    follow_training(_performance)


def _performance(exp):
    tr = exp.trainer
    left, right = st.columns([1.3, 1], gap="large")
    regression = exp.kind == "regression"
    left.plotly_chart(figures.score_figure(tr.history, "r2" if regression else "accuracy"), key="score_fig",
                      config=figures.PLOT_CONFIG)
    if regression:
        right.caption("R² = 1 - (sum of squared errors) / (sum of squared deviations from the mean target): "
                      "1 is a perfect fit, 0 no better than always guessing the mean. The confusion matrix is "
                      "for classes.")
        return
    with right:
        split = st.radio("Points", ("test", "train"), key=K.CONFUSION_SPLIT, horizontal=True,
                         format_func=lambda s: f"{s.capitalize()} points")
        matrix = tr.confusion(test=split == "test")
        if matrix is None:
            st.info("There are no test points to count.")
            return
        st.plotly_chart(figures.confusion_figure(matrix), key="confusion_fig", config=figures.PLOT_CONFIG)
        right_answers, n = int(np.trace(matrix)), int(matrix.sum())
        st.caption(f"Row: the true class; column: the class the network predicts. The diagonal holds the "
                   f"{right_answers} of {n} {split} points classified right ({right_answers / n:.1%}).")


# -- 6. hidden space --

def hidden_space_ui(exp):
    """The data as a 2-neuron hidden layer sees it, with the plane's grid lines bent the same way."""
    two = [l for l, k in enumerate(exp.net.sizes[1:-1]) if k == 2]
    if not two:
        st.info("Give a hidden layer exactly 2 neurons to see the data as that layer sees it.")
        return
    layer = st.selectbox("Layer", two, key=K.HIDDEN_SPACE_LAYER, format_func=lambda l: f"hidden layer {l + 1}")
    points = exp.net.forward(exp.F_train)[layer + 1]
    lo, hi = exp.grid.extent
    ticks, along = np.linspace(lo, hi, 13), np.linspace(lo, hi, 60)
    lines = [np.column_stack([np.full_like(along, t), along]) for t in ticks]  # x1 fixed
    lines += [np.column_stack([along, np.full_like(along, t)]) for t in ticks]  # x2 fixed
    c = exp.config
    bent = [exp.net.forward(transform(line, c["features"], c["formula"]))[layer + 1] for line in lines]
    st.plotly_chart(figures.hidden_space_figure(points, exp.y_train, bent, kind=exp.kind),
                    key="hidden_space_fig", config=figures.PLOT_CONFIG)
    st.caption("Each point is a training point placed at the two activations of this layer. If the classes "
               "can be split by a straight line here, the rest of the network has an easy job.")


# -- 2. your own data --

MAX_BOXES = 10  # boxes of one selection used (a forged one held 25,000); a drag makes one


@guarded("the points drawn")
def _drawn_points():
    """Add points where the user clicked or boxed on the drawing canvas (an on_select callback).

    The selection is whatever JSON the browser sent: only boxes and points with numbers on the plane count,
    at most ``MAX_BOXES`` boxes and ``CSV_MAX_ROWS`` points (``state.add_points`` caps the total)."""
    ss = st.session_state
    sel = ss[K.DRAW_CANVAS].selection
    boxes = [b for b in _listed(sel, "box") if isinstance(b, dict) and all(
        isinstance(b.get(axis), list) and len(b[axis]) >= 2 and on_plane(*b[axis][:2]) for axis in "xy")]
    if len(boxes) > MAX_BOXES:
        state.notify("warning", f"Only the first {MAX_BOXES} boxes of a selection were used.")
    rng = np.random.default_rng(len(state.drawn_points().X))
    new = [scatter_in_box(b["x"][:2], b["y"][:2], ss[K.DRAW_COUNT], rng) for b in boxes[:MAX_BOXES]]
    if not new:  # a click selects the lattice spot under the pointer (a box selects every spot inside it)
        new = [[[p["x"], p["y"]] for p in _listed(sel, "points")[:CSV_MAX_ROWS]
                if isinstance(p, dict) and p.get("curve_number") == 0 and on_plane(p.get("x"), p.get("y"))]]
    new = np.concatenate([np.reshape(n, (-1, 2)) for n in new])
    if len(new):
        state.add_points(new)


def _listed(selection, name):
    """The list ``name`` of a Plotly selection, or [] if it is not a list."""
    value = selection.get(name) if isinstance(selection, dict) else None
    return value if isinstance(value, list) else []


@guarded("the uploaded file")
def _csv_uploaded():
    """Read an uploaded CSV (the uploader's on_change): train on it, or say what is wrong and keep the data."""
    upload = st.session_state[K.CSV_UPLOAD]
    if upload is None:
        return
    try:
        X, y, notes = load_csv(upload.getvalue())
    except ValueError as e:
        state.notify("error", f"{upload.name}: {e} Your previous data is kept.")
        return
    state.use_data(state.Data(X, y, upload.name), f"Loaded {len(X)} points from {upload.name}. " + " ".join(notes))


def data_ui(exp):
    """Draw points by clicking, upload a CSV, download the current data."""
    ss = st.session_state
    left, right = st.columns([1.3, 1])
    drawn = state.drawn_points()
    with left:
        event_fig = figures.draw_figure(drawn.X, drawn.y, extent=exp.grid.extent)
        st.plotly_chart(event_fig, key=K.DRAW_CANVAS, on_select=_drawn_points, selection_mode=("points", "box"),
                        config={"displayModeBar": True, "displaylogo": False,
                                "modeBarButtonsToRemove": ["lasso2d", "zoom2d", "zoomIn2d", "zoomOut2d",
                                                           "autoScale2d", "resetScale2d", "toImage"]})
    with right:
        st.markdown("**Draw your own data.** Choose a class, then click on the plane to add a point. To "
                    "scatter several points, pick *Box select* in the chart's toolbar and drag a box.")
        st.segmented_control("Class", range(MAX_CLASSES), key=K.DRAW_CLASS, default=0,
                             format_func=lambda k: f"{CLASS_CHIPS[k]} class {k}")
        st.slider("Points per box", 1, 30, 8, key=K.DRAW_COUNT)
        c = st.columns(2)
        c[0].button("Clear points", key="clear_points", on_click=state.clear_points, icon=":material/delete:",
                    help="An empty plane to draw on; the built-in dataset trains until you have drawn enough")
        c[1].button("Built-in data", key="builtin_data", on_click=state.use_builtin_data,
                    disabled=ss[K.USER_DATA] is None and ss[K.DRAWN] is None,
                    help="Back to the dataset chosen in the Data column")
        own = ss[K.USER_DATA]
        if ss[K.DRAWN] is not None:
            n, k = len(drawn.X), len(np.unique(drawn.y))
            st.info(f"{n} point{'s' * (n != 1)} of {k} class{'es' * (k != 1)} drawn: the network trains on "
                    f"{'your earlier data' if own is not None else 'the built-in dataset'} until there are at "
                    "least 4 points of 2 classes.")
        elif own is not None:
            st.caption(plain(f"Training on {own.name}: {len(own.X)} points. They are not part of the link."))
        st.file_uploader("Upload a CSV (x1, x2, label or target)", type=["csv"], key=K.CSV_UPLOAD,
                         on_change=_csv_uploaded)
        st.download_button("Download data as CSV", to_csv(exp.X, exp.y), "playground-data.csv", "text/csv",
                           key="download_data", icon=":material/download:")


# -- 7. export --

def _load_model():
    """Replace the session's configuration and weights by an exported model file (an on_change callback)."""
    upload = st.session_state[K.MODEL_UPLOAD]
    if upload is None:
        return
    try:
        exp, warnings = Experiment.from_json(upload.getvalue(), grid_res=state.GRID_RES)
    except ValueError as e:
        state.notify("error", f"Could not load {upload.name}: {e}. Nothing was changed.")
        return
    state.use_setup(exp.config, exp)
    for w in warnings:
        state.notify("warning", w)
    state.notify("success", f"Loaded {exp.net!r} at epoch {exp.trainer.epoch:,} from {upload.name}.")


def export_ui(exp):
    """Downloads: model JSON (and loading it back), history CSV, a standalone NumPy script."""
    c = st.columns(3)
    c[0].download_button("Model (JSON)", exp.to_json(), "playground-model.json",
                         "application/json", key="download_model", icon=":material/download:")
    c[1].download_button("Training history (CSV)", exp.trainer.history.to_csv(index=False),
                         "playground-history.csv", "text/csv", key="download_history", icon=":material/download:")
    if st.session_state[K.USER_DATA] is None:
        c[2].download_button("Standalone NumPy script", standalone_script(exp.config), "playground_network.py",
                             "text/x-python", key="download_script", icon=":material/download:",
                             help="Rebuilds and retrains this configuration with NumPy only, tutorial style")
    else:
        c[2].caption("The standalone script rebuilds the built-in datasets only: download your data as CSV.")
    st.file_uploader("Load a model (JSON exported here)", type=["json"], key=K.MODEL_UPLOAD, on_change=_load_model)
    st.caption("Models are plain JSON (never pickle): loading one checks every shape and number.")


# -- 8. classroom --

def lesson_ui(exp):
    """Lessons (presets with an explanation), the controls a teacher hides, and the link to share."""
    ss = st.session_state
    config = ss[K.CONFIG]
    left, right = st.columns([1, 1.2], gap="large")
    with left:
        preset_picker("lesson", K.LESSON_PICK, "Lesson", LESSONS)
        controls.param_widget("hide")
        st.markdown("**Link to this exact setup**, hidden controls included:")
        share_link(config)
    with right:
        for lesson in LESSONS.values():
            st.markdown(f"**{lesson.title}.** {lesson.text.split('. ')[0].rstrip('.')}.")  # its first sentence


def preset_picker(kind, key, label, presets):
    """The selectbox (keyed ``key``) of a lesson or a challenge (``kind``), a view of the configuration's;
    picking one starts it (``state.start_preset``)."""
    state.show_view(key, st.session_state[K.CONFIG][kind])
    st.selectbox(label, ("none",) + tuple(presets), key=key, on_change=state.preset_picked, args=(kind, key),
                 format_func=lambda n: "Free play" if n == "none" else presets[n].title)


def share_link(config):
    """The link to ``config`` (only what differs from where it starts: ``params.encode_changes``), to copy."""
    st.code((st.context.url or "") + "?" + params.short_query(config), language=None,
            wrap_lines=True)


# -- 9. challenges --

SYMBOLS = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def measure_text(name, value):
    """A measured (or target) value as the checklist shows it: accuracies in %, settings by their labels."""
    if name in PARAMS:  # a setting: dataset, activation, features, regularisation, its rate, hidden layers
        return PARAMS[name].label_of(value)
    if isinstance(value, float) and np.isnan(value):
        return "–"
    if "accuracy" in name:
        return f"{value:.1%}"
    return f"{value:,}" if isinstance(value, (int, np.integer)) else f"{value:.3f}"


CHECK_MARKS = {True: ":green[**● met**]", False: ":red[**○ not yet**]"}  # words and shapes, no emoji font needed


def condition_text(name, op, target, actual, ok):
    """One checklist line as Markdown, e.g. ``○ not yet – test accuracy ≥ 95.0%: now 87.2%``, the mark in colour
    (``CHECK_MARKS``), the rest escaped as plain text."""
    return (f"{CHECK_MARKS[ok]} – {plain(MEASURES[name])} {SYMBOLS[op]} {plain(measure_text(name, target))}: "
            f"now {plain(measure_text(name, actual))}")


def challenges_ui(exp):
    """Pick a challenge: its start setup loads; the goal, a checklist graded as training runs, then success.

    The checklist shows the conditions now; playing stops at the first epoch that passes them all, which
    the success message names, with the numbers then, for good (Reset clears it).  The hint shows once the
    network has trained the challenge's epoch budget (its starting Stop at, 100 to 400 epochs) without
    passing; Reset starts the count again.  The checklist follows training through ``state.follow_challenge``.
    """
    preset_picker("challenge", K.CHALLENGE_PICK, "Challenge", CHALLENGES)
    status = state.grade()
    if status is None:
        st.caption("Pick a challenge: its setup loads, and the app checks its goal as you train.")
        return
    challenge, rows, passed = status
    st.markdown(f"**{plain(challenge.title)}.** {plain(challenge.goal)}")
    st.markdown("  \n".join(condition_text(*row) for row in rows))  # one line each
    if passed:
        epoch, then = passed
        numbers = "; ".join(f"{MEASURES[name]} {measure_text(name, actual)}" for name, _, _, actual, _ in then)
        st.success(plain(f"Challenge passed at epoch {epoch:,}: {numbers}."), icon=":material/trophy:")
    elif exp.trainer.epoch >= challenge.config["epochs"]:
        st.info(plain(f"Hint: {challenge.hint}"), icon=":material/lightbulb:")
    else:
        st.caption(f"Press Play: the checklist follows training. A hint appears after "
                   f"{challenge.config['epochs']:,} epochs.")


# -- 10. races --

def race_ui(exp):
    """Pick a setting and 2-4 values; the race trains those networks side by side in the live picture."""
    race = st.session_state[K.RACING]
    st.caption("Networks that differ in one setting train side by side on the same data and, when their layers "
               "match, from the same initial weights: one Play trains them all, and the live picture shows each "
               "one's output and all their losses on one chart.")
    setting = race.setting if race else params.RACE_SETTINGS[0]
    state.default_view(K.RACE_SETTING, setting)
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    setting = left.selectbox("Setting to vary", params.RACE_SETTINGS, key=K.RACE_SETTING,
                             format_func=lambda n: PARAMS[n].label)
    key = f"{K.RACE_VALUES}_{setting}"
    p = PARAMS[setting]
    current = race.values if race and race.setting == setting else params.parse_race(f"{setting}:{p.race}")[1]
    if p.kind == "choice":
        state.default_view(key, list(current))
        right.multiselect("Values (2-4)", p.choices, key=key, max_selections=params.MAX_RACERS,
                          format_func=p.label_of)
    else:
        state.default_view(key, params.format_race(setting, current).partition(":")[2])
        right.text_input(f"Values (2-4, separated by {params.RACE_VALUES_SEPARATOR})", key=key,
                         help=f"As in a link, e.g. {p.race}")
    buttons = st.container(horizontal=True)
    buttons.button("Start the race" if race is None else "Restart the race", key="start_race", type="primary",
                   icon=":material/sports_score:", on_click=_start_race, args=(setting, key))
    if race is not None:
        buttons.button("End the race", key="end_race", icon=":material/close:", on_click=state.start_race,
                       args=("",), help="Back to one network, with the setting as the controls show it")
        buttons.download_button("Race history (CSV)", race.history().to_csv(index=False), "playground-race.csv",
                                "text/csv", key="download_race", icon=":material/download:",
                                help="Every racer's losses and scores, epoch by epoch")
        st.markdown("**Link to this race**, for a class:")
        share_link(exp.config)


def _start_race(setting, key):
    """Start button: the race of ``setting`` over the values in widget ``key``, or a notice saying what is wrong."""
    chosen = st.session_state[key]  # the values picked (a list), or typed as in a link
    try:
        text = PARAMS["race"].validate(params.format_race(setting, chosen) if isinstance(chosen, list)
                                       else f"{setting}:{chosen}")
    except ValueError as e:
        state.notify("warning", f"The race did not start: {e}.")
        return
    state.start_race(text)


# -- 11. pinned runs --

def pin_summary(pin):
    """A pinned run in words: its setting and its numbers when pinned."""
    c, h = pin["config"], pin["numbers"]
    shape = "-".join(map(str, c["hidden"])) or "no hidden layer"
    score = (f"test R² {measure_text('test_r2', h['test_r2'])}" if np.isnan(h["train_accuracy"])
             else f"test accuracy {measure_text('test_accuracy', h['test_accuracy'])}")
    data = "own data" if pin["own_data"] else PARAMS["dataset"].label_of(c["dataset"])
    return (f"{pin['name']}: {data}, {shape}, {PARAMS['activation'].label_of(c['activation'])}, "
            f"{PARAMS['optimizer'].label_of(c['optimizer'])}, rate {c['learning_rate']:g}. Epoch "
            f"{int(h['epoch']):,}: test loss {h['test_loss']:.4f}, {score}.")


def pins_csv(pins):
    """The pinned runs as CSV: name, the numbers when pinned, then every setting as written in the URL."""
    rows = [{"name": p["name"], **{k: float(v) for k, v in p["numbers"].items()}, "own_data": p["own_data"],
             **params.encode(p["config"])} for p in pins]
    return pd.DataFrame(rows).to_csv(index=False)


def compare_ui(exp):
    """Pin the run on screen; the pinned runs' test losses overlaid with this one's, each restorable."""
    ss = st.session_state
    pins = ss.get(K.PINNED, [])
    c = st.columns([1, 1, 3], vertical_alignment="center")
    racing = ss[K.RACING] is not None
    c[0].button("Pin the racers" if racing else "Pin this run", key="pin_run", on_click=state.pin_run,
                icon=":material/push_pin:", disabled=state.runner().epoch == 0,
                help="Keep each racer's setting, numbers and loss curve, as a run of its own" if racing
                else "Keep its setting, numbers and loss curve to compare")
    if pins:
        c[1].download_button("Pinned runs (CSV)", pins_csv(pins), "playground-runs.csv", "text/csv",
                             key="download_pins", icon=":material/download:")
    c[2].caption(f"Up to {MAX_PINNED} runs stay pinned in this browser tab (a reload keeps them).")
    if not pins:
        return
    follow_training(lambda exp: _compare_chart(pins, exp))
    for i, pin in enumerate(pins):
        picture, left, right = st.columns([0.6, 5, 1], vertical_alignment="center")
        if pin["picture"] is not None:
            picture.image(pin["picture"], width=48, alt=f"{pin['name']}'s output when pinned")
        left.markdown(plain(pin_summary(pin)))
        right.button("Restore", key=f"restore_pin_{i}", on_click=state.restore_pin, args=(i,),
                     help="Set this run's setting up again, from epoch 0")


def _compare_chart(pins, exp):
    """The pinned runs' test losses, and the run on screen's ("now", live)."""
    curves = [p["curve"] for p in pins] + [exp.trainer.loss_curve(CURVE_POINTS)]
    st.plotly_chart(figures.compare_figure(curves, [p["name"] for p in pins] + ["now"]), key="compare_fig",
                    config=figures.PLOT_CONFIG)


VIEWS = {"history": history_ui, "neuron": neuron_ui, "performance": performance_ui, "gradients": gradients_ui,
         "hidden_space": hidden_space_ui, "data": data_ui, "export": export_ui, "lesson": lesson_ui,
         "challenges": challenges_ui, "race": race_ui, "compare": compare_ui,
         "class": class_page.class_panel}  # a view per name of params.PANELS


def lesson_text(exp):
    """The current lesson's explanation, shown above the playground."""
    name = exp.config["lesson"]
    if name != "none":
        lesson = LESSONS[name]
        st.info(f"**{lesson.title}.** {lesson.text}", icon=":material/school:")
