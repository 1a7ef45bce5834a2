"""What a new user hit: each test is a bug seen on the app before session state had one owner."""

import base64
import json

import numpy as np

from playground import params
from tests.conftest import config, metric, notices, open_panel, play_until_stopped, run_app, upload_csv

REGRESSION_CSV = "x1,x2,target\n" + "\n".join(f"{x},{y},{x / 6:.4f}" for x, y in
                                             np.random.default_rng(1).uniform(-5, 5, (30, 2)).round(3))


def test_the_last_feature_cannot_be_switched_off():
    at = run_app()
    at.pills(key="features").set_value(["x2"]).run()
    at.pills(key="features").set_value([]).run()
    assert not at.exception
    assert config(at)["features"] == ("x2",) and at.pills(key="features").value == ["x2"]
    assert "at least one input" in notices(at, "info")
    assert at.session_state["exp"].net.sizes[0] == 1
    at.button(key="reset").click().run()
    assert not at.exception and metric(at, "Epoch") == "0"


def test_inside_a_neuron_falls_back_to_a_neuron_that_exists():
    at = open_panel(run_app(dataset="spiral", hidden="8,8"), "neuron")
    at.selectbox(key="neuron_layer").set_value(1).run()  # hidden layer 2
    at.selectbox(key="neuron_unit").set_value(7).run()  # neuron 2.8
    at.button(key="remove_layer").click().run()
    assert not at.exception
    layer, unit = at.selectbox(key="neuron_layer"), at.selectbox(key="neuron_unit")
    net = at.session_state["exp"].net
    assert net.sizes == [2, 8, 1]
    assert layer.value in range(net.n_layers) and unit.value in range(net.sizes[layer.value + 1])
    assert layer.format_func(layer.value) == ("output" if layer.value == net.n_layers - 1 else "hidden layer 1")
    formulas = " ".join(x.value for x in at.latex)
    assert (r"\sigma(z)" in formulas) == (layer.value == net.n_layers - 1)  # sigmoid output, tanh hidden
    at.button(key="step").click().run()
    assert not at.exception and at.selectbox(key="neuron_layer").value == layer.value


def test_regression_data_of_ones_own_set_the_problem_type_and_grey_out_what_cannot_apply():
    at = open_panel(run_app(), "data")
    upload_csv(at, "ramp.csv", REGRESSION_CSV)
    assert not at.exception
    assert at.session_state["exp"].kind == "regression" and config(at)["problem"] == "regression"
    assert at.selectbox(key="problem").value == "regression" and at.selectbox(key="problem").disabled
    assert "Your data: ramp.csv, 30 points, regression targets." in notices(at, "info")
    for key in ("noise", "n_samples"):
        assert at.slider(key=key).disabled and "own points" in at.slider(key=key).help


def test_step_batch_shows_the_progress_within_the_epoch():
    at = run_app()
    before = metric(at, "Train loss")
    for _ in range(4):
        at.button(key="step_batch").click().run()
    assert metric(at, "Epoch") == "0 + 4/25 batches"
    exp = at.session_state["exp"]
    assert metric(at, "Train loss") != before
    assert metric(at, "Train loss") == f"{exp.trainer.evaluate(exp.trainer._train)[0]:.4f}"


def test_playing_to_the_epoch_limit_says_so_and_play_goes_on():
    at = run_app(epochs="10", speed="5")
    assert at.number_input(key="epochs").label == "Stop at"  # beside Play, not in More settings
    play_until_stopped(at, runs=11)  # Play's run and 10 more
    assert not at.session_state["playing"] and at.session_state["exp"].trainer.epoch == 10
    assert "Stopped at 10 epochs" in notices(at, "info")
    at.button(key="play").click().run()  # Play at the limit doubles it and trains on
    assert config(at)["epochs"] == 20 and at.number_input(key="epochs").value == 20
    assert at.session_state["exp"].trainer.epoch > 10


def test_picking_a_regulariser_gives_it_a_rate():
    at = run_app()
    assert at.select_slider(key="reg_rate").disabled
    at.selectbox(key="regularization").set_value("l2").run()
    assert config(at)["reg_rate"] > 0 and not at.select_slider(key="reg_rate").disabled
    assert at.session_state["exp"].trainer.reg_rate == config(at)["reg_rate"]
    at.selectbox(key="regularization").set_value("none").run()
    assert config(at)["reg_rate"] == 0.0 and at.select_slider(key="reg_rate").disabled


