"""Toy 2-D datasets, as in TensorFlow Playground, plus multi-class ones.

Every generator has the signature ``(n_samples, noise, rng)`` (multi-class
ones also take ``n_classes``) and returns ``X`` of shape ``(n_samples, 2)``
with coordinates in about [-6, 6], and ``y``: int labels 0..k-1 for
classification, float targets in [-1, 1] for regression.  ``noise`` runs from
0 to 0.5, as TensorFlow Playground's 0-50 % slider.  Randomness comes only
from the explicit ``np.random.Generator``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .text import shown

EXTENT = (-6.0, 6.0)  # the square of the data plane shown in the app
MAX_CLASSES = 6


def _per_class(n_samples, k):
    """Split n_samples into k near-equal counts."""
    return [n_samples // k + (c < n_samples % k) for c in range(k)]


def circle(n_samples, noise, rng):
    """Class 1 inside radius 2.5, class 0 in the ring 3.5-5; noise moves the labelling point."""
    radius = 5.0
    n_in, n_out = _per_class(n_samples, 2)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = X + rng.uniform(-radius, radius, X.shape) * noise
    y = (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(np.int64)
    return X, y


def xor(n_samples, noise, rng):
    """Class 1 where x1 * x2 >= 0 (quadrants I and III), points kept 0.3 away from the axes."""
    X = rng.uniform(-5, 5, (n_samples, 2))
    X += np.where(X > 0, 0.3, -0.3)
    shifted = X + rng.uniform(-5, 5, X.shape) * noise
    y = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return X, y


def gauss(n_samples, noise, rng):
    """Two Gaussian clouds at (2, 2) (class 1) and (-2, -2) (class 0); variance 0.5-4 with noise."""
    return _gaussian_clouds(n_samples, noise, rng, np.array([[-2.0, -2.0], [2.0, 2.0]]))


def spiral(n_samples, noise, rng):
    """Two interleaved spirals of 1.75 turns."""
    return _spirals(n_samples, noise, rng, 2)


def moons(n_samples, noise, rng):
    """Two interleaving half circles (class 0 on top), scaled to the plane."""
    n0, n1 = _per_class(n_samples, 2)
    t0, t1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    X = (X - [0.5, 0.25]) * 3.5 + rng.normal(0, 3.0 * noise, X.shape)
    return X, np.repeat([0, 1], [n0, n1])


def blobs(n_samples, noise, rng, n_classes=3):
    """``n_classes`` Gaussian clouds on a circle of radius 3.5."""
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 3.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    return _gaussian_clouds(n_samples, noise, rng, centres)


def multi_spiral(n_samples, noise, rng, n_classes=3):
    """``n_classes`` interleaved spiral arms."""
    return _spirals(n_samples, noise, rng, n_classes)


def plane(n_samples, noise, rng):
    """Regression: target (x1 + x2) / 10 on a uniform square."""
    X = rng.uniform(-6, 6, (n_samples, 2))
    shifted = X + rng.uniform(-6, 6, X.shape) * noise
    return X, np.clip(shifted.sum(axis=1) / 10, -1, 1)


def multi_gauss(n_samples, noise, rng):
    """Regression: six signed Gaussian bumps; the target is the strongest bump at the point."""
    X = rng.uniform(-6, 6, (n_samples, 2))
    shifted = X + rng.uniform(-6, 6, X.shape) * noise
    bumps = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])
    dist = np.hypot(shifted[:, None, 0] - bumps[:, 0], shifted[:, None, 1] - bumps[:, 1])
    values = bumps[:, 2] * np.clip(1 - dist / 2, 0, 1)
    return X, values[np.arange(n_samples), np.abs(values).argmax(axis=1)]


def _gaussian_clouds(n_samples, noise, rng, centres):
    std = np.sqrt(0.5 + 7.0 * noise)  # variance 0.5 .. 4 as noise goes 0 .. 0.5
    counts = _per_class(n_samples, len(centres))
    X = np.vstack([c + rng.normal(0, std, (k, 2)) for c, k in zip(centres, counts)])
    return X, np.repeat(np.arange(len(centres)), counts)


def _spirals(n_samples, noise, rng, k):
    counts = _per_class(n_samples, k)
    parts = []
    for c, n in enumerate(counts):
        i = np.arange(n) / n
        r, t = 5 * i, 1.75 * 2 * np.pi * i + 2 * np.pi * c / k
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.vstack(parts) + rng.uniform(-1, 1, (n_samples, 2)) * noise
    y = np.repeat(np.arange(k), counts)
    if k == 2:
        y = 1 - y  # as TensorFlow Playground: the arm starting at angle 0 is the positive class
    return X, y


@dataclass(frozen=True)
class Dataset:
    """A generator with its display label and kind: binary, multiclass or regression."""

    name: str
    label: str
    kind: str
    make: Callable


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("circle", "Circle", "binary", circle),
        Dataset("xor", "Exclusive or", "binary", xor),
        Dataset("gauss", "Gaussian", "binary", gauss),
        Dataset("spiral", "Spiral", "binary", spiral),
        Dataset("moons", "Moons", "binary", moons),
        Dataset("blobs", "Blobs (multi-class)", "multiclass", blobs),
        Dataset("multi_spiral", "Spiral (multi-class)", "multiclass", multi_spiral),
        Dataset("plane", "Plane (regression)", "regression", plane),
        Dataset("multi_gauss", "Multi-Gaussian (regression)", "regression", multi_gauss),
    )
}


def make_dataset(name, n_samples=500, noise=0.0, seed=0, n_classes=3):
    """Generate a named dataset: ``X`` (n_samples, 2) and ``y`` (n_samples,).

    ``n_classes`` (2..6) applies to the multi-class datasets only.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}; got {name!r}")
    if not (isinstance(n_samples, (int, np.integer)) and n_samples >= 2):
        raise ValueError(f"n_samples must be an integer >= 2; got {n_samples!r}")
    if not 0 <= noise <= 0.5:
        raise ValueError(f"noise must be in [0, 0.5]; got {noise!r}")
    rng = np.random.default_rng(seed)
    d = DATASETS[name]
    if d.kind == "multiclass":
        if not 2 <= n_classes <= MAX_CLASSES:
            raise ValueError(f"n_classes must be in 2..{MAX_CLASSES}; got {n_classes!r}")
        return d.make(int(n_samples), noise, rng, n_classes=int(n_classes))
    return d.make(int(n_samples), noise, rng)


