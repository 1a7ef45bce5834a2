"""Where playing stops: at the first epoch that meets a stop condition or passes the challenge, whatever the turns.

A training turn is bounded in time, so where one ends depends on the machine.  These tests make every turn
last a random number of mini-batches (a clock that counts them) and check that the stop is the same on every
run, at a whole epoch, the first one the history says meets the condition, and that the notice, the metrics
and the challenge's "passed at epoch N" agree and stay.
"""

import itertools
import math
import re

import numpy as np
import pytest

from nn_core.trainer import Trainer
from playground import params
from playground.challenges import CHALLENGES, check, measure, passed_at
from playground.experiment import Experiment
from playground.race import Race
from tests.conftest import OVERFITTING, first_stop_by_hand, metric, notices, play_until_stopped, run_app


def batch_clock():
    """A clock that reads 1, 2, 3 ...: ``run_until`` reads it once per mini-batch, so a deadline of k is k batches."""
    return itertools.count(1).__next__


def random_turns(monkeypatch, cls, most=60):
    """Every ``cls.run_until`` turn (Trainer or Race) lasts 1 to ``most`` mini-batches at random, however fast
    the machine is (an epoch of the defaults has 25)."""
    rng = np.random.default_rng(0)
    run_until = cls.run_until

    def turn(self, deadline, max_epochs, after_epoch=None, clock=None):
        return run_until(self, int(rng.integers(1, most + 1)), max_epochs, after_epoch, clock=batch_clock())

    monkeypatch.setattr(cls, "run_until", turn)


def stopped_at(at):
    """The epoch the stop notice names; the metrics show that same whole epoch."""
    epoch = int(re.search(r"Stopped at epoch ([\d,]+)", notices(at, "info")).group(1).replace(",", ""))
    assert metric(at, "Epoch") == f"{epoch:,}"  # no "+ k/m batches": a whole epoch
    trainer = at.session_state["exp"].trainer
    assert trainer.epoch == epoch and trainer.batch_progress[0] == 0
    return epoch


# -- the core: a turn ends at the epoch after_epoch names --

@pytest.mark.parametrize("seed", range(3))
def test_a_turn_ends_at_the_first_epoch_after_epoch_says_is_enough(seed):
    tr = Experiment({}, grid_res=2).trainer
    rng = np.random.default_rng(seed)
    reason = None

    def after_epoch():
        nonlocal reason
        reason = tr.stop_reason(stop_below=0.3)
        return reason

    while reason is None:
        tr.run_until(int(rng.integers(1, 60)), 1000, after_epoch, clock=batch_clock())
    losses = tr.history.test_loss.to_numpy()
    assert tr.epoch == np.argmax(losses < 0.3) > 0 and tr.batch_progress[0] == 0
    assert reason.startswith(f"Stopped at epoch {tr.epoch}:")


def test_a_race_turn_ends_at_the_first_epoch_after_epoch_says_is_enough():
    race = Race(params.decode({"race": "batch_size:7/10/30"})[0], grid_res=2)  # epochs of 36, 25 and 9 batches
    rng = np.random.default_rng(0)
    while race.epoch < 7:
        race.run_until(int(rng.integers(1, 40)), 100, lambda: race.epoch == 7, clock=batch_clock())
    assert [(tr.epoch, tr.batch_progress[0]) for tr in race.trainers] == [(7, 0)] * 3


def test_the_largest_loss_gap_is_kept_as_training_goes_and_goes_back():
    tr = Experiment(params.decode(OVERFITTING)[0], grid_res=2).trainer
    tr.run(60)
    gaps = tr.history.test_loss - tr.history.train_loss
    assert tr.max_loss_gap == gaps.max()
    assert tr.restore(3) == 3 and tr.max_loss_gap == gaps[:4].max() > gaps[3]  # the largest so far, not the last
    rng = np.random.default_rng(0)
    alone = Trainer(tr.net.copy(), rng.normal(size=(20, 2)), rng.integers(0, 2, 20))  # no test points
    alone.run(2)
    assert math.isnan(alone.max_loss_gap)


def test_a_milestone_stays_until_training_goes_back_before_it():
    tr = Experiment({}, grid_res=2).trainer
    tr.run(5)
    tr.milestones.setdefault("goal", (tr.epoch, "then"))
    tr.run(5)
    tr.milestones.setdefault("goal", (tr.epoch, "later"))
    assert tr.milestones == {"goal": (5, "then")}
    tr.restore(5)
    assert tr.milestones == {"goal": (5, "then")}
    tr.restore(4)
    assert tr.milestones == {}


