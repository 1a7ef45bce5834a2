"""Activation functions, keyed by the name the user sees.

Every activation is a pair ``f(z)`` and ``df(z, a)``: the derivative is taken
with respect to the PRE-activation ``z`` (``da/dz`` evaluated at ``z``).  The
already computed output ``a = f(z)`` is passed beside ``z`` only so that tanh
and sigmoid need not recompute it; the function is still ``f'(z)``.  Naming
both arguments is what makes the classic tutorial bug impossible: there,
``sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))`` was applied to ``x = a``, an
output that had already been squashed, giving ``sigma(sigma(z)) (1 - ...)``.

Elementwise activations take arrays of any shape; softmax normalises along
``axis`` (default the last).  Every function accepts an optional ``out``
array so the training loop can reuse buffers.  Constants are 0-d arrays of
the operand's dtype (``_const``; a Python number for other dtypes): on the
training loop's tiny arrays NumPy takes them faster than a float (bench/README.md).

``softmax`` is an output-only activation: its Jacobian is not diagonal, so it
has no elementwise ``df`` and is only used with the cross-entropy loss, where
``dL/dz = a - y`` (see ``losses.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

LEAK = 0.01  # slope of leaky_relu for z < 0


def _const(value):
    """``value`` as a 0-d array per float dtype: ``_const(0.5)[x.dtype]`` is 0.5 of x's dtype."""
    return {np.dtype(t): np.array(value, t) for t in (np.float32, np.float64)}


_ZERO, _HALF = _const(0.0), _const(0.5)


@dataclass(frozen=True)
class Activation:
    """An activation ``a = f(z)``, its derivative ``f'(z)``, and the backprop step.

    ``backprop(delta, z, a, tmp)`` does ``delta *= f'(z)`` in place (``tmp``
    is scratch): the step from dL/da to dL/dz.  tanh and sigmoid give a fused
    form with fewer NumPy calls; the others multiply by ``df`` (the gradient
    checks cover both).  softmax has none.
    """

    name: str
    label: str
    f: Callable[..., np.ndarray]
    df: Callable[..., np.ndarray] | None  # None for softmax (not elementwise)
    formula: str  # LaTeX of f(z)
    derivative: str  # LaTeX of f'(z)
    backprop: Callable[..., None] | None = None

    def __post_init__(self):
        if self.backprop is None and self.df is not None:
            object.__setattr__(self, "backprop", partial(_backprop_with_df, self.df))

    def __repr__(self) -> str:
        return f"Activation({self.name})"


def _backprop_with_df(df, delta, z, a, tmp):
    """delta f'(z), with f'(z) computed into tmp."""
    delta *= df(z, a, out=tmp)


def _relu(z, out=None):
    return np.maximum(z, _ZERO.get(z.dtype, 0), out=out)


def _relu_df(z, a, out=None):
    """1 where z > 0, else 0: the sign of a = max(z, 0)."""
    return np.sign(a, out=out)


def _tanh(z, out=None):
    return np.tanh(z, out=out)


def _tanh_df(z, a, out=None):
    """1 - tanh(z)^2 = 1 - a^2."""
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def _tanh_backprop(delta, z, a, tmp):
    """delta (1 - a^2) = delta - delta a^2."""
    np.multiply(a, a, out=tmp)
    tmp *= delta
    delta -= tmp


def _sigmoid(z, out=None):
    """1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2, which never overflows."""
    half = _HALF.get(z.dtype, 0.5)
    out = np.multiply(z, half, out=out)
    np.tanh(out, out=out)
    out *= half
    out += half
    return out


def _sigmoid_df(z, a, out=None):
    """sigma(z) (1 - sigma(z)) = a (1 - a) = a - a^2."""
    out = np.multiply(a, a, out=out)
    return np.subtract(a, out, out=out)


def _sigmoid_backprop(delta, z, a, tmp):
    """delta a (1 - a) = delta (a - a^2)."""
    np.multiply(a, a, out=tmp)
    np.subtract(a, tmp, out=tmp)
    delta *= tmp


def _linear(z, out=None):
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def _linear_df(z, a, out=None):
    if out is None:
        return np.ones_like(z)
    out.fill(1)
    return out


def _leaky_relu(z, out=None):
    """max(z, 0.01 z)."""
    return np.maximum(z, LEAK * z, out=out)


def _leaky_relu_df(z, a, out=None):
    """1 where z > 0, else 0.01."""
    out = np.greater(z, 0, out=out) if out is not None else (z > 0).astype(z.dtype)
    out *= 1 - LEAK
    out += LEAK
    return out


def _softmax(z, out=None, axis=-1):
    """e^z_k / sum_j e^z_j along ``axis`` (the units), shifted by the max for stability.

    The network's internal arrays hold one unit per row, so it passes axis=0.
    """
    out = np.subtract(z, z.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", "ReLU", _relu, _relu_df, r"\max(0, z)", r"[z > 0]"),
        Activation("tanh", "Tanh", _tanh, _tanh_df, r"\tanh z", r"1 - \tanh^2 z", _tanh_backprop),
        Activation(
            "sigmoid", "Sigmoid", _sigmoid, _sigmoid_df,
            r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma(z)\,(1 - \sigma(z))", _sigmoid_backprop,
        ),
        Activation("linear", "Linear", _linear, _linear_df, r"z", r"1"),
        Activation(
            "leaky_relu", "Leaky ReLU", _leaky_relu, _leaky_relu_df,
            r"\max(0.01 z, z)", r"1 \text{ if } z > 0 \text{ else } 0.01",
        ),
        Activation(
            "softmax", "Softmax", _softmax, None,
            r"\frac{e^{z_k}}{\sum_j e^{z_j}}", r"\text{(used with cross-entropy: } \partial L/\partial z = a - y)",
        ),
    )
}

HIDDEN_ACTIVATIONS = tuple(n for n, a in ACTIVATIONS.items() if a.df is not None)
OUTPUT_ACTIVATIONS = ("sigmoid", "linear", "tanh", "softmax")


def get_activation(name: str, *, param: str = "activation", allowed=HIDDEN_ACTIVATIONS) -> Activation:
    """Look an activation up by name; a ValueError names the parameter and the choices."""
    if name not in allowed:
        raise ValueError(f"{param} must be one of {', '.join(allowed)}; got {name!r}")
    return ACTIVATIONS[name]
