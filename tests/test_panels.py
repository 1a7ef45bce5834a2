"""The panels below the playground, driven with AppTest: history, a neuron, own data, export, lessons."""

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from nn_core.datasets import to_csv
from playground import params
from playground.batch import decode, layer_labels, points_of
from playground.challenges import CHALLENGES
from playground.experiment import Experiment
from playground.lessons import LESSONS
from playground.pins import from_json as pins_from_json
from tests.conftest import config, metric, notices, open_panel, pin_store_data, run_app, shown, trained, upload_csv
from ui import live, panels, pictures


def test_step_back_and_resume_from_an_earlier_epoch():
    at = open_panel(trained(3), "history")
    exp = at.session_state["exp"]
    at.select_slider(key="history_epoch").set_value(1).run()
    assert not np.array_equal(exp.trainer.params_at(1), exp.net.params)  # the past differs from now
    at.button(key="resume").click().run()
    assert not at.exception
    assert metric(at, "Epoch") == "1"
    np.testing.assert_array_equal(at.session_state["exp"].net.params, exp.trainer.params_at(1))
    assert "Back at epoch 1" in notices(at, "success")


def test_step_back_in_time_draws_the_past_network_in_a_live_view_that_takes_no_clicks(monkeypatch):
    drawn = []  # (key, decoded batch) of every history picture
    monkeypatch.setattr(panels, "live_view", lambda data, key: drawn.append((key, decode(data))))
    at = open_panel(trained(3), "history")
    at.select_slider(key="history_epoch").set_value(1).run()
    assert not at.exception
    exp = at.session_state["exp"]
    key, past = drawn[-1]
    assert key == "history_live"  # its own instance: the live one keeps the key "live"
    assert past.meta["interactive"] is False and past.meta["playing"] is False and past.meta["add_points"] is False
    assert past.meta["sizes"] == exp.net.sizes and past.meta["labels"] == layer_labels(exp)
    assert len(past.stats) == 1 and past.stats[0, 0] == 1
    np.testing.assert_array_equal(past.params[0], exp.trainer.params_at(1).astype(np.float32))
    np.testing.assert_array_equal(past.points, points_of(exp).astype(np.float32))
    assert past.curve[:, 0].tolist() == [0, 1]  # the losses up to the epoch shown
    then = exp.trainer.history.set_index("epoch").loc[1]  # and beside the picture, its numbers
    labels = [label for label, _, _ in past.meta["readout"]]
    texts = dict(zip(labels, past.meta["readout_texts"][0]))
    assert texts["Epoch"] == "1" and texts["Train loss"] == f"{then.train_loss:.4f}"
    assert texts["Test loss"] == f"{then.test_loss:.4f}"


def test_inside_a_neuron_shows_the_numbers_training_uses():
    at = open_panel(trained(2), "neuron")
    at.selectbox(key="neuron_layer").set_value(1).run()  # hidden layer 2
    at.selectbox(key="neuron_unit").set_value(1).run()
    at.number_input(key="neuron_example").set_value(7).run()
    assert not at.exception
    exp = at.session_state["exp"]
    a1 = np.tanh(exp.F_train[7] @ exp.net.weights[0] + exp.net.biases[0])
    z = a1 @ exp.net.weights[1][:, 1] + exp.net.biases[1][1]
    shown = " ".join(x.value for x in at.latex)
    assert f"{z:.4g}" in shown and f"{np.tanh(z):.4g}" in shown
    assert r"1 - \tanh^2 z" in shown  # f'(z) is written at the pre-activation z


def test_hidden_space_needs_a_two_neuron_layer():
    at = open_panel(run_app(hidden="4,2"), "hidden_space")
    assert at.selectbox(key="hidden_space_layer").value == 1
    at = open_panel(run_app(hidden="5"), "hidden_space")
    assert "exactly 2 neurons" in notices(at, "info")
    assert not at.exception


CSV = "x1,x2,label\n" + "\n".join(f"{x},{y},{int(x * y > 0)}" for x, y in
                                  np.random.default_rng(0).uniform(-5, 5, (40, 2)).round(3))


def test_uploading_a_csv_replaces_the_data_and_a_bad_one_keeps_it():
    at = open_panel(run_app(), "data")
    upload_csv(at, "points.csv", CSV)
    assert not at.exception
    exp = at.session_state["exp"]
    assert len(exp.X) == 40 and "Loaded 40 points from points.csv" in notices(at, "success")
    upload_csv(at, "bad.csv", "a,b\n1,2\n")
    assert "needs the columns x1, x2" in notices(at, "error") and "previous data is kept" in notices(at, "error")
    assert at.session_state["exp"] is exp
    at.button(key="builtin_data").click().run()
    assert len(at.session_state["exp"].X) == params.DEFAULTS["n_samples"]


