"""A race trains, side by side, exactly the networks a single run of each racer's setting trains."""

import itertools

import numpy as np
import pytest

from playground import params
from playground.experiment import Experiment
from playground.race import Race, racer_configs
from tests.conftest import config, metric, notices, open_panel, readout, run_app

SPIRAL = {"dataset": "spiral", "n_samples": 200, "noise": 0.1, "seed": 4}


def race_of(text, **config):
    return Race(params.validate({**SPIRAL, **config, "race": text}), grid_res=10)


def ticking_clock(step=1e-3):
    """A clock that moves ``step`` seconds on every read: deadlines fall mid-epoch, wherever the machine is."""
    t = itertools.count()
    return lambda: next(t) * step


@pytest.mark.parametrize("text", ["optimizer:sgd/momentum/adam", "activation:relu/tanh/sigmoid",
                                  "learning_rate:0.3/0.03", "reg_rate:0.001/0.1", "init:xavier/he",
                                  "regularization:none/l1/l2", "batch_size:1/10/100"])
def test_racers_start_alike_and_differ_only_in_the_raced_setting(text):
    race = race_of(text)
    first = race.experiments[0]
    for exp in race.experiments[1:]:
        assert np.array_equal(exp.X_train, first.X_train) and np.array_equal(exp.y_test, first.y_test)
        changed = {k for k in exp.config if exp.config[k] != first.config[k]}
        assert changed == {race.setting}
        if race.setting != "init":  # the same initial weights, unless how they are drawn is what races
            assert np.array_equal(exp.net.params, first.net.params)


def test_every_racer_trains_exactly_as_its_own_single_run_in_lockstep():
    race = race_of("hidden:6/3,3/2,2,2,2")  # three shapes: three parameter counts
    clock, epochs_seen = ticking_clock(), []
    while race.epoch < 12:  # turns of a few mini-batches each: every racer is often caught mid-epoch
        race.run_until(clock() + 0.004, 12 - race.epoch, lambda: epochs_seen.append([tr.epoch for tr in race.trainers]),
                       clock=clock)
    assert epochs_seen == [[e] * 3 for e in range(1, 13)]  # each new epoch reached by all three together
    for own, exp in zip(racer_configs(race.config), race.experiments):
        alone = Experiment(own, grid_res=10)
        alone.trainer.run(12)
        np.testing.assert_array_equal(exp.net.params, alone.net.params)


def test_a_racer_that_diverges_drops_out_and_the_others_race_on():
    race = race_of("learning_rate:10.0/0.03", problem="regression", dataset="plane")
    race.run_until(float("inf"), 30)
    wild, calm = race.trainers
    assert wild.diverged and not calm.diverged and not race.diverged
    assert calm.epoch == race.epoch == 30 and wild.epoch < 30
    assert np.isfinite(wild.net.params).all()  # its last network is kept to be drawn
    race.train_epoch()
    assert calm.epoch == 31
    table = race.history()  # the CSV of the Race panel: each racer's own epochs, the diverged one's too
    assert list(table.columns[:3]) == ["racer", "epoch", "train_loss"]
    assert not table.columns.str.startswith("grad").any()
    assert table.groupby("racer", sort=False).epoch.max().to_dict() == {"rate 10": wild.epoch, "rate 0.03": 31}


def test_training_settings_change_in_place_and_anything_else_starts_a_new_race():
    race = race_of("optimizer:sgd/adam")
    race.run_until(float("inf"), 5)
    faster = {**race.config, "learning_rate": 0.1, "speed": 5}
    assert race.update(faster) and race.epoch == 5
    assert [tr.learning_rate for tr in race.trainers] == [0.1, 0.1]
    assert not race.update({**faster, "hidden": (3,)})
    assert not race.update({**faster, "race": "optimizer:sgd/momentum"})


def test_a_race_of_regularisation_rates_regularises():
    configs = racer_configs(params.validate({**SPIRAL, "race": "reg_rate:0.001/0.1"}))
    assert [c["regularization"] for c in configs] == ["l2", "l2"]
    configs = racer_configs(params.validate({**SPIRAL, "race": "regularization:none/l1"}))
    assert [c["reg_rate"] for c in configs] == [0.01, 0.01]