def test_after_a_divergence_the_suggested_rate_trains_on():
    query = dict(problem="regression", dataset="plane", hidden="4", activation="linear", learning_rate="10",
                 noise="0.2", train_ratio="0.7", seed="1")
    at = run_app(**query)
    at.button(key="step").click().run()
    message = notices(at, "error")
    assert "diverged" in message and "Set the learning rate to 0.01 (checked" in message
    at.button(key="play").click().run()  # Play cannot go on at the rate that diverged
    assert not at.session_state["playing"]
    at.select_slider(key="learning_rate").set_value(0.01).run()
    assert not notices(at, "error")
    for _ in range(3):
        at.button(key="step").click().run()
    tr = at.session_state["exp"].trainer
    assert not tr.diverged and tr.epoch == 3 and np.isfinite(tr.net.params).all()


def test_a_link_cannot_put_a_link_an_image_or_colours_into_the_apps_messages():
    evil = {"dataset": "[Your session expired: click here](https://evil.example/login)",
            "lesson": "![x](https://evil.example/track.png)", "activation": ":red[danger] $x^2$"}
    at = run_app(**evil)
    assert not at.exception and config(at) == params.DEFAULTS
    for w in at.warning:  # each punctuation mark is escaped, so Markdown shows it as itself
        assert "[" not in w.value.replace("\\[", "") and "$" not in w.value.replace("\\$", "")
    assert "[Your session expired" in notices(at, "warning")


def test_layer_buttons_and_class_chips_say_what_they_are():
    at = open_panel(run_app(), "data")
    assert (at.button(key="add_layer").label, at.button(key="remove_layer").label) == ("Add layer", "Remove layer")
    chips = at.segmented_control(key="draw_class")  # a dot in the colour drawn, and its name: no emoji font
    assert [chips.format_func(k) for k in range(2)] == [':color[●]{foreground="#f59322"} orange class 0',
                                                       ':color[●]{foreground="#0877bd"} blue class 1']


def test_a_stop_condition_stops_play_and_says_which():
    at = run_app(stop_below="0.3", speed="5")  # the circle's test loss falls below 0.3 within some epochs
    play_until_stopped(at, runs=21)  # Play's run and 20 more
    tr = at.session_state["exp"].trainer
    assert not at.session_state["playing"] and tr.latest["test_loss"] < 0.3 < tr.history.test_loss.iloc[0]
    assert "is below the target 0.3" in notices(at, "info") and tr.epoch < 1000


def test_a_rate_schedule_is_drawn_beside_its_settings():
    at = run_app()
    assert at.number_input(key="decay_every").disabled and not at.get("plotly_chart")
    at.selectbox(key="schedule").set_value("step").run()
    assert not at.exception and not at.number_input(key="decay_every").disabled
    line = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    rates = np.frombuffer(base64.b64decode(line["y"]["bdata"]), np.float64)
    assert line["name"] == "learning rate" and rates[0] == 0.03 and rates[-1] == 0.03 * 0.5 ** 10  # halved per 100


def test_points_that_do_not_fit_the_lessons_loss_make_the_loss_follow_them():
    at = open_panel(run_app(lesson="tutorial"), "data")  # squared error on a sigmoid output
    points = np.random.default_rng(2).uniform(-5, 5, (30, 2)).round(3)
    csv = "x1,x2,label\n" + "\n".join(f"{x},{y},{i % 3}" for i, (x, y) in enumerate(points))  # 3 classes
    upload_csv(at, "three.csv", csv)
    assert not at.exception
    exp = at.session_state["exp"]
    assert exp.kind == "multiclass" and exp.loss == "cross_entropy" and len(exp.X) == 30
    assert config(at)["loss"] == "auto" and at.selectbox(key="loss").value == "auto"
    assert "does not fit your data" in notices(at, "info")
    at.button(key="reset").click().run()
    assert not at.exception and at.session_state["exp"].kind == "multiclass"


def test_reset_goes_back_to_the_same_initial_weights_as_its_tooltip_says():
    at = run_app(dataset="xor")
    start = at.session_state["exp"].net.params.copy()
    for _ in range(3):
        at.button(key="step").click().run()
    assert not np.array_equal(at.session_state["exp"].net.params, start)
    at.button(key="reset").click().run()
    assert metric(at, "Epoch") == "0"
    np.testing.assert_array_equal(at.session_state["exp"].net.params, start)  # the run replays exactly
    assert "same initial weights" in at.button(key="reset").help


def test_a_formula_over_the_limit_gets_a_message_and_the_formula_in_use_stays():
    at = run_app(features="x1,x2,custom")
    too_long = "x1+" * 40 + "x2"  # 122 characters
    at.text_input(key="formula").input(too_long).run()
    assert not at.exception
    assert config(at)["formula"] == params.DEFAULTS["formula"]
    assert "too long (122 characters; at most 100)" in notices(at, "warning")
    assert at.text_input(key="formula").value == params.DEFAULTS["formula"]
