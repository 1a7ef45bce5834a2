"""Per-layer activations, dropout and switched-off neurons in the core: gradients, the reference, statistics.

A mask multiplies a hidden layer's activations (0 for a neuron switched off; 0 or 1/(1-p) for dropout), so
backprop must multiply delta by it.  Checked against central differences with FIXED masks (the gradient of
one masked network) for every activation, output/loss pair and layer shape; against the textbook network
(``reference.py``) to 1e-10 when training; and inverted dropout's one promise, that the next layer's input
keeps its mean, within a tolerance computed from the sample size.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core import Network, Trainer, reference
from nn_core.activations import HIDDEN_ACTIVATIONS
from playground import params
from playground.experiment import Experiment
from playground.race import Race
from tests.conftest import (
    EPS,
    OUTPUT_LOSS,
    SHAPES,
    analytic_gradients,
    data,
    gap,
    numeric_gradients,
    problem,
    relative_error,
)

RATES = (0.5, 0.2, 0.3, 0.1)  # dropout rates, one per hidden layer (as many as a shape needs)


def mixed(activation, n_hidden):
    """One activation per hidden layer: ``activation`` first, then the others in turn."""
    others = [a for a in HIDDEN_ACTIVATIONS if a != activation]
    return [activation, *others][:n_hidden] if n_hidden <= len(others) + 1 else [activation] * n_hidden


def masked_problem(shape, output, loss, activation, seed):
    """A network with one activation per hidden layer (mixed), its first neuron of each layer switched
    off, and fixed dropout masks for 7 examples."""
    net, X, y = problem(shape, output, loss, activation, seed)
    masked = Network(net.sizes, mixed(activation, len(shape) - 1), output, seed=seed,
                     off=[(l, 1) for l in range(1, len(shape))])
    masked.params[:] = net.params
    rng = np.random.default_rng(seed)
    dropout = reference.dropout_masks(RATES, len(X), net.sizes[1:-1], rng)
    return masked, X, y, dropout


def kinks_are_far(net, X, dropout):
    """ReLU's kink at z = 0: finite differences are wrong across it, so every z must be well away."""
    acts = net.forward(X, dropout)
    pre = [a @ w + b for a, w, b in zip(acts[:-1], net.weights, net.biases)]
    return min(np.abs(z).min() for z in pre) > 10 * EPS


