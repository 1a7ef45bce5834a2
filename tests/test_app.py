"""The Streamlit app, driven headless with AppTest: every control, the buttons, the URL."""


import numpy as np
import pytest

from nn_core.formula import MAX_CHARS
from playground import params
from playground.batch import decode, layer_labels
from tests.conftest import config, metric, notices, readout, run_app, shown
from ui import live
from ui.text import WORD_JOINER


def test_starts_on_a_builtin_dataset_with_the_contract_controls():
    at = run_app()
    assert not at.exception
    assert metric(at, "Epoch") == "0"
    labels = {b.label for b in at.button}
    assert {"Play", "Step", "Reset"} <= labels
    assert config(at) == params.DEFAULTS
    assert at.query_params["dataset"] == "circle"


# (widget kind, key, new value, parameter, expected config value, URL query to start from)
CONTROLS = [
    ("select_slider", "learning_rate", 0.3, "learning_rate", 0.3, {}),
    ("selectbox", "activation", "relu", "activation", "relu", {}),
    ("selectbox", "optimizer", "adam", "optimizer", "adam", {}),
    ("selectbox", "regularization", "l2", "regularization", "l2", {}),
    ("select_slider", "reg_rate", 0.03, "reg_rate", 0.03, {"regularization": "l2"}),
    ("selectbox", "problem", "regression", "dataset", "plane", {}),
    ("selectbox", "dataset", "xor", "dataset", "xor", {}),
    ("slider", "n_classes", 4, "n_classes", 4, {"dataset": "blobs"}),
    ("slider", "noise", 0.25, "noise", 0.25, {}),
    ("slider", "train_ratio", 0.7, "train_ratio", 0.7, {}),
    ("slider", "n_samples", 300, "n_samples", 300, {}),
    ("number_input", "batch_size", 30, "batch_size", 30, {}),
    ("toggle", "full_batch", True, "full_batch", True, {}),
    ("pills", "features", ["x1", "x2", "x1_sq"], "features", ("x1", "x2", "x1_sq"), {}),
    ("number_input", "neurons_0", 6, "hidden", (6, 2), {}),
    ("text_input", "formula", "sin(x1)*cos(x2)", "formula", "sin(x1)*cos(x2)", {"features": "x1,x2,custom"}),
    ("selectbox", "loss", "mse", "loss", "mse", {}),
    ("selectbox", "init", "he", "init", "he", {}),
    ("number_input", "epochs", 50, "epochs", 50, {}),
    ("select_slider", "speed", 20, "speed", 20, {}),
    ("number_input", "seed", 7, "seed", 7, {}),
    ("toggle", "show_test", True, "show_test", True, {}),
    ("toggle", "discretize", True, "discretize", True, {}),
    ("selectbox", "schedule", "cosine", "schedule", "cosine", {}),
    ("number_input", "decay_every", 30, "decay_every", 30, {"schedule": "step"}),
    ("select_slider", "decay_factor", 0.1, "decay_factor", 0.1, {"schedule": "step"}),
    ("select_slider", "clip_norm", 1.0, "clip_norm", 1.0, {}),
    ("selectbox", "layer_activations_1", "relu", "layer_activations", ("same", "relu"), {}),
    ("selectbox", "dropout_0", 0.2, "dropout", (0.2, 0.0), {}),
]


@pytest.mark.parametrize("kind, key, value, name, expected, query", CONTROLS, ids=[c[1] for c in CONTROLS])
def test_every_control_updates_state_and_url(kind, key, value, name, expected, query):
    at = run_app(**query)
    getattr(at, kind)(key=key).set_value(value)
    at.run()
    assert not at.exception
    assert config(at)[name] == expected
    url = at.query_params[name]
    assert (url[-1] if isinstance(url, list) else url) == params.PARAMS[name].format(expected)
    assert metric(at, "Epoch") == "0"  # pictures drawn, nothing trained yet


