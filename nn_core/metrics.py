"""How well a network does, beyond the loss: R² for regression, the confusion matrix for classes.

R² (coefficient of determination) = 1 - SS_res / SS_tot with SS_res = sum (y - y_hat)^2 and
SS_tot = sum (y - mean y)^2: 1 is a perfect fit, 0 is as good as always predicting the mean, and it is
negative when worse than that.  With several outputs, SS_res and SS_tot sum over all of them.
Constant targets (SS_tot = 0) give NaN: R² is undefined.

The confusion matrix ``C`` has ``C[i, j]`` = the number of points of true class i predicted as class j:
the diagonal holds the right answers; accuracy = trace(C) / sum(C).
"""

from __future__ import annotations

import numpy as np


def r2_score(y_true, y_pred):
    """R² of predictions ``y_pred`` against targets ``y_true`` (same shape, ``(n,)`` or ``(n, k)``)."""
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"y_true and y_pred must have one equal, non-empty shape; got {y_true.shape} "
                         f"and {y_pred.shape}")
    total = float(np.sum((y_true - y_true.mean(axis=0)) ** 2))
    residual = float(np.sum((y_true - y_pred) ** 2))
    return 1.0 - residual / total if total > 0 else float("nan")


def confusion_matrix(labels, predicted, n_classes):
    """The ``(n_classes, n_classes)`` int matrix: row = true class, column = predicted class."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    if labels.shape != predicted.shape or labels.ndim != 1:
        raise ValueError(f"labels and predicted must be two 1-d arrays of one length; got {labels.shape} "
                         f"and {predicted.shape}")
    for name, v in (("labels", labels), ("predicted", predicted)):
        if v.size and (not np.issubdtype(v.dtype, np.integer) or v.min() < 0 or v.max() >= n_classes):
            raise ValueError(f"{name} must be integers in [0, {n_classes}); got {v.min()}..{v.max()}")
    codes = labels.astype(np.int64) * n_classes + predicted.astype(np.int64)  # empty arrays may be float
    return np.bincount(codes, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def predicted_classes(output):
    """The class of each row of a network's output ``(n, k)``: argmax, or ``output > 0.5`` for one sigmoid."""
    output = np.asarray(output)
    return output.argmax(axis=1) if output.shape[1] > 1 else (output[:, 0] > 0.5).astype(np.int64)