@pytest.mark.parametrize("text, says", [
    ("optimizer:sgd", "2-4 different values"),
    ("optimizer:sgd/sgd", "2-4 different values"),
    ("optimizer:sgd/momentum/adam/sgd/momentum", "2-4 different values"),
    ("dataset:circle/xor", "race must be setting:value/value..., the setting one of optimizer, "),
    ("optimizer sgd/adam", "race must be setting:value/value"),
    ("hidden:4/99", "hidden must be at most"),
    ("learning_rate:0.03/7", "learning_rate must be one of"),
])
def test_a_bad_race_in_a_link_falls_back_to_no_race_with_a_warning(text, says):
    config, warnings = params.decode({"race": text})
    assert config["race"] == "" and len(warnings) == 1 and says in warnings[0]


def test_a_race_link_is_kept_in_canonical_form():
    config, warnings = params.decode({"race": " hidden: 4,2 / 8 ", "dataset": "spiral"})
    assert warnings == [] and config["race"] == "hidden:4,2/8"
    assert params.decode(params.encode(config)) == (config, [])


def test_a_race_link_opens_a_race_that_step_trains_and_the_panel_ends():
    at = run_app(dataset="spiral", race="optimizer:sgd/momentum/adam")
    race = at.session_state["racing"]
    assert not at.exception and race.labels == ["SGD", "Momentum", "Adam"]
    assert at.selectbox(key="optimizer").disabled  # the raced setting is set by the race, not its control
    assert list(readout(at)) == ["Epoch", "SGD: test loss", "Momentum: test loss", "Adam: test loss"]
    at.button(key="step").click().run()
    assert [tr.epoch for tr in at.session_state["racing"].trainers] == [1, 1, 1] and metric(at, "Epoch") == "1"
    assert at.session_state["exp"].trainer.epoch == 0  # the single network waits
    at.select_slider(key="learning_rate").set_value(0.1).run()  # a training setting: the race goes on
    assert at.session_state["racing"] is race and race.epoch == 1
    assert [tr.learning_rate for tr in race.trainers] == [0.1] * 3
    open_panel(at, "compare")
    at.button(key="pin_run").click().run()  # each racer, as a run of its own
    pinned = at.session_state["pinned"]
    assert [p["config"]["optimizer"] for p in pinned] == ["sgd", "momentum", "adam"]
    assert all(p["config"]["race"] == "" for p in pinned)
    open_panel(at, "race")
    at.button(key="end_race").click().run()
    assert at.session_state["racing"] is None and config(at)["race"] == ""
    assert not at.selectbox(key="optimizer").disabled


def test_the_race_panel_starts_a_race_of_the_values_picked_or_says_what_is_wrong():
    at = open_panel(run_app(), "race")
    at.selectbox(key="race_setting").set_value("hidden").run()
    at.text_input(key="race_values_hidden").set_value("8 / 4,4").run()
    at.button(key="start_race").click().run()
    assert config(at)["race"] == "hidden:8/4,4"
    assert [e.net.sizes for e in at.session_state["racing"].experiments] == [[2, 8, 1], [2, 4, 4, 1]]
    assert at.button(key="add_layer").disabled
    at.text_input(key="race_values_hidden").set_value("8/<b>x</b>").run()
    at.button(key="start_race").click().run()
    assert config(at)["race"] == "hidden:8/4,4"  # the race on screen stays
    assert "The race did not start: race: hidden must be" in notices(at, "warning")


def test_a_racer_that_diverges_is_announced_once_and_the_race_goes_on():
    at = run_app(dataset="plane", race="learning_rate:10.0/0.03")
    said = []
    for _ in range(25):
        at.button(key="step").click().run()
        said.append(notices(at, "warning").count("rate 10 diverged during epoch"))
    wild, calm = at.session_state["racing"].trainers
    assert wild.diverged and calm.epoch == 25 and metric(at, "rate 10: test loss") == "out"
    assert sorted(said) == [0] * 24 + [1]  # on the step that diverged, and never again
    assert not at.exception
