"""Loss functions, keyed by the name the user sees.

Every loss is averaged over samples.  ``z`` is the output layer's
pre-activation, ``a = f(z)`` the network output and ``y`` the target, all
``(n_samples, n_outputs)`` (see ``targets`` for how labels become such a
matrix).

* ``mse``: L = 1/n sum_i 1/2 ||a_i - y_i||^2,          dL/da = (a - y) / n
* ``bce``: L = -1/n sum_i y log a + (1 - y) log(1 - a),  dL/da = (a - y) / (a (1 - a)) / n
* ``cross_entropy``: L = -1/n sum_i sum_k y_k log a_k,   dL/da = -y / a / n

Values are exact for every logit because bce and cross-entropy are computed
from ``z``, not from ``a``: once sigma(z) rounds to 1 (z > 37), log(1 - a)
is log 0, and clipping a to [1e-12, 1 - 1e-12] would cap each sample's loss
at -log 1e-12 = 27.63 however wrong the network is.  With
softplus(z) = log(1 + e^z):

* bce:  -y log sigma(z) - (1 - y) log(1 - sigma(z)) = softplus(z) - y z,
  and softplus(z) = max(z, 0) + log(1 + e^-|z|) never overflows;
* cross_entropy:  -log softmax(z)_k = logsumexp(z) - z_k, with
  logsumexp(z) = m + log sum_j e^(z_j - m), m = max_j z_j.

The gradient with respect to the output's pre-activation z is dL/da * f'(z).
For three matched pairs the f'(z) cancels and dL/dz = (a - y) / n exactly:
sigmoid + bce, softmax + cross_entropy, linear + mse.  ``MATCHED`` lists them;
the network takes the shortcut only for these and multiplies by f'(z)
otherwise (e.g. the tutorial's sigmoid + squared error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EPS = 1e-12  # keeps the dL/da of bce and cross-entropy finite when a saturates to exactly 0 or 1


@dataclass(frozen=True)
class Loss:
    """A loss: mean value over samples, ``value(z, a, y)``, and per-sample gradient dL_i/da."""

    name: str
    label: str
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    grad: Callable[..., np.ndarray]  # grad(a, y, out=None): per-sample dL_i/da (not divided by n)
    outputs: tuple[str, ...]  # output activations this loss is defined for
    formula: str  # LaTeX

    def __repr__(self) -> str:
        return f"Loss({self.name})"


def _mse(z, a, y):
    d = a - y
    return 0.5 * float(np.vdot(d, d)) / len(a)


def _mse_grad(a, y, out=None):
    return np.subtract(a, y, out=out)


def _bce(z, a, y):
    """1/n sum softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(e^-|z|)."""
    softplus = np.log1p(np.exp(-np.abs(z)))
    softplus += np.maximum(z, 0.0)
    return float(np.sum(softplus - y * z)) / len(z)


def _bce_grad(a, y, out=None):
    a = np.clip(a, EPS, 1 - EPS)
    return np.divide(a - y, a * (1 - a), out=out)


def _cross_entropy(z, a, y):
    """1/n sum_i sum_k y_ik (logsumexp(z_i) - z_ik), the max subtracted inside logsumexp."""
    m = z.max(axis=1, keepdims=True)
    logsumexp = np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    logsumexp += m
    return float(np.sum(y * (logsumexp - z))) / len(z)


def _cross_entropy_grad(a, y, out=None):
    return np.divide(-y, np.maximum(a, EPS), out=out)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "Squared error", _mse, _mse_grad, ("sigmoid", "linear", "tanh"),
             r"\tfrac{1}{2}(a - y)^2"),
        Loss("bce", "Binary cross-entropy", _bce, _bce_grad, ("sigmoid",),
             r"-y \log a - (1 - y) \log(1 - a)"),
        Loss("cross_entropy", "Cross-entropy", _cross_entropy, _cross_entropy_grad, ("softmax",),
             r"-\sum_k y_k \log a_k"),
    )
}

MATCHED = {("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse")}


def get_loss(name: str, output_activation: str) -> Loss:
    """Look a loss up by name and check it suits the output activation."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    loss = LOSSES[name]
    if output_activation not in loss.outputs:
        raise ValueError(
            f"loss {name!r} needs output_activation in {', '.join(loss.outputs)}; "
            f"got {output_activation!r}"
        )
    return loss


def targets(y: np.ndarray, n_outputs: int) -> np.ndarray:
    """Targets as an ``(n_samples, n_outputs)`` float matrix.

    Integer labels 0..k-1 become one-hot rows when there are several outputs;
    a 1-D vector becomes a column for a single output; a matrix is kept.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != n_outputs:
            raise ValueError(f"y must have {n_outputs} columns; got shape {y.shape}")
        return y.astype(np.float64)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D labels/targets or a 2-D matrix; got shape {y.shape}")
    if n_outputs == 1:
        return y.astype(np.float64)[:, None]
    if not np.issubdtype(y.dtype, np.integer) or y.min(initial=0) < 0 or y.max(initial=0) >= n_outputs:
        raise ValueError(f"y must hold integer labels 0..{n_outputs - 1} for {n_outputs} outputs")
    return np.eye(n_outputs)[y]