def test_a_challenge_is_passed_at_a_whole_epoch_once():
    start = params.preset_config("challenge", "xor_no_hidden")
    exp = Experiment({**start, "features": ("x1", "x2", "x1x2")}, grid_res=2)
    challenge, tr = CHALLENGES["xor_no_hidden"], exp.trainer
    for _ in range(12):  # mid-epoch, the network passes already (12 of 25 batches), but no pass is recorded
        tr.train_step()
    assert check(challenge, measure(exp.config, tr))[0] and passed_at(challenge, exp.config, tr) is None
    tr.train_epoch()
    first = passed_at(challenge, exp.config, tr)
    assert first[0] == 1 and first[1] == check(challenge, measure(exp.config, tr))[1]
    tr.run(3)
    assert passed_at(challenge, exp.config, tr) == first


# -- the app: Play with turns of random lengths --

@pytest.mark.parametrize("condition", ["stop_below", "patience"])
def test_play_stops_at_the_first_epoch_that_meets_the_condition_on_every_run(monkeypatch, condition):
    query = {"stop_below": "0.3"} if condition == "stop_below" else {**OVERFITTING, "patience": "8"}
    random_turns(monkeypatch, Trainer)
    stops = []
    for _ in range(3):  # three runs, each with turns of other lengths
        at = play_until_stopped(run_app(**query))
        assert not at.exception
        stops.append(stopped_at(at))
        losses = at.session_state["exp"].trainer.history.test_loss.to_numpy()
        first = np.argmax(losses < 0.3) if condition == "stop_below" else first_stop_by_hand(list(losses), 8)[0]
        assert stops[-1] == first
    assert len(set(stops)) == 1


def test_a_challenge_stops_play_once_at_its_first_passing_epoch_and_keeps_it(monkeypatch):
    solution = {"features": "x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2", "hidden": "8", "optimizer": "adam",
                "learning_rate": "0.03"}  # small_spiral's, which passes at 90 % and dips below later
    random_turns(monkeypatch, Trainer, most=20)  # shorter than an epoch (25 batches): Play on ends a turn mid-epoch
    stops = []
    for _ in range(3):  # three runs, each with turns of other lengths
        at = play_until_stopped(run_app(challenge="small_spiral", **solution))
        assert not at.exception
        epoch = stopped_at(at)
        stops.append(epoch)
        accuracy = at.session_state["exp"].trainer.history.test_accuracy.to_numpy()
        assert epoch == np.argmax(accuracy >= 0.9) > 0
        assert "the challenge is passed" in notices(at, "info")
        assert notices(at, "success").startswith(f"Challenge passed at epoch {epoch}: ")
        assert f"test accuracy {accuracy[epoch]:.1%}." in notices(at, "success")
    assert len(set(stops)) == 1
    before = notices(at, "success")
    at = play_until_stopped(at)  # on to the challenge's Stop at; the accuracy falls below 90 % and rises again
    accuracy = at.session_state["exp"].trainer.history.test_accuracy.to_numpy()
    assert at.session_state["exp"].trainer.epoch == 300 and (accuracy[epoch:] < 0.9).any()
    assert notices(at, "success") == before
    at.button(key="reset").click().run()
    assert not at.exception and not at.success


def test_a_challenge_passed_by_steps_names_the_epoch_a_step_completed():
    at = run_app(challenge="xor_no_hidden", features="x1,x2,x1x2")  # passes at epoch 1 (and every epoch after)
    for _ in range(12):  # 12 of epoch 1's 25 batches: the network now passes, but mid-epoch nothing is recorded
        at.button(key="step_batch").click().run()
    assert metric(at, "Epoch") == "0 + 12/25 batches"
    assert at.session_state["exp"].trainer.latest["test_accuracy"] >= 0.95
    assert not at.success
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    assert not at.exception and metric(at, "Epoch") == "2"
    assert notices(at, "success").startswith("Challenge passed at epoch 1: ")


def test_a_race_stops_at_its_epoch_limit_with_every_racer_there(monkeypatch):
    random_turns(monkeypatch, Race, most=40)
    at = play_until_stopped(run_app(race="batch_size:7/10/30", epochs="23", speed="2"))
    assert not at.exception
    race = at.session_state["racing"]
    assert [(tr.epoch, tr.batch_progress[0]) for tr in race.trainers] == [(23, 0)] * 3
    assert metric(at, "Epoch") == "23" and "The race stopped at 23 epochs" in notices(at, "info")