@pytest.fixture
def batches(monkeypatch):
    """Every batch the app gives the live view, decoded (AppTest cannot run the component's JavaScript)."""
    sent = []
    mount = live.live_view

    def recording(batch, **callbacks):
        sent.append(decode(batch))
        return mount(batch, **callbacks)

    monkeypatch.setattr(live, "live_view", recording)
    return sent


def test_a_network_too_slow_for_its_epochs_per_frame_still_moves_on_screen(batches, monkeypatch):
    monkeypatch.setattr(live, "RUN_SECONDS", 0.0)  # a run of one turn, as under load
    monkeypatch.setattr(live, "TURN_SECONDS", 0.002)
    at = run_app(hidden="16,16,16", n_samples="2000", train_ratio="0.9", batch_size="1", speed="100")
    at.button(key="play").click().run()
    played = batches[-1]
    tr = at.session_state["exp"].trainer
    assert played.meta["playing"] and len(played.stats) == 1 and tr.epoch < 100  # far from 100 epochs
    done, per_epoch = tr.batch_progress
    assert played.stats[0, 0] == tr.epoch + round(done / per_epoch, 3) and done > 0  # where training is now
    np.testing.assert_array_equal(played.params[0], tr.net.params.astype(np.float32))


def test_play_sends_a_turn_of_snapshots_and_pause_sends_the_network(batches, monkeypatch):
    monkeypatch.setattr(live, "TURN_SECONDS", 60.0)  # a turn ends at its snapshot count, not the clock
    monkeypatch.setattr(live, "BUSY_DEMAND", float("inf"))  # a quiet server: the usual lead (lead_seconds)
    at = run_app(speed="10")
    assert len(batches) == 1 and not batches[0].meta["playing"] and batches[0].stats[0, 0] == 0
    at.button(key="play").click().run()
    assert not at.exception and at.session_state["playing"]
    assert at.button(key="pause").label == "Pause"
    batch, exp = batches[-1], at.session_state["exp"]
    n = live.batch_size(None)
    assert batch.meta["playing"] and batch.meta["sizes"] == [2, 4, 2, 1]
    np.testing.assert_array_equal(batch.stats[:, 0], 10 * np.arange(1, n + 1))  # every 10th epoch, in order
    assert int(metric(at, "Epoch")) == exp.trainer.epoch == 10 * n
    np.testing.assert_array_equal(batch.params[-1], exp.net.params.astype(np.float32))
    kept = [i for i, e in enumerate(batch.stats[:, 0]) if e in exp.trainer.snapshot_epochs]
    assert kept  # each snapshot sent is the network of its epoch, as the trainer recorded it
    for i in kept:
        np.testing.assert_array_equal(batch.params[i], exp.trainer.params_at(batch.stats[i, 0]).astype(np.float32))
    assert len(batch.points) == len(exp.X) and batch.meta["n_train"] == len(exp.X_train)

    need = {"have": 10 * n, "stream": batch.meta["stream"], "queued": 5, "fps": 30, "data_id": batch.meta["data_id"]}
    at.session_state["live_need"] = need
    at.run()  # as the browser's request reruns the fragment: LEAD_SECONDS at 30 frames/s, less the 5 queued
    more = batches[-1]
    assert live.batch_size(need) == round(30 * live.LEAD_SECONDS) - 5
    np.testing.assert_array_equal(more.stats[:, 0], 10 * np.arange(n + 1, n + 1 + live.batch_size(need)))
    assert more.points.size == 0 and more.curve.size == 0 and more.meta["stream"] == batch.meta["stream"]

    at.button(key="pause").click().run()
    paused = batches[-1]
    assert not at.session_state["playing"] and at.button(key="play").label == "Play"
    assert not paused.meta["playing"] and len(paused.stats) == 1
    np.testing.assert_array_equal(paused.params[0], exp.net.params.astype(np.float32))
    assert int(metric(at, "Epoch")) == paused.stats[0, 0] == exp.trainer.epoch
    assert paused.curve[-1, 0] == exp.trainer.epoch  # the loss history, to the epoch on screen


