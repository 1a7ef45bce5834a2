"""The optimizers' updates, step by step against the rules of torch.optim written out by hand.

The learning rate changes between steps, as when a student moves the slider
mid-run: with torch's momentum (v = mu v + g; w -= lr v) a new rate applies to
the whole step at once.
"""

import math

import numpy as np
import pytest

from nn_core.optimizers import Momentum, make_optimizer

RATES = [0.1, 0.1, 0.03, 0.03, 0.5, 0.01, 0.01, 0.2]


def gradients(scale, seed=0):
    return np.random.default_rng(seed).normal(0.0, scale, (len(RATES), 5))


def run(name, theta, grads):
    """Our optimizer's parameters after each step."""
    opt, theta, seen = make_optimizer(name, len(theta)), theta.copy(), []
    for g, lr in zip(grads, RATES):
        opt.update(theta, g.copy(), np.array(lr))
        seen.append(theta.copy())
    return seen


@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_momentum_is_torch_sgd_with_momentum(scale):
    theta0 = np.random.default_rng(1).normal(size=5)
    grads = gradients(scale)
    expected, theta, v = [], theta0.tolist(), [0.0] * 5
    for g, lr in zip(grads.tolist(), RATES):
        v = [0.9 * vi + gi for vi, gi in zip(v, g)]
        theta = [t - lr * vi for t, vi in zip(theta, v)]
        expected.append(theta)
    np.testing.assert_allclose(run("momentum", theta0, grads), expected, rtol=1e-13, atol=1e-15 * scale)


def test_a_zero_rate_stops_momentum_at_once():
    """torch's velocity sums gradients, so with lr 0 nothing moves (v = mu v - lr g; w += v kept coasting)."""
    opt, theta = Momentum(3), np.ones(3)
    opt.update(theta, np.full(3, 2.0), np.array(0.1))
    before = theta.copy()
    opt.update(theta, np.full(3, 2.0), np.array(0.0))
    np.testing.assert_array_equal(theta, before)


@pytest.mark.parametrize("scale", [1.0, 1e-6, 1e-9])
def test_adam_is_torch_adam(scale):
    """eps is added to sqrt(v_hat); with gradients near eps (1e-9) that differs from adding it to sqrt(v)."""
    theta0 = np.random.default_rng(2).normal(size=5)
    grads = gradients(scale, seed=3)
    expected, theta, m, v = [], theta0.tolist(), [0.0] * 5, [0.0] * 5
    for t, (g, lr) in enumerate(zip(grads.tolist(), RATES), start=1):
        m = [0.9 * mi + 0.1 * gi for mi, gi in zip(m, g)]
        v = [0.999 * vi + 0.001 * gi * gi for vi, gi in zip(v, g)]
        m_hat = [mi / (1 - 0.9**t) for mi in m]
        v_hat = [vi / (1 - 0.999**t) for vi in v]
        theta = [th - lr * mh / (math.sqrt(vh) + 1e-8) for th, mh, vh in zip(theta, m_hat, v_hat)]
        expected.append(theta)
    np.testing.assert_allclose(run("adam", theta0, grads), expected, rtol=1e-13, atol=0)


def test_sgd():
    theta0 = np.arange(5.0)
    grads = gradients(1.0)
    expected = theta0 - np.cumsum(np.array(RATES)[:, None] * grads, axis=0)
    np.testing.assert_allclose(run("sgd", theta0, grads), expected, rtol=1e-13)