@pytest.mark.parametrize("shape", SHAPES[1:], ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("output, loss", OUTPUT_LOSS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_masked_mixed_network_gradients_match_finite_differences(activation, output, loss, shape):
    net, X, y, dropout = masked_problem(shape, output, loss, activation, seed=len(shape) + 11)
    assert kinks_are_far(net, X, dropout)
    for masks in (None, dropout):  # switched-off neurons alone, then with dropout too
        assert relative_error(analytic_gradients(net, X, y, loss, masks),
                              numeric_gradients(net, X, y, loss, masks)) < 1e-6


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_a_mask_changes_the_gradient(activation):
    """The check above can fail: masks that forward applies and backward ignored would give other numbers."""
    net, X, y, dropout = masked_problem([3, 5, 4], "sigmoid", "bce", activation, seed=2)
    plain = Network(net.sizes, net.activation, "sigmoid")
    plain.params[:] = net.params
    assert relative_error(analytic_gradients(plain, X, y, "bce"), numeric_gradients(net, X, y, "bce", dropout)) > 1e-2


@pytest.mark.parametrize("sizes", [[2, 5, 1], [3, 5, 4, 1], [2, 4, 4, 4, 3]], ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_masked_training_matches_the_reference(activation, sizes):
    """Mixed activations, a neuron off and dropout: Trainer and reference.train_epoch draw the same masks
    from the same generator and train to the same weights and losses."""
    output, loss = ("softmax", "cross_entropy") if sizes[-1] > 1 else ("sigmoid", "bce")
    names, off, rates = mixed(activation, len(sizes) - 2), [(1, 2)], RATES[:len(sizes) - 2]
    net = Network(sizes, names, output, seed=4, off=off)
    ref = reference.Network(sizes, names, output, off=off)
    ref.weights, ref.biases = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    X, y, Y = data(40, sizes[0], sizes[-1], loss, seed=5)
    tr = Trainer(net, X[:30], y[:30], X[30:], y[30:], loss=loss, learning_rate=0.1, batch_size=7, seed=6,
                 dropout=rates)
    opt, rng = reference.Optimizer("sgd", ref), np.random.default_rng(6)
    for _ in range(4):
        tr.train_epoch()
        reference.train_epoch(ref, X[:30], Y[:30], loss, opt, 0.1, 7, rng, rates)
        assert tr.latest["train_loss"] == pytest.approx(ref.loss(X[:30], Y[:30], loss), abs=1e-10)
    assert gap(net.weights + net.biases, ref.weights + ref.biases) < 1e-10
    assert gap(net.forward(X)[1:], ref.forward(X)[1][1:]) < 1e-10
    assert np.all(net.forward(X)[1][:, 1] == 0)  # neuron 1.2 is off in every picture


def test_inverted_dropout_keeps_the_next_layers_input_in_mean():
    """z = sum_j m_j a_j W_j + b with E[m_j] = 1, Var[m_j] = p / (1 - p): the mean of K draws is the
    output without dropout, within 5 standard errors sqrt(p / (1 - p) sum_j a_j^2 W_j^2 / K)."""
    p, K = 0.4, 4000
    net = Network([2, 16, 1], "tanh", "linear", seed=1)
    X = np.random.default_rng(2).normal(size=(6, 2))
    rng = np.random.default_rng(3)
    draws = np.array([net.forward(X, reference.dropout_masks((p,), len(X), [16], rng))[-1] for _ in range(K)])
    a = net.forward(X)[1]
    stderr = np.sqrt(p / (1 - p) * (a**2 @ net.weights[1] ** 2) / K)
    assert np.all(np.abs(draws.mean(axis=0) - net.predict(X)) < 5 * stderr)
    assert np.all(np.abs(draws.std(axis=0) - stderr * np.sqrt(K)) < 0.1 * stderr * np.sqrt(K))  # it does vary
    keep = reference.dropout_masks((p,), 10_000, [16], rng)[0] > 0
    assert abs(keep.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / keep.size)


def trained(seed, dropout=(0.3, 0.3), epochs=3):
    X, y, _ = data(60, 2, 1, "bce", seed=1)
    tr = Trainer(Network([2, 6, 6, 1], "relu", seed=0), X[:40], y[:40], X[40:], y[40:], seed=seed,
                 batch_size=8, dropout=dropout)
    tr.run(epochs)
    return tr


def test_dropout_is_reproducible_by_seed_and_measures_without_dropout():
    a, b, c = trained(1), trained(1), trained(2)
    assert np.array_equal(a.net.params, b.net.params)
    assert not np.allclose(a.net.params, c.net.params)
    assert not np.allclose(a.net.params, trained(1, dropout=()).net.params)  # dropout did act
    X, y, _ = data(60, 2, 1, "bce", seed=1)
    assert a.latest["train_loss"] == pytest.approx(a.net.loss(X[:40], y[:40], "bce"), rel=1e-12)
    assert a.latest["test_loss"] == pytest.approx(a.net.loss(X[40:], y[40:], "bce"), rel=1e-12)
    at_2 = a.params_at(2)
    a.restore(2)
    a.train_epoch()  # replays epoch 3's masks exactly: the generator state is in the snapshot
    assert np.array_equal(a.net.params, b.net.params) and not np.array_equal(at_2, b.net.params)


def test_a_neuron_switched_off_keeps_training_and_epoch():
    tr = trained(1, dropout=())
    before, epoch = tr.net.params.copy(), tr.epoch
    tr.switch_off([(2, 3)])
    assert tr.epoch == epoch and np.array_equal(tr.net.params, before) and tr.net.off == ((2, 3),)
    X, y, _ = data(60, 2, 1, "bce", seed=1)
    assert tr.latest["train_loss"] == pytest.approx(tr.net.loss(X[:40], y[:40], "bce"), rel=1e-12)
    tr.train_epoch()
    old = [m[:-1] for m in tr.net.layer_views(before)]
    assert np.array_equal(tr.net.weights[1][:, 2], old[1][:, 2])  # no gradient flows through it, in or out
    assert np.array_equal(tr.net.weights[2][2], old[2][2])
    assert not np.array_equal(tr.net.weights[1][:, 1], old[1][:, 1])  # while its neighbour learns
    tr.switch_off([])
    assert tr.net.off == () and tr.net.off_masks is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 2), st.integers(1, 4)), max_size=5), st.integers(0, 10**6))
