"""What the pictures show, computed from an experiment: node labels, the output grid and neuron thumbnails.

Shared by the live view and the panels (a past network from *Step back in time* is drawn the same way).
"""

from __future__ import annotations

import numpy as np

from nn_core.features import feature_label
from nn_core.pins import PICTURE
from nn_core.text import clipped

from .figures import output_image

THUMB_STRIDE = 4  # neuron thumbnails sample every 4th grid point (96 -> 24)
LABEL_CHARS = 16  # a custom formula longer than this is shortened in the picture (the widget shows it whole)


def feature_text(name, formula):
    """A feature's label in the pictures: its readable name, or for ``custom`` the formula (shortened)."""
    return clipped(formula, LABEL_CHARS) if name == "custom" else feature_label(name)


def layer_labels(exp):
    """Node labels per layer: features, hidden neurons, outputs."""
    sizes = exp.net.sizes
    hidden = [[f"{l}.{i + 1}" for i in range(k)] for l, k in enumerate(sizes[1:-1], start=1)]
    out = [f"class {k}" for k in range(sizes[-1])] if sizes[-1] > 1 else ["output"]
    return [[feature_text(f, exp.config["formula"]) for f in exp.config["features"]]] + hidden + [out]


def pictures(exp, net=None):
    """Grid values for the output picture and a thumbnail stack per layer, all in display units.

    ``net`` defaults to the experiment's network (a past snapshot may be passed).
    Returns ``(grid, thumbnails)``: grid is ``(res, res)`` (binary: P(class 1);
    regression: value) or ``(res, res, k)`` class probabilities; thumbnails are
    float32 ``(r, r, n_nodes)`` per layer in [-1, 1].
    """
    acts = exp.grid.activations(net or exp.net)
    out = acts[-1]
    grid = out.copy() if exp.kind == "multiclass" else out[..., 0].copy()
    s = THUMB_STRIDE
    inputs = acts[0][::s, ::s]
    thumbs = [inputs / np.maximum(np.abs(inputs).max(axis=(0, 1)), 1e-9)]
    thumbs += [a[::s, ::s].copy() for a in acts[1:-1]]
    last = out[::s, ::s]
    thumbs.append(last.copy() if exp.kind == "regression" else 2 * last - 1)
    return grid, thumbs


def thumbnail(exp):
    """The output picture of the experiment's network, ``PICTURE`` pixels a side (a pinned run's thumbnail)."""
    grid, _ = pictures(exp)
    stride = max(1, len(grid) // PICTURE)
    small = grid[::stride, ::stride][:PICTURE, :PICTURE]
    return output_image(small, exp.kind, exp.config["discretize"])