def split(X, y, train_ratio, rng):
    """Shuffle and split into ``(X_train, y_train, X_test, y_test)``; both parts keep >= 1 point."""
    if not 0 < train_ratio <= 1:
        raise ValueError(f"train_ratio must be in (0, 1]; got {train_ratio!r}")
    n = len(X)
    order = rng.permutation(n)
    n_train = n if train_ratio == 1 else min(max(round(train_ratio * n), 1), n - 1)
    tr, te = order[:n_train], order[n_train:]
    return X[tr], y[tr], X[te], y[te]


def stratified_split(X, y, train_ratio, rng):
    """``split`` class by class (labels ``y``), so that training and test points both hold every class of 2
    points or more (a class of one point trains): the user's few drawn points keep their classes in both."""
    parts = [split(X[y == c], y[y == c], train_ratio, rng) if np.sum(y == c) >= 2
             else (X[y == c], y[y == c], X[:0], y[:0]) for c in np.unique(y)]
    return tuple(np.concatenate(part) for part in zip(*parts))


def kind_of(y):
    """binary, multiclass or regression, from the dtype and values of ``y``."""
    if not np.issubdtype(np.asarray(y).dtype, np.integer):
        return "regression"
    return "multiclass" if len(y) and y.max() >= 2 else "binary"


# -- user data --

CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 5_000