def test_a_jump_in_training_starts_a_new_stream(batches):
    at = run_app()
    first = batches[-1].meta["stream"]
    at.button(key="step").click().run()
    assert batches[-1].meta["stream"] != first and batches[-1].stats[0, 0] == 1
    at.run()  # nothing happened: the same stream
    assert batches[-1].meta["stream"] == batches[-2].meta["stream"]


def test_step_step_batch_and_reset():
    at = run_app()
    at.button(key="step").click().run()
    assert metric(at, "Epoch") == "1"
    at.button(key="step_batch").click().run()
    assert at.session_state["exp"].trainer.steps == 26  # 250 points / batch 10 + 1
    at.button(key="reset").click().run()
    assert metric(at, "Epoch") == "0"
    assert at.session_state["exp"].trainer.steps == 0
    assert not at.exception


def test_add_and_remove_hidden_layers():
    at = run_app()
    at.button(key="add_layer").click().run()
    assert config(at)["hidden"] == (4, 2, 2)
    for _ in range(3):
        at.button(key="remove_layer").click().run()
    assert config(at)["hidden"] == ()
    assert at.button(key="remove_layer").disabled
    assert at.session_state["exp"].net.sizes == [2, 1]
    assert not at.exception


def test_regenerate_changes_the_data():
    at = run_app()
    before = at.session_state["exp"].X.copy()
    at.button(key="regenerate").click().run()
    assert config(at)["seed"] == 1
    assert (at.session_state["exp"].X != before).any()


def test_bad_url_values_fall_back_with_a_visible_warning():
    at = run_app(learning_rate="banana", hidden="4,x", dataset="nope", noise="9", zzz="1")
    assert not at.exception
    assert config(at) == params.DEFAULTS
    text = notices(at, "warning")
    for name in ("learning_rate", "hidden", "dataset", "noise", "zzz"):
        assert name in text


def test_a_link_reproduces_a_setup():
    at = run_app(dataset="spiral", hidden="8,8,8", activation="relu", learning_rate="0.01", optimizer="adam")
    c = config(at)
    assert (c["dataset"], c["hidden"], c["activation"], c["learning_rate"], c["optimizer"]) == (
        "spiral", (8, 8, 8), "relu", 0.01, "adam")
    assert at.session_state["exp"].net.sizes == [2, 8, 8, 8, 1]


def test_divergence_pauses_with_a_message_and_reset_recovers():
    at = run_app(dataset="plane", learning_rate="10", activation="relu", hidden="8,8,8", speed="50")
    at.button(key="play").click().run()
    for _ in range(5):  # each full run trains for a moment while playing
        if at.session_state["exp"].trainer.diverged:
            break
        at.run()
    assert not at.exception
    exp = at.session_state["exp"]
    assert exp.trainer.diverged and not at.session_state["playing"]
    assert any("diverged" in e.value for e in at.error)
    at.button(key="reset").click().run()
    assert not at.session_state["exp"].trainer.diverged
    assert not at.exception


def test_the_formula_box_appears_with_the_custom_feature_and_labels_the_picture():
    at = run_app()
    assert not [w for w in at.text_input if w.key == "formula"]  # custom is off
    at.pills(key="features").set_value(["x1", "custom"]).run()
    box = at.text_input(key="formula")
    assert box.label == "Formula (x1, x2)" and f"at most {MAX_CHARS} characters" in box.help and "sqrt" in box.help
    assert not box.max_chars  # longer text reaches the parser, which says what is wrong (test_session.py)
    box.set_value("sqrt(x1**2+x2**2)").run()
    exp = at.session_state["exp"]
    assert exp.config["formula"] == "sqrt(x1**2+x2**2)"
    np.testing.assert_allclose(exp.F_train[:, 1], np.hypot(exp.X_train[:, 0], exp.X_train[:, 1]))
    assert layer_labels(exp)[0] == ["x₁", "sqrt(x1**2+x2**…"]  # shortened to LABEL_CHARS
    assert not at.exception


