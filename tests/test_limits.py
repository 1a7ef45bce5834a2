"""What a session can make the core do is bounded: the loss follows the user's data, and memory does not
grow with the batch sizes tried."""

import tracemalloc

import numpy as np
import pytest

from nn_core import Network, Trainer, make_dataset
from playground import params
from playground.experiment import Experiment
from tests.conftest import config, run_app, shown


def points(kind, n=30):
    X = np.random.default_rng(0).uniform(-5, 5, (n, 2))
    y = {"three classes": np.arange(n) % 3, "regression": X[:, 0] / 6, "binary": np.arange(n) % 2}[kind]
    return X, y


@pytest.mark.parametrize("config, kind, loss, output", [
    # the tutorial lesson (squared error), class 2 drawn
    (params.preset_config("lesson", "tutorial"), "three classes", "cross_entropy", "softmax"),
    ({"loss": "bce"}, "three classes", "cross_entropy", "softmax"),
    ({"loss": "bce"}, "regression", "mse", "linear"),
    ({"loss": "cross_entropy"}, "regression", "mse", "linear"),
])
def test_a_loss_that_does_not_fit_the_users_data_follows_the_data_with_a_notice(config, kind, loss, output):
    exp = Experiment(config, data=points(kind), grid_res=10)
    assert (exp.loss, exp.net.output_activation) == (loss, output)
    assert exp.config == {**params.validate(config), "loss": "auto"}  # what the URL and the Loss widget show
    assert params.validate(exp.config) == exp.config
    assert len(exp.notices) == 1 and "does not fit your data" in exp.notices[0]
    assert exp.trainer.run(2) == 2


@pytest.mark.parametrize("config, kind", [({"loss": "mse"}, "binary"), ({"loss": "bce"}, "binary"), ({}, "regression"),
                                          ({}, "three classes")])
def test_a_loss_that_fits_is_kept_without_a_notice(config, kind):
    exp = Experiment(config, data=points(kind), grid_res=10)
    assert exp.notices == [] and exp.config == params.validate(config)


def test_trainer_memory_does_not_grow_with_the_batch_sizes_tried():
    """200 batch sizes in a row: buffers for the current one only (and the evaluation sizes)."""
    X, y = make_dataset("spiral", 1000, seed=0)
    net = Network([2, 16, 16, 16, 1], "tanh", "sigmoid", seed=0)
    tr = Trainer(net, X[:900], y[:900], X[900:], y[900:], batch_size=7, max_snapshots=4)
    tr.train_epoch()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        workspace = net.workspace(207)  # the largest batch size used below
        one = tracemalloc.get_traced_memory()[0] - start
        del workspace
        before = tracemalloc.get_traced_memory()[0]
        for b in range(8, 208):
            tr.configure(batch_size=b)
            tr.train_epoch()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Kept: the batch size's workspace and its short last batch (together <= 900 samples, ~4.3 workspaces
    # of 207), its batch views, 200 history rows, <= 5 snapshots; keeping every size's took far more
    # (bench/README.md).
    assert grown < 6 * one, (grown, one)


@pytest.mark.parametrize("name", ["hidden", "seed", "n_samples"])
def test_a_400_digit_url_value_loads_the_default_and_rewrites_the_url(name):
    at = run_app(**{name: "1" + "0" * 400})
    assert not at.exception
    assert config(at) == params.DEFAULTS
    assert any(f"{name} must be" in shown(w.value) for w in at.warning)
    assert at.query_params[name] == params.PARAMS[name].format(params.DEFAULTS[name])  # a reload loads cleanly
