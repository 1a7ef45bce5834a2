"""Forged or odd messages from a browser never escape the app's guard (issue 17, sections 2-4).

A component's trigger and a Plotly selection reach the server as JSON a client may forge.  ``send`` and
``select`` deliver such a message through Streamlit's own dispatch (a widget state in the next run, as the
websocket would carry it), so the real callbacks run on it: no exception, the session unchanged, a plain
message where one helps.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.proto.WidgetStates_pb2 import WidgetState

from nn_core.datasets import CSV_MAX_ROWS, to_csv
from nn_core.text import MAX_MESSAGES
from playground import params
from playground.experiment import Experiment
from playground.lessons import LESSONS
from tests.conftest import config, deliver, metric, notices, open_panel, run_app, said, send, upload_csv
from ui import panels, state

FORGED = [True, False, None, "1", [1], {"a": 1}, math.nan, math.inf, -math.inf, 1e300, 10**400]  # not a number


def select(at, selection):
    """Run ``at`` as when the drawing canvas reports the Plotly ``selection`` (any JSON)."""
    (chart,) = [c.proto for c in at.get("plotly_chart") if "draw_canvas" in c.proto.id]
    return deliver(at, WidgetState(id=chart.id, string_value=json.dumps({"selection": selection})))


def box(x, y):
    return {"x": x, "y": y}


def test_a_typed_value_is_set_and_every_forged_edit_changes_nothing(told):
    at = run_app()
    tr = at.session_state["exp"].trainer
    n = len(tr.net.params)
    for index, value in [*((0, v) for v in FORGED + [1e6 + 1, -2e6]),
                         *((i, 0.5) for i in FORGED + [0.0, 1.5, -1, n, 2**64])]:
        before, rows = tr.net.params.copy(), len(tr.history)
        send(at, "nnpg_live", "edit", {"index": index, "value": value})
        assert not at.exception and not at.error, (index, value)
        np.testing.assert_array_equal(tr.net.params, before)
        assert len(tr.history) == rows
        assert "The value was not set" in said(told, "warning"), (index, value)
    send(at, "nnpg_live", "edit", {"index": 3, "value": -1e6})  # the bound itself, as the formula's
    assert tr.net.params[3] == -1e6 and not said(told, "warning")


def test_a_forged_edit_or_neuron_click_during_a_race_changes_nothing():
    at = run_app(race="optimizer:sgd/adam")
    race, net = at.session_state["racing"], at.session_state["exp"].net
    before = net.params.copy()
    send(at, "nnpg_live", "edit", {"index": 0, "value": 0.5})
    send(at, "nnpg_live", "toggle_neuron", {"layer": 1, "unit": 1})
    assert not at.exception and at.session_state["racing"] is race and config(at)["off"] == ()
    np.testing.assert_array_equal(net.params, before)


def test_a_neuron_click_switches_it_and_forged_ones_change_nothing():
    at = run_app(hidden="4,2")
    send(at, "nnpg_live", "toggle_neuron", {"layer": 1, "unit": 2})
    assert config(at)["off"] == ((1, 2),)
    for layer, unit in [*((v, 1) for v in FORGED + [1.0, 0, 3, 10**30]), (1, 5), (1, True), (2, 1.0)]:
        send(at, "nnpg_live", "toggle_neuron", {"layer": layer, "unit": unit})
        assert not at.exception and not at.error, (layer, unit)
        assert config(at)["off"] == ((1, 2),) and at.session_state["exp"].net.off == ((1, 2),)
    for neuron in ([1, 2], "1.2", None, 7):
        send(at, "nnpg_live", "toggle_neuron", neuron)
        assert not at.exception and config(at)["off"] == ((1, 2),)


def points(at):
    return len(state_points(at).X)


def state_points(at):
    ss = at.session_state
    return ss["drawn"] if ss["drawn"] is not None else ss["user_data"] if ss["user_data"] is not None else ss["exp"]


def test_a_click_on_the_plane_adds_a_point_only_while_the_data_panel_is_open(told):
    at = run_app()
    send(at, "nnpg_live", "add_point", {"x1": 1.0, "x2": 2.0})
    assert not at.exception and points(at) == 500  # the panel is closed: refused, and said so
    assert "only while the Your data panel is open" in said(told, "info")
    open_panel(at, "data")
    send(at, "nnpg_live", "add_point", {"x1": 1.0, "x2": 2.0})
    assert points(at) == 501 and not at.exception
    for x in FORGED + [7.5, -100]:  # not a number on the plane (the plane is [-6, 6], give or take 1)
        send(at, "nnpg_live", "add_point", {"x1": x, "x2": 0.0})
        assert not at.exception and not at.error and points(at) == 501, x
    send(at, "nnpg_live", "add_point", [1, 2])
    assert not at.exception and points(at) == 501


def test_the_data_panel_hidden_by_the_link_adds_no_point():
    at = run_app(hide="data")
    at.session_state["panel"] = "data"  # as a forged panel pick would set it
    at.run()
    send(at, "nnpg_live", "add_point", {"x1": 1.0, "x2": 2.0})
    assert not at.exception and points(at) == 500


@pytest.mark.parametrize("need", [
    {"have": 3, "stream": 1, "queued": 1, "fps": math.nan, "data_id": 1},
    {"stream": 1, "queued": math.inf, "fps": 30},
    {"stream": 1, "queued": "x", "fps": 30},
    {"stream": 1, "queued": -5, "fps": 10**400},
    {"stream": 99, "queued": 10**30, "fps": -1, "data_id": [1]},  # a stale stream
    {"stream": None, "queued": True, "fps": 1e300},
    [1, 2], "more", None, 5,
])
def test_after_a_forged_need_the_toolbar_shows_the_true_state(need):
    at = run_app(speed="10")
    at.button(key="play").click().run()
    assert at.session_state["playing"]
    epoch = at.session_state["exp"].trainer.epoch
    send(at, "nnpg_live", "need", need)
    assert not at.exception and not at.error, at.error
    playing = at.session_state["playing"]
    assert [b.label for b in at.button if b.key in ("play", "pause")] == ["Pause" if playing else "Play"]
    assert playing and at.session_state["exp"].trainer.epoch > epoch  # it trained on, a default batch


def test_a_callback_that_fails_tells_the_apps_message_not_a_traceback(monkeypatch, told):
    def broken(text):
        raise RuntimeError("an unexpected bug")

    at = run_app()
    monkeypatch.setattr(state, "take_stored_pins", broken)
    send(at, "nnpg_pin_store", "stored", "{}")
    assert not at.exception
    error = said(told, "error")
    assert "Something went wrong on our side with the runs pinned in this tab" in error and "Runtime" not in error


@pytest.mark.parametrize("stored", [{"pins": []}, 12, math.nan, "\ud800", "[" * 5000, "x" * 1_100_000])
def test_forged_stored_pins_are_dropped_with_a_plain_warning(stored, told):
    at = run_app()
    send(at, "nnpg_pin_store", "stored", stored)
    assert not at.exception and not at.error and at.session_state.get("pinned") is None
    assert "could not be read back" in said(told, "warning")


def test_a_selection_of_thousands_of_boxes_adds_at_most_max_boxes(told):
    at = open_panel(run_app(), "data")
    count = at.slider(key="draw_count").value
    select(at, {"box": [box([-1, 1], [-1, 1])] * 700, "points": []})  # 5,600 points uncapped
    assert not at.exception
    assert points(at) == 500 + panels.MAX_BOXES * count
    assert f"Only the first {panels.MAX_BOXES} boxes" in said(told, "warning")


@pytest.mark.parametrize("selection", [
    {"box": [box(["a", 1], [0, 1]), box([math.nan, 1], [0, 1]), box([0, 1e300], [0, 1]), box([0], [0]),
             box([True, 1], [0, 1]), 5, None], "points": "x"},
    {"box": 5, "points": [{"x": "1", "y": 2, "curve_number": 0}, {"x": math.inf, "y": 0, "curve_number": 0}, 3]},
    {"box": {"x": [0, 1]}, "points": None},
])
def test_a_forged_selection_adds_nothing(selection):
    at = open_panel(run_app(), "data")
    select(at, selection)
    assert not at.exception and not at.error and points(at) == 500


@pytest.mark.parametrize("text", ["null", "{bad", '{"selection": 5}', '{"selection": null}', "[1]", '"x"', "1e999"])
def test_a_selection_that_is_no_object_is_the_empty_selection(text):
    """Streamlit reads these before any callback of ours (``guard.harden_plotly_selections``)."""
    at = open_panel(run_app(), "data")
    (chart,) = [c.proto for c in at.get("plotly_chart") if "draw_canvas" in c.proto.id]
    deliver(at, WidgetState(id=chart.id, string_value=text))
    assert not at.exception and not at.error and points(at) == 500
    at.button(key="step").click().run()
    assert not at.exception and at.session_state["exp"].trainer.epoch == 1


def test_a_click_with_no_class_picked_draws_class_0():
    at = open_panel(run_app(), "data")
    at.segmented_control(key="draw_class").set_value(None).run()
    select(at, {"box": [], "points": [{"x": 1.0, "y": 2.0, "curve_number": 0}]})
    assert not at.exception and points(at) == 501 and state_points(at).y[-1] == 0


def test_drawn_and_uploaded_points_share_one_cap(told):
    rng = np.random.default_rng(0)
    X = rng.uniform(-5, 5, (CSV_MAX_ROWS - 3, 2))
    csv = to_csv(X, np.arange(len(X)) % 2)
    at = open_panel(run_app(), "data")
    upload_csv(at, "many.csv", csv)
    assert points(at) == CSV_MAX_ROWS - 3
    select(at, {"box": [box([-1, 1], [-1, 1])], "points": []})  # 8 points: 3 fit
    assert not at.exception and points(at) == CSV_MAX_ROWS
    assert f"at most {CSV_MAX_ROWS:,} points: 5 more were not added" in said(told, "warning")
    send(at, "nnpg_live", "add_point", {"x1": 1.0, "x2": 2.0})  # the live view's click: the same cap
    assert not at.exception and points(at) == CSV_MAX_ROWS
    assert "1 more were not added" in said(told, "warning")


# -- links --

def test_a_superscript_digit_is_not_a_digit():
    config, warnings = params.decode({"off": "1.1,\u00b2.1"})
    assert config["off"] == ((1, 1),)
    assert len(warnings) == 1 and "dropped '\u00b2.1'" in warnings[0]
    for name, text in [("seed", "\u0661\u0662"), ("hidden", "\uff14,2"), ("seed", "1_0"), ("noise", "\u0660.1")]:
        config, warnings = params.decode({name: text})  # Arabic-Indic, full-width digits, an underscore
        assert config[name] == params.DEFAULTS[name] and len(warnings) == 1 and warnings[0].startswith(name)


NON_ASCII_DIGITS = st.characters(categories=["Nd", "No"]).filter(lambda c: not "0" <= c <= "9")


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["seed", "n_samples", "noise", "hidden", "off", "learning_rate", "dropout", "race"]),
       st.text(st.one_of(NON_ASCII_DIGITS, st.sampled_from("0123456789.,+-e: ")), max_size=30))
def test_a_number_is_read_only_from_ascii_digits(name, text):
    """Whatever digits of other scripts a value holds, decode never raises, keeps the default for it unless
    the value is pure ASCII, and says so in few short warnings."""
    config, warnings = params.decode({name: text})
    assert params.validate(config) == config and len(warnings) <= MAX_MESSAGES + 1
    if not text.isascii():
        assert config[name] == params.DEFAULTS[name] or name == "off" and config["off"] == params.decode(
            {"off": ",".join(t for t in text.split(",") if t.isascii())})[0]["off"]


def test_a_100_kb_link_gets_the_apps_warning_and_the_defaults():
    query = {"dataset": "spiral", "formula": "x" * 100_000}
    assert params.decode_link(query) == (params.DEFAULTS, [
        f"This link is 100,020 characters long, over the {params.MAX_QUERY_CHARS:,} a playground link may have: it "
        "was not read, and the playground starts from its defaults."])
    at = run_app(**query)
    assert not at.exception and config(at) == params.DEFAULTS
    assert "100,020 characters long" in notices(at, "warning")


def test_the_longest_link_the_app_writes_is_far_below_the_cap():
    every = params.validate({
        "hide": params.HIDEABLE, "hidden": (16,) * 8, "layer_activations": ("sigmoid",) * 8, "dropout": (0.9,) * 8,
        "off": tuple((layer, unit) for layer in range(1, 9) for unit in range(1, 17)),
        "features": params.PARAMS["features"].choices, "formula": "(1.2345678+x1)*(1.2345678+x2)*" * 3 + "1",
        "race": "hidden:" + "/".join(",".join([str(n)] * 8) for n in (16, 15, 14, 13)), "lesson": "tutorial"})
    text = "".join(k + v for k, v in params.encode(every).items())
    assert len(text) < params.MAX_QUERY_CHARS / 4


def test_a_challenge_and_a_lesson_in_one_link_open_the_challenge_alone():
    lesson = next(iter(LESSONS))
    config, warnings = params.decode({"challenge": "xor_no_hidden", "lesson": lesson})
    assert config == params.preset_config("challenge", "xor_no_hidden") and config["lesson"] == "none"
    assert warnings == [f"A link opens a challenge or a lesson, not both: challenge xor_no_hidden is open, and the "
                        f"lesson '{lesson}' was dropped."]
    with pytest.raises(ValueError, match="cannot be open together"):
        params.validate({**config, "lesson": lesson})
    at = run_app(challenge="xor_no_hidden", lesson=lesson)
    assert not at.exception and at.session_state["exp"].config["challenge"] == "xor_no_hidden"
    assert LESSONS[lesson].title not in " ".join(i.value for i in at.info)  # no lesson text over its setup


# -- drawn data split --

@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=4, max_size=40).filter(lambda y: len(set(y)) >= 2),
       st.sampled_from((0.1, 0.5, 0.9)), st.integers(0, 1000))
def test_drawn_points_are_split_with_every_class_in_both_parts(labels, ratio, seed):
    y = np.array(labels)
    X = np.random.default_rng(seed).uniform(-5, 5, (len(y), 2))
    exp = Experiment({"train_ratio": ratio, "seed": seed}, data=(X, y), grid_res=4)
    counts = np.bincount(y)
    assert set(exp.y_train) == set(y)  # every class trains
    assert set(exp.y_test) == {c for c in set(y) if counts[c] >= 2}  # and is tested, if it has 2 points
    assert len(exp.y_train) + len(exp.y_test) == len(y)
    assert sorted(map(tuple, np.vstack([exp.X_train, exp.X_test]))) == sorted(map(tuple, X))


def test_the_presentation_mode_button_shows_the_picture_alone_and_forged_values_change_nothing():
    at = run_app()
    send(at, "nnpg_live", "present", True)
    assert not at.exception and config(at)["present"] and at.query_params["present"] in ("true", ["true"])
    assert not [s for s in at.select_slider if s.key == "learning_rate"]  # no controls
    assert not at.get("segmented_control")  # no panels
    assert at.button(key="play") and metric(at, "Epoch") == "0"  # the toolbar and the picture's numbers stay
    for forged in ("false", 0, None, [False], {"on": False}):
        send(at, "nnpg_live", "present", forged)
        assert not at.exception and config(at)["present"], forged
    send(at, "nnpg_live", "present", False)
    assert not config(at)["present"] and at.select_slider(key="learning_rate")
