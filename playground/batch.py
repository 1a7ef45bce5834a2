"""The byte layout of a batch of training snapshots: what the server sends the live view to draw.

A *snapshot* is a network as it was after one epoch: its parameters (float32,
in ``Network.params`` order: per layer the ``(n_in + 1, n_out)`` block
``[W; b]``, row-major) and that epoch's figures.  A *batch* packs any number of
them with a small JSON description of the picture (``meta``), and optionally
the data points and the loss history so far.  This module is the one place
the layout is declared; ``static/live_view/batch.js`` reads it in one function
(``decodeBatch``), the tests read it with ``decode``.

Layout (little-endian), every section starting at a multiple of 8 bytes::

    header   32 bytes: magic b"NNPG", then u32 version, meta_bytes, n_snapshots, n_params, n_points,
             n_curve, and 4 zero bytes
    meta     meta_bytes of UTF-8 JSON, padded with spaces to a multiple of 8
    stats    float64 (n_snapshots, 5): epoch, train loss, test loss, train accuracy, test accuracy
             (NaN where there is none: no test set, regression)
    params   float32 (n_snapshots, n_params)
    points   float32 (n_points, 3): x1, x2, label (class) or target; training points first
             (``meta["n_train"]`` of them), then test points.  n_points = 0: keep the points you have.
    curve    float64 (n_curve, 3): epoch, train loss, test loss of the history so far (thinned).
             n_curve = 0: keep the curve you have.

A default network (2-4-2-1, 25 parameters) costs 40 + 100 bytes per snapshot.
"""

from __future__ import annotations

import json
import struct
from typing import NamedTuple

import numpy as np

MAGIC = b"NNPG"
VERSION = 1
HEADER = struct.Struct("<4s6I4x")  # magic, version, meta_bytes, n_snapshots, n_params, n_points, n_curve
STATS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class Batch(NamedTuple):
    """A decoded batch: ``meta`` dict, ``stats`` (n, 5) float64, ``params`` (n, p) float32,
    ``points`` (m, 3) float32, ``curve`` (c, 3) float64."""
    meta: dict
    stats: np.ndarray
    params: np.ndarray
    points: np.ndarray
    curve: np.ndarray


def _pad8(data, fill=b"\0"):
    return data + fill * (-len(data) % 8)


def encode(meta, stats, params, points=None, curve=None):
    """The bytes of a batch.

    Parameters
    ----------
    meta : dict
        JSON-serialisable description of the picture (network shape, labels, display options).
    stats : array (n, 5)
        Per snapshot: epoch, train loss, test loss, train accuracy, test accuracy.
    params : array (n, n_params)
        Per snapshot: the flat parameter vector (stored as float32).
    points : array (m, 3), optional
        x1, x2, label or target of every point; omitted: the receiver keeps its points.
    curve : array (c, 3), optional
        epoch, train loss, test loss of the history; omitted: the receiver keeps its curve.
    """
    stats = np.ascontiguousarray(stats, "<f8").reshape(-1, len(STATS))
    params = np.ascontiguousarray(params, "<f4")
    if params.ndim != 2 or len(params) != len(stats):
        raise ValueError(f"params must have shape ({len(stats)}, n_params); got {params.shape}")
    points = np.ascontiguousarray(np.empty((0, 3)) if points is None else points, "<f4").reshape(-1, 3)
    curve = np.ascontiguousarray(np.empty((0, 3)) if curve is None else curve, "<f8").reshape(-1, 3)
    meta_bytes = _pad8(json.dumps(meta, separators=(",", ":"), allow_nan=False).encode(), b" ")
    header = HEADER.pack(MAGIC, VERSION, len(meta_bytes), len(stats), params.shape[1], len(points), len(curve))
    return b"".join([header, meta_bytes, stats.tobytes(), _pad8(params.tobytes()), _pad8(points.tobytes()),
                     curve.tobytes()])


def size(n_snapshots, n_params, meta_bytes, n_points=0, n_curve=0):
    """The length in bytes of a batch with these counts (``meta_bytes`` already padded)."""
    def pad(n):
        return n + (-n % 8)
    return (HEADER.size + meta_bytes + 40 * n_snapshots + pad(4 * n_snapshots * n_params) + pad(12 * n_points)
            + 24 * n_curve)


def decode(data):
    """A batch's bytes back as a ``Batch`` (raises ValueError if it is not one)."""
    data = memoryview(bytes(data))
    if len(data) < HEADER.size:
        raise ValueError("a batch starts with a 32-byte header")
    magic, version, meta_bytes, n, p, m, c = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION:
        raise ValueError(f"not a version {VERSION} snapshot batch")
    if len(data) != size(n, p, meta_bytes, m, c):
        raise ValueError(f"a batch of these counts has {size(n, p, meta_bytes, m, c)} bytes; got {len(data)}")
    pos = HEADER.size
    meta = json.loads(bytes(data[pos:pos + meta_bytes]))
    pos += meta_bytes

    def take(dtype, shape, itemsize):
        nonlocal pos
        count = int(np.prod(shape))
        out = np.frombuffer(data, dtype, count, pos).reshape(shape)
        pos += count * itemsize + (-(count * itemsize) % 8)
        return out

    return Batch(meta, take("<f8", (n, len(STATS)), 8), take("<f4", (n, p), 4), take("<f4", (m, 3), 4),
                 take("<f8", (c, 3), 8))
