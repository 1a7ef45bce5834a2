"""Optimizers and regularisation, acting on the network's flat parameter vector.

Each optimizer updates ``theta`` in place from the gradient ``g`` (which it may
overwrite) and keeps its state in ``self.state`` (a dict of arrays), so a
trainer can snapshot and restore it.

* sgd:      theta -= lr g
* momentum: v = mu v - lr g;  theta += v                       (mu = 0.9)
* adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
            theta -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

Regularisation adds a penalty on the weights (never the biases):
L2: lambda/2 sum w^2, gradient lambda w;  L1: lambda sum |w|, gradient lambda sign(w).
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Plain gradient descent: theta -= lr * g."""

    name, label = "sgd", "SGD"

    def __init__(self, n_params):
        self.state = {}

    def update(self, theta, g, lr):
        g *= lr
        theta -= g


class Momentum:
    """Gradient descent with momentum: a velocity that accumulates past gradients."""

    name, label = "momentum", "Momentum"
    mu = 0.9

    def __init__(self, n_params):
        self.state = {"v": np.zeros(n_params)}

    def update(self, theta, g, lr):
        v = self.state["v"]
        v *= self.mu
        g *= lr
        v -= g
        theta += v


class Adam:
    """Adam: momentum on the gradient, scaled per parameter by its running RMS."""

    name, label = "adam", "Adam"
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, n_params):
        self.state = {"m": np.zeros(n_params), "v": np.zeros(n_params), "t": np.zeros(1)}
        self._tmp = np.empty(n_params)

    def update(self, theta, g, lr):
        s = self.state
        m, v, tmp = s["m"], s["v"], self._tmp
        s["t"] += 1
        t = s["t"][0]
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=tmp)
        m += tmp
        g *= g
        g *= 1 - self.beta2
        v *= self.beta2
        v += g
        np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        theta -= tmp


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}
REGULARIZATIONS = ("none", "l1", "l2")


def make_optimizer(name, n_params):
    """An optimizer instance by name (sgd, momentum, adam)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
    return OPTIMIZERS[name](n_params)


def add_penalty_gradient(g, theta, kind, rate_mask, tmp):
    """Add the regulariser's gradient to ``g`` in place.

    ``rate_mask`` is lambda on weights and 0 on biases; ``tmp`` a scratch array.
    """
    if kind == "l2":
        np.multiply(theta, rate_mask, out=tmp)
    else:  # l1
        np.sign(theta, out=tmp)
        tmp *= rate_mask
    g += tmp


def penalty(theta, kind, rate_mask):
    """The regularisation term added to the loss: L2 lambda/2 sum w^2, L1 lambda sum |w|."""
    if kind == "l2":
        return 0.5 * float(np.sum(rate_mask * theta * theta))
    if kind == "l1":
        return float(np.sum(rate_mask * np.abs(theta)))
    return 0.0
