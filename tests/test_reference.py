"""The fast Network and Trainer compute what the readable reference network (nn_core/reference.py) computes.

Same weights in, same losses, gradients and training out (to 1e-12 for one pass,
1e-10 after several epochs), for every hidden activation, every output/loss pair,
every optimizer and regulariser.  The reference shuffles with its own generator
seeded like the trainer's, so both see the same mini-batches.
"""

import numpy as np
import pytest

from nn_core import Network, Trainer, reference
from nn_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nn_core.losses import LOSSES, MATCHED
from tests.conftest import OUTPUT_LOSS, data, gap


def test_the_reference_covers_every_activation_and_loss():
    assert set(reference.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(reference.LOSSES) == set(LOSSES)
    assert reference.MATCHED == MATCHED
    assert {(o, loss) for o in ACTIVATIONS for loss, spec in LOSSES.items() if o in spec.outputs} == set(OUTPUT_LOSS)


def twins(sizes, activation, output, seed):
    """A Network and a reference network with the same (random, nonzero-bias) parameters."""
    net = Network(sizes, activation=activation, output_activation=output, seed=seed)
    rng = np.random.default_rng(seed)
    for b in net.biases:
        b[...] = rng.normal(0, 0.5, b.shape)
    ref = reference.Network(sizes, activation, output)
    ref.weights = [w.copy() for w in net.weights]
    ref.biases = [b.copy() for b in net.biases]
    return net, ref


@pytest.mark.parametrize("sizes", [[2, 1], [2, 5, 1], [3, 5, 4, 1]], ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("output, loss", OUTPUT_LOSS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_loss_and_gradients_match_the_reference(activation, output, loss, sizes):
    sizes = sizes[:-1] + [3 if output == "softmax" else 1]
    net, ref = twins(sizes, activation, output, seed=len(sizes))
    X, y, Y = data(11, sizes[0], sizes[-1], loss, seed=5)
    assert net.loss(X, y, loss) == pytest.approx(ref.loss(X, Y, loss), rel=1e-12)
    dW, db = net.gradients(X, y, loss)
    rW, rb = ref.backprop(X, Y, loss)
    assert gap(dW + db, rW + rb) < 1e-12
    assert gap(net.forward(X)[1:], ref.forward(X)[1][1:]) < 1e-12


def train_both(activation, output, loss, optimizer, regularization, rates, batch_size=7, seed=3):
    """Train a Trainer and the reference side by side, one epoch per learning rate in ``rates``.

    Returns (largest parameter gap, largest gap in the per-epoch losses and accuracies).
    """
    n_out = 3 if output == "softmax" else 1
    net, ref = twins([2, 5, 4, n_out], activation, output, seed=seed)
    X, y, Y = data(40, 2, n_out, loss, seed=seed + 1)
    reg_rate = 0.01 if regularization != "none" else 0.0
    tr = Trainer(net, X[:30], y[:30], X[30:], y[30:], loss=loss, optimizer=optimizer, learning_rate=rates[0],
                 batch_size=batch_size, regularization=regularization, reg_rate=reg_rate, seed=seed)
    opt = reference.Optimizer(optimizer, ref, regularization, reg_rate)
    rng = np.random.default_rng(seed)
    history_gap = 0.0
    for lr in rates:
        tr.configure(learning_rate=lr)
        assert tr.train_epoch(), tr.status
        reference.train_epoch(ref, X[:30], Y[:30], loss, opt, lr, min(batch_size, 30), rng)
        row = tr.latest
        mine = [row["train_loss"], row["test_loss"]]
        theirs = [ref.loss(X[:30], Y[:30], loss), ref.loss(X[30:], Y[30:], loss)]
        if loss != "mse":
            mine += [row["train_accuracy"], row["test_accuracy"]]
            theirs += [reference.accuracy(ref.predict(X[:30]), y[:30]), reference.accuracy(ref.predict(X[30:]), y[30:])]
        history_gap = max(history_gap, gap(np.array(mine), np.array(theirs)))
    return gap(net.weights + net.biases, ref.weights + ref.biases), history_gap


@pytest.mark.parametrize("output, loss", OUTPUT_LOSS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_training_matches_the_reference(activation, output, loss):
    params_gap, history_gap = train_both(activation, output, loss, "sgd", "none", [0.2] * 4)
    assert params_gap < 1e-10 and history_gap < 1e-10


@pytest.mark.parametrize("regularization", ["none", "l1", "l2"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_every_optimizer_and_regulariser_match_the_reference(optimizer, regularization):
    """Changing the learning rate between epochs, and a full batch too (no shuffling)."""
    rates = [0.1, 0.03, 0.3, 0.01, 0.1]
    for batch_size in (7, 30):
        params_gap, history_gap = train_both("tanh", "softmax", "cross_entropy", optimizer, regularization, rates,
                                             batch_size)
        assert params_gap < 1e-10 and history_gap < 1e-10
