"""Alike networks trained together (``nn_core/cohort.py``) get exactly, bit for bit, the numbers each gets alone."""

import math

import numpy as np
import pytest

from nn_core import Network, Trainer, make_dataset, split
from nn_core.cohort import stack_key, train_together

CASES = {  # (dataset, sizes, activation, output activation, loss, optimizer, batch size, points)
    "default": ("circle", [2, 4, 2, 1], "tanh", "sigmoid", "bce", "sgd", 10, 500),
    "last batch short, momentum": ("xor", [2, 8, 8, 1], "relu", "sigmoid", "bce", "momentum", 7, 300),
    "classes": ("blobs", [2, 6, 3], ["leaky_relu"], "softmax", "cross_entropy", "sgd", 10, 300),
    "regression": ("plane", [2, 5, 5, 1], ["sigmoid", "linear"], "linear", "mse", "momentum", 16, 200),
    "L2 penalty": ("moons", [2, 6, 1], "tanh", "sigmoid", "bce", "sgd", 10, 200),
    "L1 penalty, momentum": ("spiral", [2, 8, 4, 1], "relu", "sigmoid", "bce", "momentum", 10, 200),
    "adam": ("spiral", [2, 8, 8, 1], "relu", "sigmoid", "bce", "adam", 10, 300),
    "full batch, no hidden layer": ("gauss", [2, 1], [], "sigmoid", "mse", "sgd", 500, 200),
}


def trainer(case, seed, learning_rate=0.03):
    """A trainer of ``case``, its data, weights and shuffles drawn from ``seed`` (a penalty's rate too)."""
    dataset, sizes, activation, output, loss, optimizer, batch, points = CASES[case]
    X, y = make_dataset(dataset, n_samples=points, noise=0.1, seed=seed)
    X_train, y_train, X_test, y_test = split(X, y, 0.5, np.random.default_rng(seed))
    net = Network(sizes, activation, output, seed=seed)
    penalty = case.split()[0].lower() if "penalty" in case else None
    return Trainer(net, X_train, y_train, X_test, y_test, loss=loss, optimizer=optimizer,
                   learning_rate=learning_rate, batch_size=batch, seed=seed, regularization=penalty,
                   reg_rate=0.001 * (seed + 1) if penalty else 0.0)


def assert_same(a, b):
    """Two trainers in exactly the same state: parameters, optimizer, shuffles, counts and history."""
    assert np.array_equal(a.net.params, b.net.params)
    assert all(np.array_equal(a.optimizer.state[k], b.optimizer.state[k]) for k in a.optimizer.state)
    assert a._rng.bit_generator.state == b._rng.bit_generator.state
    assert (a.epoch, a.steps, a._pos, a.diverged) == (b.epoch, b.steps, b._pos, b.diverged)
    assert a.history.equals(b.history)


@pytest.mark.parametrize("case", CASES)
def test_trainers_trained_together_match_each_trained_alone(case):
    """Four trainers of one architecture (their own data, weights and learning rates; one already mid-epoch)
    trained together for 12 epochs end exactly where each ends alone (a rate too high diverging alike)."""
    rates = [0.03, 0.1, 0.01, 0.3]
    together = [trainer(case, seed, rate) for seed, rate in enumerate(rates)]
    alone = [trainer(case, seed, rate) for seed, rate in enumerate(rates)]
    for tr in (together[2], alone[2]):
        tr.train_step()  # mid-epoch: it finishes the epoch, then joins the others
    assert len({stack_key(tr) for tr in together}) == 1
    done = train_together([(tr, 12, None) for tr in together], deadline=math.inf)
    assert done[:3] == [12] * 3
    for a, b, epochs in zip(together, alone, done):
        assert b.run(12) == epochs
        assert_same(a, b)


def test_each_trainer_stops_at_its_own_limit_condition_and_divergence():
    """A trainer stops at its epoch limit, at the first epoch its ``after_epoch`` is true, or when it
    diverges; the others train on, still exactly as alone; the last one left trains alone until the deadline
    or its limit."""
    def jobs(trainers):
        stopper = trainers[1]
        return [(trainers[0], 3, None), (stopper, 50, lambda: stopper.epoch >= 5),
                (trainers[2], 50, None), (trainers[3], 9, None)]

    rates = [0.01, 0.01, 0.01, 1.0]  # the last diverges (mse on a linear output, momentum)
    together = [trainer("regression", seed, rate) for seed, rate in enumerate(rates)]
    alone = [trainer("regression", seed, rate) for seed, rate in enumerate(rates)]
    done = train_together(jobs(together), deadline=math.inf)
    assert together[3].diverged and "diverged" in together[3].status
    assert done == [3, 5, 50, 0]
    for (tr, most, after), a, epochs in zip(jobs(alone), together, done):
        tr.run_until(math.inf, most, after)
        assert tr.epoch == epochs
        assert_same(a, tr)


def test_a_deadline_stops_everyone_at_a_whole_epoch():
    """Past the deadline the trainers stop together at the end of an epoch (the clock here: one tick a call)."""
    ticks = iter(range(1000))
    trainers = [trainer("default", seed) for seed in range(3)]
    done = train_together([(tr, 100, None) for tr in trainers], deadline=4, clock=lambda: next(ticks))
    assert done == [5, 5, 5] and {tr._pos for tr in trainers} == {0}


@pytest.mark.parametrize("setting", [{"dropout": (0.2, 0.0)}, {"clip_norm": 1.0}])
def test_what_is_not_stacked_trains_alone(setting):
    """Dropout and clipping have no stack key, and train_together refuses them or unlike trainers (a
    penalty against none among them)."""
    odd, plain = trainer("default", 0), trainer("default", 1)
    odd.configure(**setting)
    assert stack_key(odd) is None and stack_key(plain) is not None
    with pytest.raises(ValueError, match="alike"):
        train_together([(odd, 1, None), (plain, 1, None)], deadline=math.inf)
    for other, change in ((trainer("last batch short, momentum", 0), {}),
                          (trainer("default", 2), {"optimizer": "adam"}),
                          (trainer("default", 3), {"regularization": "l2", "reg_rate": 0.01})):
        other.configure(**change)  # the last two: the default's own architecture
        with pytest.raises(ValueError, match="alike"):
            train_together([(other, 1, None), (plain, 1, None)], deadline=math.inf)


def test_trainers_without_test_points_train_together_as_alone():
    """Without a test split (its history NaN), as with one."""
    def untested(seed):
        X, y = make_dataset("circle", n_samples=200, noise=0.1, seed=seed)
        return Trainer(Network([2, 4, 2, 1], "tanh", seed=seed), X, y, batch_size=10, seed=seed)

    together, alone = [untested(seed) for seed in range(3)], [untested(seed) for seed in range(3)]
    assert train_together([(tr, 6, None) for tr in together], deadline=math.inf) == [6] * 3
    for a, b in zip(together, alone):
        b.run(6)
        assert_same(a, b)
