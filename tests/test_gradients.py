"""Backpropagation against central finite differences, for every activation, loss and several shapes."""

import math

import numpy as np
import pytest

from nn_core import Network
from nn_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nn_core.optimizers import add_penalty_gradient, penalty
from tests.conftest import EPS, OUTPUT_LOSS, SHAPES, analytic_gradients, numeric_gradients, problem, relative_error


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("output, loss", OUTPUT_LOSS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_backprop_matches_finite_differences(activation, output, loss, shape):
    net, X, y = problem(shape, output, loss, activation, seed=len(shape) + 3)
    zs = [a for a in net.forward(X)[1:-1]]
    if activation in ("relu", "leaky_relu"):  # finite differences are wrong across the kink at z = 0
        pre = [X @ net.weights[0] + net.biases[0]]
        for w, b, a in zip(net.weights[1:], net.biases[1:], zs):
            pre.append(a @ w + b)
        assert min(np.abs(z).min() for z in pre) > 10 * EPS
    assert relative_error(analytic_gradients(net, X, y, loss), numeric_gradients(net, X, y, loss)) < 1e-6


def log1p_exp(t):
    """log(1 + e^t) on a Python float, without overflow: t + log(1 + e^-t) for t > 0."""
    return t + math.log1p(math.exp(-t)) if t > 0 else math.log1p(math.exp(t))


def closed_form_loss(z, y, loss):
    """Mean bce or cross-entropy of the logits z (n, k) and labels y, in Python floats, one term at a time.

    bce: -log sigma(z) = log(1 + e^-z) for y = 1, -log(1 - sigma(z)) = log(1 + e^z) for y = 0.
    cross-entropy: -log softmax(z)_y = log sum_j e^z_j - z_y, the largest z taken out of the sum.
    """
    terms = []
    for row, label in zip(z.tolist(), np.asarray(y).tolist()):
        if loss == "bce":
            terms.append(log1p_exp(-row[0] if label == 1 else row[0]))
        else:
            top = max(row)
            terms.append(top + math.log(math.fsum(math.exp(v - top) for v in row)) - row[label])
    return math.fsum(terms) / len(terms)


@pytest.mark.parametrize("margin", [30, 100, 800])
@pytest.mark.parametrize("output, loss", [("sigmoid", "bce"), ("softmax", "cross_entropy")])
def test_loss_value_and_gradient_are_exact_at_large_logits(output, loss, margin):
    """A confidently wrong network's loss is not capped (clipping a at 1e-12 capped each term at 27.63)."""
    net, X, y = problem([3, 5], output, loss, "tanh", seed=margin)
    hidden = net.forward(X)[-2]
    scale = margin / np.abs(hidden @ net.weights[-1] + net.biases[-1]).max()
    net.weights[-1][...] *= scale
    net.biases[-1][...] *= scale
    z = hidden @ net.weights[-1] + net.biases[-1]  # the largest |z| is the margin
    expected = closed_form_loss(z, y, loss)
    assert expected > 0.1 * margin  # some examples are confidently wrong
    assert net.loss(X, y, loss) == pytest.approx(expected, rel=1e-13)
    assert relative_error(analytic_gradients(net, X, y, loss), numeric_gradients(net, X, y, loss)) < 1e-6


@pytest.mark.parametrize("margin", [28, 30, 100, 800])
def test_one_confidently_wrong_example(margin):
    """bce at logit z = margin for label 0 is log(1 + e^margin) (torch: 28.0 at 28); softmax likewise."""
    net = Network([1, 1], output_activation="sigmoid")
    net.weights[0][...], net.biases[0][...] = 1.0, 0.0
    assert net.loss(np.array([[margin]]), np.array([0]), "bce") == pytest.approx(
        margin + math.log1p(math.exp(-margin)), rel=1e-15)
    net = Network([1, 3], output_activation="softmax")
    net.weights[0][...], net.biases[0][...] = [[0.0, 1.0, -1.0]], 0.0  # z = (0, margin, -margin), label 0
    assert net.loss(np.array([[margin]]), np.array([0]), "cross_entropy") == pytest.approx(
        float(np.logaddexp.reduce([0.0, margin, -margin])), rel=1e-15)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS + ("sigmoid", "tanh"))
def test_activation_derivative_is_taken_at_z(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]
    numeric = (act.f(z + EPS) - act.f(z - EPS)) / (2 * EPS)
    np.testing.assert_allclose(act.df(z, act.f(z)), numeric, atol=1e-8)
    delta = np.random.default_rng(0).normal(size=z.shape)  # the fused in-place form is the same product
    fused = delta.copy()
    act.backprop(fused, z, act.f(z), np.empty_like(z))
    np.testing.assert_allclose(fused, delta * act.df(z, act.f(z)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regulariser_gradient(kind):
    rng = np.random.default_rng(1)
    theta = rng.normal(size=20)
    theta[np.abs(theta) < 1e-3] = 0.5  # away from |w|'s kink
    mask = 0.1 * (rng.random(20) > 0.3)  # the rate on weights, zero on biases
    analytic = np.zeros(20)
    add_penalty_gradient(analytic, theta, kind, mask, np.empty(20))
    numeric = np.array([(penalty(theta + EPS * e, kind, mask) - penalty(theta - EPS * e, kind, mask)) / (2 * EPS)
                        for e in np.eye(20)])
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


def tutorial_bug_gradients(net, X, y):
    """The classic tutorial's backprop: sigmoid' applied to the output a = sigmoid(z), not to z."""
    (X, a1, a2) = net.forward(X)
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    delta2 = (a2 - y[:, None]) * s(a2) * (1 - s(a2)) / len(X)
    delta1 = (delta2 @ net.weights[1].T) * s(a1) * (1 - s(a1))
    flat = np.empty_like(net.params)
    for m, a, d in zip(net.layer_views(flat), (X, a1), (delta1, delta2)):
        m[:-1], m[-1] = a.T @ d, d.sum(axis=0)
    return flat


def test_the_check_catches_the_tutorial_bug():
    net = Network([2, 3, 1], activation="sigmoid", output_activation="sigmoid", init="uniform", seed=4)
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, 8)
    numeric = numeric_gradients(net, X, y, "mse")
    assert relative_error(analytic_gradients(net, X, y, "mse"), numeric) < 1e-6
    assert relative_error(tutorial_bug_gradients(net, X, y), numeric) > 1e-2  # 10,000x the tolerance