def test_clear_points_clears_the_training_data_and_every_view_agrees():
    at = open_panel(run_app(), "data")
    upload_csv(at, "points.csv", CSV)
    assert len(at.session_state["exp"].X) == 40
    assert "Your data: points.csv, 40 points, 2 classes." in notices(at, "info")  # the Data column says so
    assert at.selectbox(key="dataset").disabled and at.selectbox(key="problem").disabled
    at.button(key="clear_points").click().run()
    assert not at.exception
    exp = at.session_state["exp"]  # the built-in data train until the drawing has enough points
    assert len(exp.X) == params.DEFAULTS["n_samples"] and at.session_state["user_data"] is None
    assert len(at.session_state["drawn"].X) == 0
    assert "0 points of 0 classes drawn: the network trains on the built-in dataset" in notices(at, "info")
    assert "Your data:" not in notices(at, "info") and not at.selectbox(key="dataset").disabled
    at.button(key="step").click().run()
    assert at.session_state["exp"].trainer._train.n == len(exp.X_train)
    assert to_csv(exp.X, exp.y).startswith("x1,x2,label\n")


def test_a_model_exported_by_one_session_loads_into_another():
    a = trained(5, dataset="xor", hidden="5,3", activation="relu")
    document = a.session_state["exp"].to_json()
    b = open_panel(run_app(), "export")
    b.file_uploader(key="model_upload").set_value(("model.json", document.encode(), "application/json")).run()
    assert not b.exception
    assert config(b) == config(a)
    np.testing.assert_array_equal(b.session_state["exp"].net.params, a.session_state["exp"].net.params)
    assert "Loaded Network(2-5-3-1, relu -> sigmoid)" in notices(b, "success")


def exported(**changes):
    """A model file as exported for the default configuration, with top-level or model entries changed."""
    doc = json.loads(Experiment({}).to_json())
    for key, value in changes.items():
        (doc if key in doc else doc["model"])[key] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize("document, words", [
    (b"not json", "Could not load"),
    (exported(sizes=[2, 10**6, 1]), "sizes"),
    (exported(sizes=[2, 4, 2, 1], weights=[[[1.0] * 4] * 2]), "weight matrices"),
    (exported(model="__import__('os').system('true')"), "JSON object"),
    (exported(config={"hidden": "3"}), "does not match"),
    (b"[" * 100_000 + b"]" * 100_000, "Could not load"),
], ids=["not-json", "huge", "shapes", "code", "mismatch", "deep"])
def test_a_wrong_or_hostile_model_file_changes_nothing(document, words):
    at = open_panel(trained(2), "export")
    before = at.session_state["exp"]
    at.file_uploader(key="model_upload").set_value(("model.json", document, "application/json")).run()
    assert not at.exception
    assert words in notices(at, "error") and "Nothing was changed" in notices(at, "error")
    assert at.session_state["exp"] is before and metric(at, "Epoch") == "2"


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_starts_with_its_explanation_and_hides_its_controls(name):
    at = open_panel(run_app(), "lesson")
    at.selectbox(key="lesson_pick").set_value(name).run()
    assert not at.exception
    lesson = LESSONS[name]
    assert config(at) == params.preset_config("lesson", name)
    assert any(lesson.title in i.value for i in at.info)
    keys = {w.key for kind in ("selectbox", "select_slider", "slider", "number_input", "toggle") for w in
            getattr(at, kind)}
    for hidden in lesson.hide:
        assert hidden not in keys
    assert at.query_params["lesson"] in (name, [name])


def test_a_teachers_link_hides_controls_and_panels():
    at = run_app(hide="learning_rate,dataset,export,neuron")
    assert not at.exception
    keys = {w.key for w in at.selectbox} | {w.key for w in at.select_slider}
    assert not keys & {"learning_rate", "dataset", "neuron_layer"}
    assert "activation" in keys
    panels = at.segmented_control(key="panel").options
    assert "Export" not in panels and "Lessons" in panels and "Inside a neuron" not in panels
    open_panel(at, "lesson")  # opening the panel that edits the hidden list keeps it
    assert config(at)["hide"] == ("dataset", "learning_rate", "neuron", "export")


def checklist(at):
    """The checklist lines of the Challenges panel, as the reader sees them (the marks' colour left out)."""
    marks = {mark: re.sub(r":\w+\[\*\*(.*)\*\*\]", r"\1", mark) for mark in panels.CHECK_MARKS.values()}
    return [marks[line.split(" – ")[0]] + " – " + shown(line.split(" – ", 1)[1])
            for m in at.markdown for line in m.value.split("  \n") if line.split(" – ")[0] in marks]


