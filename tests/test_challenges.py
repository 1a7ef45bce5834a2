"""Challenges: each known solution, trained here, passes; each start setup, trained as long, does not."""

import math

import pytest

from playground import params
from playground.challenges import CHALLENGES, MEASURES, OPERATORS, check, measure
from playground.experiment import Experiment
from playground.params import HIDEABLE, PANELS, PARAMS


def apply(exp, changes):
    """The experiment after the changes, as the app does: kept if only training settings change, else rebuilt."""
    config = {**exp.config, **changes}
    return exp if exp.update(config) else Experiment(config, grid_res=2)


def graded(exp):
    return check(CHALLENGES[exp.config["challenge"]], measure(exp.config, exp.trainer))


@pytest.mark.parametrize("cid", CHALLENGES)
def test_the_known_solution_passes(cid):
    exp = Experiment(params.preset_config("challenge", cid), grid_res=2)
    for changes, epochs in CHALLENGES[cid].solution:
        exp = apply(exp, changes)
        assert exp.trainer.run(epochs) == epochs
    passed, rows = graded(exp)
    assert passed, rows
    assert exp.config["challenge"] == cid


@pytest.mark.parametrize("cid", CHALLENGES)
def test_the_start_setup_does_not_pass(cid):
    exp = Experiment(params.preset_config("challenge", cid), grid_res=2)
    budget = sum(epochs for _, epochs in CHALLENGES[cid].solution)
    assert exp.config["epochs"] >= budget  # the challenge's Stop at leaves room for its solution
    exp.trainer.run(budget)
    passed, rows = graded(exp)
    assert not passed
    assert any(name not in exp.config and not ok for name, _, _, _, ok in rows), rows  # a result fails too


def test_the_table_is_well_formed():
    for cid, c in CHALLENGES.items():
        assert c.id == cid and c.title and c.goal and c.hint and c.solution
        params.validate(params.preset_config("challenge", cid))
        for name, op, _ in c.conditions:
            assert name in MEASURES and op in OPERATORS, (cid, name, op)
        for changes, epochs in c.solution:
            params.validate({**c.config, **changes})
            assert epochs > 0


@pytest.mark.parametrize("cid", CHALLENGES)
def test_a_challenge_hides_only_what_its_solution_and_hint_do_not_need(cid):
    c = CHALLENGES[cid]
    assert set(c.hide) <= set(HIDEABLE) and len(set(c.hide)) == len(c.hide), c.hide
    assert params.preset_config("challenge", cid)["hide"] == PARAMS["hide"].validate(c.hide)
    changed = {name for changes, _ in c.solution for name in changes}
    assert changed and not changed & set(c.hide)  # the solution is reachable with the visible controls
    named = {name for name, label in PANELS.items() if label.lower() in c.hint.lower()}
    assert not named & set(c.hide)  # a panel the hint sends the student to is there
    assert "challenges" not in c.hide  # its checklist, and the way back to free play


def test_check_by_hand():
    c = CHALLENGES["small_spiral"]
    values = {"dataset": "spiral", "hidden_neurons_total": 8, "test_accuracy": 0.9}
    assert check(c, values) == (True, [("dataset", "==", "spiral", "spiral", True),
                                       ("hidden_neurons_total", "<=", 8, 8, True),
                                       ("test_accuracy", ">=", 0.9, 0.9, True)])
    passed, rows = check(c, {**values, "hidden_neurons_total": 9})
    assert not passed and [r[-1] for r in rows] == [True, False, True]
    passed, rows = check(c, {**values, "test_accuracy": math.nan})
    assert not passed and rows[-1][-1] is False


def test_measure_reads_the_trainer_and_the_config():
    exp = Experiment({"hidden": (3, 2), "regularization": "l2", "reg_rate": 0.01}, grid_res=2)
    exp.trainer.run(3)
    v = measure(exp.config, exp.trainer)
    h = exp.trainer.history
    assert set(v) == set(MEASURES)
    assert (v["hidden"], v["hidden_layers"], v["hidden_neurons_total"], v["epoch"]) == ((3, 2), 2, 5, 3)
    assert v["loss_gap"] == h.test_loss.iloc[-1] - h.train_loss.iloc[-1]
    assert v["max_loss_gap"] == (h.test_loss - h.train_loss).max()
    assert (v["regularization"], v["reg_rate"], v["test_accuracy"]) == ("l2", 0.01, h.test_accuracy.iloc[-1])


def test_a_challenge_in_the_url():
    config, warnings = params.decode({"challenge": "xor_no_hidden"})
    assert warnings == [] and config["challenge"] == "xor_no_hidden"
    assert (config["dataset"], config["hidden"], config["epochs"]) == ("xor", (), 100)
    config, warnings = params.decode({"challenge": "deep_sigmoid", "activation": "relu"})  # a link's own values win
    assert (config["hidden"], config["activation"]) == ((8,) * 6, "relu")
    config, warnings = params.decode({"challenge": "nope"})
    assert config == params.DEFAULTS and len(warnings) == 1 and "challenge must be one of" in warnings[0]