def test_a_refused_formula_keeps_the_previous_one_with_a_plain_notice():
    at = run_app(features="x1,custom", formula="x1*x2")
    exp = at.session_state["exp"]
    at.text_input(key="formula").set_value("__bold__(x1)*[a](https://evil.example)" + "x1" * 30).run()
    assert not at.exception
    assert at.session_state["exp"] is exp and config(at)["formula"] == "x1*x2"
    assert at.text_input(key="formula").value == "x1*x2"
    [warning] = at.warning
    assert shown(warning.value).replace(WORD_JOINER, "") == (
        "The formula '__bold__(x1)*[a](https://evil…' was not used: the character ':' is not allowed in a "
        "formula. The formula x1*x2 is kept.")
    assert "__bold__" not in warning.value and "[a](" not in warning.value  # escaped (ui.text.plain)
    at.run()  # the notice is not repeated on the next run
    assert not at.warning


def test_a_teacher_can_hide_the_formula():
    at = run_app(features="x1,custom", formula="x1*x1", hide="formula")
    assert not at.exception
    assert not [w for w in at.text_input if w.key == "formula"]
    assert at.session_state["exp"].config["formula"] == "x1*x1"


@pytest.mark.parametrize("query, shown_names, column, spec", [
    ({"dataset": "plane"}, ("Train R²", "Test R²"), "r2", ".3f"),
    ({"dataset": "xor"}, ("Train accuracy", "Test accuracy"), "accuracy", ".1%"),
], ids=["regression", "classification"])
def test_metrics_show_r2_for_regression_and_accuracy_for_classes(query, shown_names, column, spec):
    at = run_app(**query)
    for _ in range(3):
        at.button(key="step").click().run()
    labels = list(readout(at))
    assert labels == ["Epoch", "Train loss", "Test loss", *shown_names]
    h = at.session_state["exp"].trainer.history.iloc[-1]
    for name, split in zip(shown_names, ("train", "test")):
        assert metric(at, name) == format(h[f"{split}_{column}"], spec)
    if column == "r2":
        assert 0 < h.test_r2 < 1 and h.test_r2 != h.train_r2  # learning, and two numbers


def test_per_layer_settings_follow_the_hidden_layers_and_dropout_keeps_training():
    at = run_app(hidden="4,3", layer_activations="relu,sigmoid", dropout="0.3,0.1", off="1.2,2.3")
    assert not at.exception and at.warning.len == 0
    assert at.session_state["exp"].net.activations == ("relu", "sigmoid")
    assert at.selectbox(key="layer_activations_0").value == "relu" and at.selectbox(key="dropout_1").value == 0.1
    at.button(key="step").click().run()
    trainer = at.session_state["exp"].trainer
    at.selectbox(key="dropout_0").set_value(0.5).run()  # a training setting: in place, the epoch kept
    assert at.session_state["exp"].trainer is trainer and trainer.dropout == (0.5, 0.1) and metric(at, "Epoch") == "1"
    at.number_input(key="neurons_1").set_value(2).run()  # neuron 2.3 is gone: it is no longer off
    assert config(at)["off"] == ((1, 2),) and at.query_params["off"] == "1.2"
    at.button(key="add_layer").click().run()  # the new layer follows Activation, without dropout
    c = config(at)
    assert (c["hidden"], c["layer_activations"], c["dropout"]) == ((4, 2, 2), ("relu", "sigmoid", "same"),
                                                                   (0.5, 0.1, 0.0))
    assert at.selectbox(key="layer_activations_2").value == "same"
    at.button(key="remove_layer").click().run()
    at.button(key="remove_layer").click().run()
    c = config(at)
    assert (c["hidden"], c["layer_activations"], c["dropout"], c["off"]) == ((4,), ("relu",), (0.5,), ((1, 2),))
    assert at.session_state["exp"].net.off == ((1, 2),) and not at.exception


def test_a_per_layer_setting_that_does_not_fit_warns():
    at = run_app(layer_activations="relu", off="1.9")
    assert "layer_activations must give one value per hidden layer" in notices(at, "warning")
    assert "off names neurons" in notices(at, "warning")
    assert config(at)["layer_activations"] == () and config(at)["off"] == ()