def test_picking_a_challenge_loads_its_setup_and_grades_it():
    at = open_panel(trained(2), "challenges")
    at.selectbox(key="challenge_pick").set_value("xor_no_hidden").run()
    assert not at.exception
    assert config(at) == params.preset_config("challenge", "xor_no_hidden") and metric(at, "Epoch") == "0"
    assert at.query_params["challenge"] in ("xor_no_hidden", ["xor_no_hidden"])
    assert any(CHALLENGES["xor_no_hidden"].goal in shown(m.value) for m in at.markdown)
    lines = checklist(at)
    assert lines[:2] == ["● met – dataset = Exclusive or: now Exclusive or", "● met – hidden layers = none: now none"]
    assert lines[2].startswith("○ not yet – test accuracy ≥ 95.0%: now ") and len(lines) == 3
    assert not at.success and "Hint" not in notices(at, "info")
    at.selectbox(key="challenge_pick").set_value("none").run()  # free play keeps the setup, and shows everything
    assert config(at) == {**params.preset_config("challenge", "xor_no_hidden"), "challenge": "none", "hide": ()}
    assert not checklist(at) and "loss" in widget_keys(at)


def widget_keys(at):
    """The keys of the widgets on the page."""
    kinds = ("selectbox", "select_slider", "slider", "number_input", "toggle", "pills", "text_input", "button")
    return {w.key for kind in kinds for w in at.get(kind)}


@pytest.mark.parametrize("cid", CHALLENGES)
def test_a_challenge_link_shows_the_controls_its_solution_changes_and_hides_the_rest(cid):
    at = run_app(challenge=cid)
    assert not at.exception
    challenge, keys = CHALLENGES[cid], widget_keys(at)
    changed = {name for changes, _ in challenge.solution for name in changes}
    assert {"add_layer" if name == "hidden" else name for name in changed} <= keys
    assert not set(challenge.hide) & keys
    shown_panels = set(at.segmented_control(key="panel").options)
    assert all((params.PANELS[name] in shown_panels) != (name in challenge.hide) for name in params.PANELS)


def test_a_challenge_link_opens_it_and_the_solution_passes_with_its_numbers():
    at = run_app(challenge="xor_no_hidden")
    assert at.segmented_control(key="panel").value == "challenges" and checklist(at)
    at.pills(key="features").set_value(["x1", "x2", "x1x2"]).run()  # the known solution
    at.button(key="play").click().run()  # it passes at epoch 1, where playing stops
    assert not at.session_state["playing"] and metric(at, "Epoch") == "1"
    assert all(line.startswith("● met") for line in checklist(at))
    accuracy = at.session_state["exp"].trainer.latest["test_accuracy"]
    assert notices(at, "success") == ("Challenge passed at epoch 1: dataset Exclusive or; hidden layers none; "
                                      f"test accuracy {accuracy:.1%}.")
    assert "Hint" not in notices(at, "info")


def test_the_hint_shows_after_the_challenges_budget_without_passing():
    at = run_app(challenge="xor_no_hidden")
    assert "Hint" not in notices(at, "info")
    at.session_state["exp"].trainer.run(CHALLENGES["xor_no_hidden"].config["epochs"])
    at.run()
    assert not at.success
    assert notices(at, "info") == "Hint: " + CHALLENGES["xor_no_hidden"].hint


@pytest.mark.parametrize("panel_open", [True, False])
def test_a_flipped_check_mark_reruns_the_page_from_the_live_fragment(monkeypatch, panel_open):
    """Playing, the fragment's turn grades the challenge; a condition flipping asks for a full run (the
    panels run on full runs only), and only while the panel is open."""
    monkeypatch.setattr(live, "TURN_SECONDS", 60.0)  # a turn ends at its snapshot count: 45 x 10 epochs
    reruns = []
    rerun = live.st.rerun
    monkeypatch.setattr(live.st, "rerun", lambda: (reruns.append(1), rerun()))
    at = run_app(challenge="overfit_then_l2", epochs="1000", speed="10")  # overfits; without L2 it cannot pass
    if not panel_open:
        at.segmented_control(key="panel").set_value(None).run()
    overfitted = [line.split(" – ")[0] for line in checklist(at) if "largest test loss" in line]
    assert overfitted == (["○ not yet"] if panel_open else [])
    at.button(key="play").click().run()
    assert not at.exception and at.session_state["playing"]  # the limit is not reached, the challenge not passed
    assert len(reruns) == panel_open
    overfitted = [line.split(" – ")[0] for line in checklist(at) if "largest test loss" in line]
    assert overfitted == (["● met"] if panel_open else [])  # the rerun drew the flipped mark


def chart(at, key):
    """The Plotly figure (as JSON) of the chart keyed ``key``."""
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id)


