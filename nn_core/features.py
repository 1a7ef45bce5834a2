"""Input features computed from the two coordinates (x1, x2), as in TensorFlow Playground.

A network sees only the features switched on; engineered features such as
x1^2 + x2^2 make the circle linearly separable, so no hidden layer is needed.
The feature ``custom`` is a formula the user types (see ``formula.py``), e.g.
``sqrt(x1**2+x2**2)``, passed to ``transform`` as text.
"""

from __future__ import annotations

import numpy as np

from .formula import parse

DEFAULT_FORMULA = "x1*x2"
FEATURES = {
    "x1": ("x₁", lambda X: X[:, 0]),
    "x2": ("x₂", lambda X: X[:, 1]),
    "x1_sq": ("x₁²", lambda X: X[:, 0] ** 2),
    "x2_sq": ("x₂²", lambda X: X[:, 1] ** 2),
    "x1x2": ("x₁x₂", lambda X: X[:, 0] * X[:, 1]),
    "sin_x1": ("sin(x₁)", lambda X: np.sin(X[:, 0])),
    "sin_x2": ("sin(x₂)", lambda X: np.sin(X[:, 1])),
    "custom": ("formula", None),  # computed from the formula given to transform
}


def feature_label(name):
    """The readable label of a feature, e.g. ``x1_sq`` -> ``x₁²``."""
    return FEATURES[name][0]


def transform(X, names, formula=DEFAULT_FORMULA):
    """Columns of the named features for points ``X`` of shape ``(n, 2)``: ``(n, len(names))``.

    ``formula`` (text in x1 and x2) defines the feature ``custom``; ValueError if it is not allowed.
    """
    if not names:
        raise ValueError(f"features must name at least one of {', '.join(FEATURES)}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"features must be among {', '.join(FEATURES)}; got {', '.join(unknown)}")
    X = np.asarray(X)
    return np.column_stack([parse(formula).evaluate(X[:, 0], X[:, 1]) if n == "custom"
                            else FEATURES[n][1](X) for n in names])