def test_an_off_neuron_contributes_nothing(off, seed):
    """Whatever its weights, a switched-off neuron changes no output, and gets no gradient in or out."""
    net = Network([3, 4, 4, 2], ["sigmoid", "tanh"], "softmax", seed=seed % 97, off=off)
    rng = np.random.default_rng(seed)
    net.params[:] = rng.normal(0, 1, net.params.shape)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    out = net.predict(X)
    dW, db = net.gradients(X, y, "cross_entropy")
    for l, u in net.off:
        assert np.all(dW[l - 1][:, u - 1] == 0) and db[l - 1][u - 1] == 0 and np.all(dW[l][u - 1] == 0)
        net.weights[l - 1][:, u - 1] += 5.0
        net.weights[l][u - 1] += 5.0
    np.testing.assert_array_equal(net.predict(X), out)


@pytest.mark.parametrize("bad", [[(0, 1)], [(3, 1)], [(1, 5)], [(1, 0)], [(1,)], [(1.5, 2)]])
def test_off_names_existing_hidden_neurons(bad):
    with pytest.raises(ValueError, match="off must list hidden neurons"):
        Network([2, 4, 2, 1], off=bad)


def test_per_layer_activation_api():
    net = Network([2, 4, 3, 1], ["relu", "tanh"], off=[(2, 1), (1, 3), (1, 3)])
    assert net.activations == ("relu", "tanh") and net.activation == ("relu", "tanh")
    assert repr(net) == "Network(2-4-3-1, relu,tanh -> sigmoid, off 1.3 2.1)"
    assert Network([2, 4, 3, 1], ["relu", "relu"]).activation == "relu"
    assert Network([2, 4, 3, 1], "sigmoid").activations == ("sigmoid", "sigmoid")
    twin = Network.from_dict(net.to_dict())
    assert repr(twin) == repr(net) and np.array_equal(twin.params, net.params)
    assert repr(net.copy()) == repr(net)
    with pytest.raises(ValueError, match="one per hidden layer"):
        Network([2, 4, 3, 1], ["relu"])
    with pytest.raises(ValueError, match="activation must be one of"):
        Network([2, 4, 3, 1], ["relu", "softmax"])


LAYERED = {"dataset": "xor", "hidden": (5, 3), "layer_activations": ("relu", "same"), "dropout": (0.2, 0.0),
           "off": ((1, 2),)}


def test_the_experiment_builds_what_the_configuration_says_and_the_model_file_keeps_it():
    exp = Experiment(LAYERED, grid_res=8)
    assert exp.net.activations == ("relu", "tanh") and exp.net.off == ((1, 2),)
    assert exp.trainer.dropout == (0.2, 0.0)
    exp.trainer.run(3)
    back, warnings = Experiment.from_json(exp.to_json(), grid_res=8)
    assert warnings == [] and back.config == exp.config and back.trainer.epoch == 3
    assert np.array_equal(back.net.params, exp.net.params) and repr(back.net) == repr(exp.net)
    assert np.all(exp.grid.activations(exp.net)[1][..., 1] == 0)  # neuron 1.2 is off in the picture


def test_switching_a_neuron_off_in_the_experiment_keeps_training():
    exp = Experiment(LAYERED, grid_res=8)
    exp.trainer.run(4)
    params_before, trainer = exp.net.params.copy(), exp.trainer
    assert exp.update({**exp.config, "off": ((1, 2), (2, 3))})
    assert exp.trainer is trainer and trainer.epoch == 4 and np.array_equal(exp.net.params, params_before)
    assert exp.net.off == ((1, 2), (2, 3)) and exp.config["off"] == ((1, 2), (2, 3))
    assert exp.update({**exp.config, "dropout": (0.5, 0.5)}) and trainer.dropout == (0.5, 0.5)
    assert not exp.update({**exp.config, "layer_activations": ("sigmoid", "same")})  # a new network


def test_a_race_over_hidden_layers_fits_each_racers_per_layer_settings():
    config, warnings = params.decode({"race": "hidden:8/4,4/2,2,2", "hidden": "4,3", "off": "1.4,2.3",
                                      "dropout": "0.2,0.1", "layer_activations": "relu,same"})
    nets = [(e.net.activations, e.net.off, e.trainer.dropout) for e in Race(config, grid_res=8).experiments]
    assert warnings == [] and nets == [(("relu",), ((1, 4),), (0.2,)),
                                       (("relu", "tanh"), ((1, 4), (2, 3)), (0.2, 0.1)),
                                       (("relu", "tanh", "tanh"), (), (0.2, 0.1, 0.0))]