def test_how_well_it_does_counts_the_points_and_draws_the_accuracy():
    at = open_panel(trained(3, dataset="blobs", n_classes="3", hidden="8"), "performance")
    exp = at.session_state["exp"]
    counts = np.array(chart(at, "confusion_fig")["data"][0]["text"], dtype=int)
    assert counts.shape == (3, 3) and counts.sum() == len(exp.X_test)
    np.testing.assert_array_equal(counts, exp.trainer.confusion(test=True))
    assert f"({exp.trainer.latest['test_accuracy']:.1%})" in " ".join(c.value for c in at.caption)
    at.radio(key="confusion_split").set_value("train").run()
    counts = np.array(chart(at, "confusion_fig")["data"][0]["text"], dtype=int)
    assert counts.sum() == len(exp.X_train)
    lines = chart(at, "score_fig")["data"]
    assert [line["name"] for line in lines] == ["train", "test"] and not at.exception


def test_how_well_it_does_draws_r2_for_regression_and_no_confusion_matrix():
    at = open_panel(trained(3, dataset="plane"), "performance")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1  # the R² curves only
    assert chart(at, "score_fig")["layout"]["yaxis"]["title"]["text"] == "R²"


def test_pinned_runs_are_listed_overlaid_exported_and_restored():
    at = open_panel(trained(2), "compare")
    assert at.button(key="pin_run").disabled is False
    at.button(key="pin_run").click().run()
    first = dict(config(at))
    at.select_slider(key="learning_rate").set_value(0.3).run()
    at.button(key="step").click().run()
    at.button(key="pin_run").click().run()
    assert not at.exception
    pins = at.session_state["pinned"]
    assert [p["name"] for p in pins] == ["Run 1", "Run 2"] and pins[1]["config"]["learning_rate"] == 0.3
    lines = chart(at, "compare_fig")["data"]
    assert [line["name"] for line in lines] == ["Run 1", "Run 2", "now"]
    assert pins[0]["curve"][-1, 0] == 2 and pins[1]["curve"][-1, 0] == 3  # each loss curve to its epoch
    exp = at.session_state["exp"]
    np.testing.assert_array_equal(pins[1]["picture"], pictures.thumbnail(exp))  # the output when pinned
    assert len(at.get("image")) == 1 + 2  # the logo, and a thumbnail beside each pinned run
    summaries = [shown(m.value) for m in at.markdown if shown(m.value).startswith("Run ")]
    assert summaries[0].startswith("Run 1: Circle, 4-2, Tanh, SGD, rate 0.03. Epoch 2: test loss ")
    assert "Pinned runs (CSV)" in [b.proto.label for b in at.get("download_button")]
    table = pd.read_csv(io.StringIO(panels.pins_csv(pins)))
    assert list(table.name) == ["Run 1", "Run 2"] and list(table.learning_rate) == [0.03, 0.3]
    assert table.epoch.tolist() == [2, 3] and "test_accuracy" in table and "hidden" in table
    at.button(key="restore_pin_0").click().run()
    assert config(at) == first and metric(at, "Epoch") == "0"
    assert "Run 1's setup is back" in notices(at, "success")


def test_the_tab_is_asked_for_its_pins_until_the_session_pins_then_told_each_change_once():
    at = open_panel(trained(1), "compare")
    assert pin_store_data(at) == {"read": True, "after": ".st-key-page_mark_box"}  # once the page is drawn
    at.button(key="pin_run").click().run()
    stored, made, warnings = pins_from_json(pin_store_data(at)["write"])
    assert made == 1 and warnings == [] and [p["name"] for p in stored] == ["Run 1"]
    np.testing.assert_array_equal(stored[0]["curve"], at.session_state["pinned"][0]["curve"])
    at.button(key="step").click().run()
    assert pin_store_data(at) is None  # stored: nothing to send until the pins change
    at.button(key="pin_run").click().run()
    assert [p["name"] for p in pins_from_json(pin_store_data(at)["write"])[0]] == ["Run 1", "Run 2"]


def test_pinning_keeps_the_last_ten_runs():
    at = open_panel(trained(1), "compare")
    for _ in range(12):
        at.button(key="pin_run").click().run()
    assert [p["name"] for p in at.session_state["pinned"]] == [f"Run {k}" for k in range(3, 13)]
    assert not at.exception


def test_after_reset_step_back_in_time_starts_at_the_newest_epoch_again():
    at = open_panel(trained(3), "history")
    at.select_slider(key="history_epoch").set_value(1).run()
    at.button(key="reset").click().run()
    for _ in range(3):
        at.button(key="step").click().run()
    assert not at.exception and at.select_slider(key="history_epoch").value == 3
