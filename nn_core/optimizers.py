"""Optimizers and regularisation, acting on the network's flat parameter vector.

Each optimizer updates ``theta`` in place from the gradient ``g`` (which it may
overwrite) and keeps its state in ``self.state`` (a dict of arrays), so a
trainer can snapshot and restore it.  The rules are PyTorch's, so a student's
numbers match what ``torch.optim`` gives (``bench/torch_check.py`` measures it):

* sgd:      theta -= lr g
* momentum: v = mu v + g;  theta -= lr v             (mu = 0.9; torch.optim.SGD(momentum=0.9),
            dampening 0, no Nesterov).  The velocity sums gradients, not steps, so a new
            learning rate applies to the whole step at once.
* adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2     (torch.optim.Adam)
            m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t)
            theta -= lr m_hat / (sqrt(v_hat) + eps)

Regularisation adds a penalty on the weights only, never the biases (a bias
shifts a neuron's threshold and does not make the function any less smooth):
L2: lambda/2 sum w^2, gradient lambda w;  L1: lambda sum |w|, gradient lambda sign(w).
Its gradient is added to g before the optimizer's rule, as torch's
``weight_decay`` does for L2 (in torch, with a parameter group for the weights alone).
"""

from __future__ import annotations

import math

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
    """Gradient descent with momentum: a velocity that accumulates past gradients.

    v = mu v + g;  theta -= lr v.
    """

    name, label = "momentum", "Momentum"
    mu = 0.9

    def __init__(self, n_params):
        self.state = {"v": np.zeros(n_params)}

    def update(self, theta, g, lr):
        v = self.state["v"]
        v *= self.mu
        v += g
        np.multiply(v, lr, out=g)
        theta -= g


class Adam:
    """Adam: momentum on the gradient, scaled per parameter by its running RMS.

    After t steps, m and v are averages biased towards their zero start;
    dividing by 1 - b^t corrects that.  The step lr m_hat / (sqrt(v_hat) + eps)
    is computed as lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps sqrt(1 - b2^t)),
    the same number with fewer array operations.
    """

    name, label = "adam", "Adam"
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, n_params):
        """State for ``n_params`` parameters, or for a stack ``(k, n_params)`` of k networks' (``cohort.py``),
        each with its own step count."""
        stack = n_params[:-1] if isinstance(n_params, tuple) else ()
        self.state = {"m": np.zeros(n_params), "v": np.zeros(n_params), "t": np.zeros((*stack, 1))}
        self._tmp = np.empty(n_params)

    def _corrections(self, t):
        """After ``t`` steps: the term eps sqrt(1 - b2^t) and the scale sqrt(1 - b2^t) / (1 - b1^t) of the step."""
        root_correction2 = math.sqrt(1 - self.beta2**t)  # sqrt(v_hat) = sqrt(v) / root_correction2
        return self.eps * root_correction2, root_correction2 / (1 - self.beta1**t)

    def update(self, theta, g, lr):
        s = self.state
        m, v, tmp = s["m"], s["v"], self._tmp
        s["t"] += 1
        if s["t"].ndim == 1:
            eps_term, scale = self._corrections(s["t"][0])
        else:  # a stack: each network's corrections from its own count, computed as alone, as columns
            eps_term, scale = (np.array(c)[:, None] for c in zip(*map(self._corrections, s["t"][:, 0])))
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=tmp)
        m += tmp
        g *= g
        g *= 1 - self.beta2
        v *= self.beta2
        v += g
        np.sqrt(v, out=tmp)
        tmp += eps_term
        np.divide(m, tmp, out=tmp)
        tmp *= lr * scale
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
