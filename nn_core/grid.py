"""The network evaluated over the data plane, every neuron at once, for pictures.

A ``Grid`` holds a ``res x res`` lattice over the square ``extent``, the
chosen features computed on it once (at the first call: a session that draws
no picture never holds them), and float32 buffers (the picture needs no more
precision, and float32 halves the memory traffic), reused across calls, or,
beyond ``keep_bytes``, made for the call and freed after it (an app's session
that is idle then holds none of a large network's, which take megabytes:
bench/README.md).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .datasets import EXTENT
from .features import DEFAULT_FORMULA, transform
from .network import augment


class Grid:
    """Evaluate networks over a ``res x res`` lattice of the plane.

    Parameters
    ----------
    features : sequence of str
        Feature names (see ``features.py``), as the network's inputs.
    res : int
        Points per side.
    extent : (lo, hi)
        The square's bounds, the same for x1 and x2.
    formula : str
        The custom feature's formula (see ``formula.py``).
    keep_bytes : int, optional
        Buffers larger than this are not kept for the next call (None: always kept, the fastest).
    """

    def __init__(self, features, res=100, extent=EXTENT, formula=DEFAULT_FORMULA, keep_bytes=None):
        self.features, self.res, self.extent, self.formula = tuple(features), int(res), extent, formula
        self.keep_bytes = keep_bytes
        self.coords = np.linspace(extent[0], extent[1], self.res)
        self._ws = None

    @cached_property
    def x_aug(self):
        """The lattice's features with a row of ones, float32 ``(n_features + 1, res * res)``."""
        x1, x2 = np.meshgrid(self.coords, self.coords)  # row i: x2 = coords[i]; column j: x1 = coords[j]
        points = np.column_stack([x1.ravel(), x2.ravel()])
        return augment(transform(points, self.features, self.formula), np.float32)

    def activations(self, net):
        """Every layer's activations over the grid, ``[inputs, hidden..., output]``.

        Each entry is float32 of shape ``(res, res, n_units)``.  They are views
        of buffers that the next call overwrites: copy what you keep.
        """
        n = self.res * self.res
        ws = self._ws
        if ws is None or [z.shape for z in ws.z] != [(k, n) for k in net.sizes[1:]]:
            ws = net.workspace(n, np.float32)
            kept = self.keep_bytes is None or 16 * n * sum(net.sizes[1:]) <= self.keep_bytes  # 4 float32 rows a unit
            self._ws = ws if kept else None
        with np.errstate(all="ignore"):  # a diverging network may overflow float32: the picture saturates
            mats = net.layer_views(net.params.astype(np.float32))
            net.forward_into(ws, self.x_aug, mats)
        layers = [self.x_aug[:-1]] + ws.a[1:]  # each (n_units, res * res), contiguous
        return [np.moveaxis(a.reshape(-1, self.res, self.res), 0, -1) for a in layers]
