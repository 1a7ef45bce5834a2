"""Learning-rate schedules, gradient clipping and stop conditions: by hand, and inside the Trainer."""

import math

import numpy as np
import pytest

from nn_core import Network, Trainer
from nn_core.schedules import clip_by_norm, rate, rates
from playground import params
from playground.experiment import Experiment
from tests.conftest import OVERFITTING, analytic_gradients, first_stop_by_hand, numeric_gradients, relative_error
from ui import figures


def test_rates_by_hand():
    assert rates("constant", 0.3, range(4)) == [0.3] * 4
    assert rates("step", 0.1, range(8), decay_every=3, decay_factor=0.5) == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025], rel=1e-15)
    cosine = rates("cosine", 1.0, range(9), decay_every=4, decay_factor=0.1)
    assert cosine[0] == cosine[4] == cosine[8] == 1.0  # the top of each period (warm restart)
    assert cosine[2] == pytest.approx(0.55)  # half way: the mean of 1 and 0.1
    assert cosine[1] == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 4)) / 2)
    assert cosine[3] == pytest.approx(0.1 + 0.9 * (1 + math.cos(3 * math.pi / 4)) / 2)
    assert min(rates("cosine", 1.0, range(1000), 50, 0.2)) >= 0.2
    for bad in ({"schedule": "linear"}, {"decay_every": 0}, {"decay_every": 2.5}, {"decay_factor": 0.0},
                {"decay_factor": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            rate(**{"schedule": "step", "base": 0.1, "epoch": 3, **bad})


def test_clip_by_norm():
    g = np.array([3.0, -4.0])
    assert clip_by_norm(g, 10.0) == 5.0 and g.tolist() == [3.0, -4.0]
    assert clip_by_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(g, [0.6, -0.8], rtol=1e-15)


def full_batch_trainer(**kw):
    rng = np.random.default_rng(0)
    X, y = rng.normal(0, 1, (40, 3)), rng.integers(0, 2, 40)
    net = Network([3, 5, 1], activation="tanh", seed=1)
    return Trainer(net, X, y, X[:10], y[:10], loss="bce", batch_size=None, **kw), X, y


def test_the_schedule_sets_each_epochs_rate_and_the_history_records_it():
    tr, X, y = full_batch_trainer(learning_rate=0.1, schedule="step", decay_every=2, decay_factor=0.5)
    tr.run(2)
    assert tr.current_learning_rate == 0.05
    before, g = tr.net.params.copy(), analytic_gradients(tr.net, X, y, "bce")
    tr.train_epoch()  # epoch 3 trains at 0.1 * 0.5 (one full batch: one step)
    np.testing.assert_allclose(tr.net.params - before, -0.05 * g, rtol=1e-12, atol=1e-15)
    tr.run(3)
    assert tr.history.learning_rate.tolist() == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]  # row e: epoch e's
    assert tr.restore(2) == 2 and tr.current_learning_rate == 0.05
    tr.configure(schedule="constant")
    assert tr.current_learning_rate == 0.1


def test_constant_schedule_and_no_clipping_change_nothing():
    plain, _, _ = full_batch_trainer(learning_rate=0.3)
    other, _, _ = full_batch_trainer(learning_rate=0.3, schedule="constant", decay_every=1, clip_norm=0.0)
    plain.run(5)
    other.run(5)
    np.testing.assert_array_equal(plain.net.params, other.net.params)


def test_without_clipping_the_step_is_the_finite_difference_gradient():
    tr, X, y = full_batch_trainer(learning_rate=0.1, clip_norm=0.0)
    numeric = numeric_gradients(tr.net, X, y, "bce")
    before = tr.net.params.copy()
    tr.train_step()
    assert relative_error((before - tr.net.params) / 0.1, numeric) < 1e-7


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_clipping_bounds_the_update_and_keeps_its_direction(optimizer):
    tr, X, y = full_batch_trainer(learning_rate=0.1, optimizer=optimizer)
    g = analytic_gradients(tr.net, X, y, "bce")
    norm = np.linalg.norm(g)
    for clip in (norm / 3, norm * 3):
        tr, _, _ = full_batch_trainer(learning_rate=0.1, optimizer=optimizer, clip_norm=clip)
        before = tr.net.params.copy()
        tr.train_step()  # the first step of momentum is a plain step too (v = g)
        step = before - tr.net.params
        assert np.linalg.norm(step) <= 0.1 * clip * (1 + 1e-12)
        np.testing.assert_allclose(step, 0.1 * g * min(1, clip / norm), rtol=1e-10, atol=1e-15)


def test_clipping_applies_to_the_loss_gradient_before_the_penalty():
    lam = 0.1
    tr, X, y = full_batch_trainer(learning_rate=0.1, regularization="l2", reg_rate=lam)
    g = analytic_gradients(tr.net, X, y, "bce")
    clip = np.linalg.norm(g) / 4
    tr, _, _ = full_batch_trainer(learning_rate=0.1, regularization="l2", reg_rate=lam, clip_norm=clip)
    before = tr.net.params.copy()
    weights = np.zeros_like(before)
    for m in tr.net.layer_views(weights):
        m[:-1] = 1.0
    tr.train_step()
    np.testing.assert_allclose(before - tr.net.params, 0.1 * (g * clip / np.linalg.norm(g) + lam * weights * before),
                               rtol=1e-10, atol=1e-15)


def test_bad_schedule_settings_are_refused_and_change_nothing():
    tr, _, _ = full_batch_trainer(schedule="step", decay_every=5, decay_factor=0.5, clip_norm=1.0)
    for bad in ({"schedule": "linear"}, {"decay_every": 0}, {"decay_every": 2.5}, {"decay_factor": 0},
                {"decay_factor": 2.0},
                {"clip_norm": -1.0}, {"clip_norm": math.inf}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            tr.configure(**bad)
        assert (tr.schedule, tr.decay_every, tr.decay_factor, tr.clip_norm) == ("step", 5, 0.5, 1.0)


def test_the_app_configuration_reaches_the_trainer():
    exp = Experiment({"schedule": "cosine", "decay_every": 10, "decay_factor": 0.1, "clip_norm": 1.0})
    tr = exp.trainer
    assert (tr.schedule, tr.decay_every, tr.decay_factor, tr.clip_norm) == ("cosine", 10, 0.1, 1.0)
    tr.run(5)
    assert exp.update({**exp.config, "schedule": "step", "clip_norm": 0.0})  # no rebuild: a training setting
    assert (tr.schedule, tr.clip_norm, tr.epoch) == ("step", 0.0, 5)
    assert tr.current_learning_rate == 0.03  # step: 5 // 10 = 0 decays


def test_rate_figure():
    epochs = np.arange(50)
    fig = figures.rate_figure(epochs, rates("step", 0.1, epochs, 10, 0.5))
    (line,) = fig.data
    np.testing.assert_array_equal(line.x, epochs)
    assert line.y[0] == 0.1 and line.y[-1] == pytest.approx(0.1 / 16) and line.y[10] == 0.05
    assert fig.layout.yaxis.title.text == "learning rate" and fig.layout.xaxis.title.text == "epoch"


# -- stop conditions --

def overfitting():
    """A big network on few noisy points: the test loss soon stops improving."""
    return Experiment(params.decode(OVERFITTING)[0]).trainer


def test_patience_stops_when_the_test_loss_has_not_improved():
    tr = overfitting()
    assert tr.stop_reason(0.0, 0) is None
    while tr.stop_reason(patience=8) is None:
        assert tr.epoch < 400
        tr.train_epoch()
    losses = tr.history.test_loss.tolist()
    e, best, best_epoch = first_stop_by_hand(losses, 8)
    assert e == tr.epoch
    assert tr.stop_reason(patience=8) == (f"Stopped at epoch {e:,}: the test loss has not improved for 8 epochs "
                                          f"(best {best:.4g} at epoch {best_epoch:,}).")
    # Play pressed again: the wait counts from there
    since = tr.epoch
    assert tr.stop_reason(patience=8, since=since) is None
    while tr.stop_reason(patience=8, since=since) is None:
        tr.train_epoch()
    assert tr.epoch == first_stop_by_hand(tr.history.test_loss.tolist(), 8, since)[0]
    # going back in time forgets the later best
    assert best_epoch >= 2
    tr.restore(best_epoch - 1)
    kept = tr.history.test_loss.to_numpy()
    low = int(np.argmin(kept))
    assert tr.records.best == (kept[low], low) and kept[low] > best


def test_stop_below_a_target_loss():
    tr = Experiment({"dataset": "circle", "features": ("x1_sq", "x2_sq"), "hidden": (),
                     "learning_rate": 0.3}).trainer
    while tr.stop_reason(stop_below=0.1) is None:
        assert tr.epoch < 500
        tr.train_epoch()
    h = tr.history.test_loss
    assert h.iloc[-1] < 0.1 <= h.iloc[-2]  # the first epoch below the target
    assert tr.stop_reason(stop_below=0.1) == (f"Stopped at epoch {tr.epoch:,}: the test loss {h.iloc[-1]:.4g} is "
                                              "below the target 0.1.")


def test_without_test_points_the_training_loss_is_watched():
    rng = np.random.default_rng(0)
    X, y = rng.normal(0, 1, (30, 2)), rng.integers(0, 2, 30)
    tr = Trainer(Network([2, 1], seed=0), X, y, learning_rate=1e-5)
    tr.run(3)
    assert tr.stop_reason(stop_below=10.0).startswith("Stopped at epoch 3: the training loss")
    assert tr.stop_reason(patience=3) is None  # a tiny rate still lowers the loss each epoch