def load_csv(data, *, max_rows=CSV_MAX_ROWS, max_bytes=CSV_MAX_BYTES):
    """Parse user CSV bytes with columns ``x1, x2`` and ``label`` (classes) or ``target``.

    Returns ``(X, y, notes)``; ``notes`` lists changes made (rescaling).
    Labels must be integers 0..5 (or -1/1, read as 0/1); targets numbers,
    scaled into [-1, 1] if needed.  Coordinates are scaled into [-6, 6] if
    needed.  Anything else raises ValueError with a message for the user.
    """
    if isinstance(data, str):
        data = data.encode()
    if len(data) > max_bytes:
        raise ValueError(f"The file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes "
                         f"({max_bytes / 1e6:g} MB).")
    if not data.strip():
        raise ValueError("The file is empty.")
    if b"\0" in data[:4096]:
        raise ValueError("This is not a text CSV file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text.") from None
    try:
        # Every cell as text: numbers are read below, so that a message can quote what the file says.
        df = pd.read_csv(io.StringIO(text), skipinitialspace=True, nrows=max_rows + 1, dtype=str,
                         keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise ValueError(f"The CSV could not be parsed: {shown(str(e).strip().splitlines()[0], 120)}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    twice = [c for c in ("x1", "x2", "label", "target") if [d.split(".")[0] for d in df.columns].count(c) > 1]
    if twice:
        raise ValueError(f"The CSV has more than one column named {twice[0]}.")
    if not {"x1", "x2"} <= set(df.columns) or ("label" in df.columns) == ("target" in df.columns):
        raise ValueError(
            "The CSV needs the columns x1, x2 and either label (classes) or target (regression); "
            f"found {shown(list(df.columns)) if len(df.columns) else 'none'}."
        )
    if len(df) > max_rows:
        raise ValueError(f"The CSV has more than {max_rows} rows.")
    if len(df) < 4:
        raise ValueError("The CSV needs at least 4 rows.")
    ycol = "label" if "label" in df.columns else "target"
    values = {}
    for col in ("x1", "x2", ycol):
        # Text that is not a number becomes NaN; a number beyond float (a 309-digit integer) becomes inf.
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(v))
        if len(bad):
            row, cell = bad[0] + 2, df[col].iloc[bad[0]].strip()  # row 1 is the header
            problem = ("is empty" if not cell else f"holds {shown(cell)}, which is not a number" if np.isnan(v[bad[0]])
                       else f"holds {shown(cell)}, a number too large")
            raise ValueError(f"Column {col} {problem} on row {row}.")
        values[col] = v
    X = np.column_stack([values["x1"], values["x2"]])
    notes = []
    reach = np.abs(X).max()
    if reach > EXTENT[1]:
        X = X / reach * EXTENT[1]  # dividing first keeps the largest coordinate at exactly 6
        notes.append(f"Coordinates were scaled by {EXTENT[1] / reach:.3g} to fit the plane [-6, 6].")
    y = values[ycol]
    if ycol == "label":
        if not np.all(y == np.round(y)):
            raise ValueError("Labels must be whole numbers (classes 0, 1, 2, ...).")
        if set(np.unique(y)) <= {-1.0, 1.0}:
            y = (y > 0).astype(np.float64)
            notes.append("Labels -1/1 were read as classes 0/1.")
        if y.min() < 0 or y.max() >= MAX_CLASSES:
            raise ValueError(f"Labels must be classes 0 to {MAX_CLASSES - 1}.")
        y = y.astype(np.int64)
        if len(np.unique(y)) < 2:
            raise ValueError("Labels must contain at least two classes.")
    else:
        span = np.abs(y).max()
        if span > 1:
            y = y / span
            notes.append(f"Targets were scaled by {1 / span:.3g} into [-1, 1].")
    return X, y, notes


def to_csv(X, y):
    """The dataset as CSV text with columns x1, x2 and label or target."""
    col = "target" if kind_of(y) == "regression" else "label"
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], col: y}).to_csv(index=False)


def scatter_in_box(x_range, y_range, n, rng):
    """``n`` points drawn uniformly inside the box ``x_range`` x ``y_range`` (corners in any order), (n, 2)."""
    (x0, x1), (y0, y1) = sorted(x_range), sorted(y_range)
    return rng.uniform([x0, y0], [x1, y1], (n, 2))
