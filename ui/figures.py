"""Plotly figures: pure functions from data (NumPy arrays, DataFrames) to ``go.Figure``, and the images of
pictures (a pinned run's thumbnail).

They import neither Streamlit nor the network, so tests build them without a
browser.  Every colour comes from ``static/live_view/palette.json``, which the
live view's ``draw.js`` reads too: every value and every weight shares one
colour scale, orange for negative, light grey for zero, blue for positive
(TensorFlow Playground's), and each class has its colour.

The charts that follow training are redrawn every second while playing, so
they are cheap by construction: each is made in one
``go.Figure(data=[dicts], layout=dict)`` call with few traces, and every
array is NumPy (validated in bulk, sent as a base64 typed array, never as a list).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

PALETTE = json.loads((Path(__file__).resolve().parent.parent / "static" / "live_view" / "palette.json").read_text())
NEG_COLOR, ZERO_COLOR, POS_COLOR = PALETTE["negative"], PALETTE["zero"], PALETTE["positive"]
COLORSCALE = [[0.0, NEG_COLOR], [0.5, ZERO_COLOR], [1.0, POS_COLOR]]
CLASS_COLORS = [c["color"] for c in PALETTE["classes"]]
CLASS_NAMES = [c["name"] for c in PALETTE["classes"]]
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 12, "color": "#333"}
MAX_LINE_POINTS = 1000
LIVE_LINE_POINTS = 300  # a chart redrawn every second while playing (the scores)
PLOT_CONFIG = {"displayModeBar": False}  # how the app shows these figures: no toolbar


def _figure(data, height, **layout):
    """A figure with the light layout all figures share (no heavy default template)."""
    base = {"template": "none", "height": height, "margin": {"l": 40, "r": 10, "t": 10, "b": 36}, "font": FONT,
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "white", "uirevision": "keep", "showlegend": False}
    return go.Figure(data=data, layout={**base, **layout})


def _class_colorscale(k):
    """A stepwise colour scale mapping class c (with cmin -0.5, cmax k - 0.5) to CLASS_COLORS[c]."""
    scale = []
    for c in range(k):
        color = CLASS_COLORS[c % len(CLASS_COLORS)]
        scale += [[c / k, color], [(c + 1) / k, color]]
    return scale


def _points(X, labels, kind, name, test=False):
    """Data points coloured by class, or by target value for regression."""
    labels = np.asarray(labels)
    if kind == "regression":
        marker = {"color": labels.astype(np.float32), "colorscale": COLORSCALE, "cmin": -1, "cmax": 1}
        what = "target %{marker.color:.2f}"
    else:
        k = max(int(labels.max(initial=1)) + 1, 2)
        marker = {"color": labels.astype(np.int8), "colorscale": _class_colorscale(k), "cmin": -0.5,
                  "cmax": k - 0.5}
        what = "class %{marker.color}"
    marker.update(size=7 if test else 6, symbol="diamond" if test else "circle",
                  line={"width": 1.2 if test else 1, "color": "black" if test else "white"})
    X = np.asarray(X, np.float32)
    return {"type": "scatter", "x": X[:, 0], "y": X[:, 1], "mode": "markers", "marker": marker, "name": name,
            "hovertemplate": f"x1 %{{x:.2f}}, x2 %{{y:.2f}}<br>{what}<extra>{name}</extra>"}


def _plane_axes(extent):
    lo, hi = extent
    return {"xaxis": {"range": [lo, hi], "title": {"text": "x1"}, "zeroline": False, "constrain": "domain"},
            "yaxis": {"range": [lo, hi], "title": {"text": "x2"}, "zeroline": False, "scaleanchor": "x",
                      "constrain": "domain"}}  # both axes shrink to a square: neither shows more than the plane


def _rgb(color):
    """``[r, g, b]`` of a ``#rrggbb`` colour."""
    return [int(color[i:i + 2], 16) for i in (1, 3, 5)]


def class_image(probs, discretize=False):
    """RGB uint8 image (res, res, 3) of class regions, as the live picture draws them: the likeliest class's
    colour, ``class_strength`` of the way from white where the network is sure, white where it guesses
    (confidence 1/k); discretised, every region ``discretized_class_strength`` of the way (the palette's)."""
    colors = np.array([_rgb(c) for c in CLASS_COLORS], np.float32)
    k = probs.shape[-1]
    rgb = colors[probs.argmax(axis=-1) % len(colors)]
    if discretize:
        strength = np.float32(PALETTE["discretized_class_strength"])
    else:
        strength = PALETTE["class_strength"] * np.clip((probs.max(axis=-1, keepdims=True) - 1 / k) / (1 - 1 / k), 0, 1)
    return np.rint(255 - strength * (255 - rgb)).astype(np.uint8)


def value_image(values):
    """RGB uint8 image of values in [-1, 1] (clipped; NaN as 0) on the shared scale: orange, grey, blue."""
    ends = np.array([_rgb(c) for c in (NEG_COLOR, ZERO_COLOR, POS_COLOR)], np.float32)
    v = np.nan_to_num(np.clip(np.asarray(values, np.float32), -1, 1))[..., None]
    return np.rint(ends[1] + np.abs(v) * (np.where(v < 0, ends[0], ends[2]) - ends[1])).astype(np.uint8)


def points_image(X, y, kind, size, extent):
    """RGB uint8 image (size, size, 3) of data points on white, top row the highest x2: each point a 2 x 2
    dot of its class's colour, or of its target's on the value scale (regression).  ``extent``: the plane's
    ``(lo, hi)`` on both axes."""
    lo, hi = extent
    cells = np.clip(((np.asarray(X, np.float64) - lo) / (hi - lo) * (size - 1)).astype(int), 0, size - 2)
    colors = value_image(y) if kind == "regression" else np.array([_rgb(c) for c in CLASS_COLORS], np.uint8)[
        np.asarray(y, int) % len(CLASS_COLORS)]
    image = np.full((size, size, 3), 255, np.uint8)
    for dr in (0, 1):
        for dc in (0, 1):
            image[size - 1 - cells[:, 1] - dr, cells[:, 0] + dc] = colors
    return image


def output_image(grid, kind, discretize=False):
    """The output picture as an RGB uint8 image, top row the highest x2: class regions (multi-class), or the
    shade of P(class 1) or of the predicted value, at full strength (no points to stand out from, unlike the
    live plane's ``plane_strength``).  ``grid``: the output over the plane, row i the i-th lowest x2, column j
    the j-th lowest x1; (res, res) P(class 1) or value, or (res, res, k) class probabilities."""
    if kind == "multiclass":
        rgb = class_image(grid, discretize)
    else:
        v = 2 * np.asarray(grid) - 1 if kind == "binary" else np.asarray(grid)
        rgb = value_image(np.sign(v) if discretize else v)
    return np.ascontiguousarray(rgb[::-1])


def _downsample(df, max_points=MAX_LINE_POINTS):
    """At most ``max_points`` evenly spaced rows, the last always kept."""
    if len(df) <= max_points:
        return df
    return df.iloc[np.unique(np.linspace(0, len(df) - 1, max_points).astype(int))]


def _lines(history, columns, names, styles, max_points=MAX_LINE_POINTS, dtype=np.float64):
    """One line per history column against the epoch, of at most ``max_points`` points (float64 by default:
    a diverging loss can exceed float32)."""
    h = _downsample(history, max_points)
    x = h["epoch"].to_numpy(np.float32)
    with np.errstate(over="ignore"):
        return [{"type": "scatter", "x": x, "y": h[c].to_numpy(dtype), "mode": "lines", "name": n, "line": s}
                for c, n, s in zip(columns, names, styles) if len(h) and not h[c].isna().all()]


def rate_figure(epochs, rates, *, height=160):
    """The learning rate over epochs (``schedules.rates``), a small line chart beside the schedule's settings."""
    data = [{"type": "scatter", "x": np.asarray(epochs, np.float64), "y": np.asarray(rates, np.float64),
             "mode": "lines", "name": "learning rate", "line": {"color": POS_COLOR, "width": 2},
             "hovertemplate": "epoch %{x}: rate %{y:.4g}<extra></extra>"}]
    return _figure(data, height, xaxis={"title": {"text": "epoch"}},
                   yaxis={"title": {"text": "learning rate"}, "rangemode": "tozero"})


# -- figures of the panels below the playground --

TRAIN_LINE = {"color": PALETTE["train_line"], "width": 2}  # as in the live loss chart: training solid, test dashed
TEST_LINE = {"color": POS_COLOR, "width": 2, "dash": "dash"}
SCORES = {"accuracy": ("accuracy", ".0%", [0, 1.02]), "r2": ("R²", ".2f", [-1, 1.02])}  # title, ticks, range


def score_figure(history, score, *, height=260):
    """Training and test ``score`` (``"accuracy"`` or ``"r2"``) over epochs, from the history's columns.

    Accuracy is a share of points right, in [0, 1].  R² is 1 for a perfect fit and 0 for always guessing
    the mean; it has no lower bound, so values below -1 fall off the chart.  The chart follows training
    (redrawn every second while playing), so it is light: ``LIVE_LINE_POINTS`` points, float32 (an R² too
    negative for float32 becomes -inf, off the chart anyway).
    """
    title, ticks, yrange = SCORES[score]
    data = _lines(history, [f"train_{score}", f"test_{score}"], ["train", "test"], [TRAIN_LINE, TEST_LINE],
                  LIVE_LINE_POINTS, np.float32)
    return _figure(data, height, showlegend=True, legend={"orientation": "h", "y": 1.15, "x": 0},
                   xaxis={"title": {"text": "epoch"}},
                   yaxis={"title": {"text": title}, "tickformat": ticks, "range": yrange})


def compare_figure(curves, names, *, height=300):
    """The test loss of several runs over epochs, overlaid: ``curves`` are ``(m, 3)`` arrays of epoch,
    training loss and test loss (``Trainer.loss_curve``); the last one is drawn dashed (the run on screen)."""
    data = [{"type": "scatter", "x": c[:, 0], "y": c[:, 2], "mode": "lines", "name": name,
             "line": {"width": 2, "dash": "dash" if i == len(curves) - 1 else "solid"}}
            for i, (c, name) in enumerate(zip(curves, names)) if len(c)]
    return _figure(data, height, showlegend=True, legend={"orientation": "h", "y": 1.15, "x": 0},
                   xaxis={"title": {"text": "epoch"}}, yaxis={"title": {"text": "test loss"}, "rangemode": "tozero"})


def confusion_figure(matrix, *, height=300):
    """The confusion matrix (row: true class, column: predicted class) as a heatmap of counts.

    Each cell is shaded by its share of its true class (its row), so that a small class's mistakes show as
    clearly as a large one's; the diagonal holds the points classified right.
    """
    counts = np.asarray(matrix, np.int64)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    names = [f"class {k}" for k in range(len(counts))]
    data = [{"type": "heatmap", "z": share, "x": names, "y": names, "zmin": 0, "zmax": 1,
             "colorscale": [[0, "white"], [1, POS_COLOR]], "showscale": False, "text": counts.astype(str),
             "texttemplate": "%{text}", "textfont": {"size": 14},
             "hovertemplate": "true %{y}, predicted %{x}: %{text} points (%{z:.0%} of %{y})<extra></extra>"}]
    return _figure(data, height, margin={"l": 70, "r": 10, "t": 10, "b": 46},
                   xaxis={"title": {"text": "predicted"}, "type": "category", "showgrid": False},
                   yaxis={"title": {"text": "true"}, "type": "category", "autorange": "reversed",
                          "scaleanchor": "x", "showgrid": False})

def gradient_figure(history, *, height=300):
    """Mean |dL/dW| per weight layer over epochs, log scale: vanishing gradients fan out.

    ``history`` has columns ``epoch`` and ``grad_1`` .. ``grad_L`` (layer 1 next to the inputs).
    """
    cols = [c for c in history.columns if c.startswith("grad_")]
    names = [f"layer {i + 1}" for i in range(len(cols) - 1)] + ["output layer"]
    data = _lines(history, cols, names, [{"width": 2}] * len(cols))
    return _figure(data, height, showlegend=True, legend={"orientation": "h", "y": 1.15, "x": 0},
                   xaxis={"title": {"text": "epoch"}}, yaxis={"title": {"text": "mean |∂L/∂W|"}, "type": "log"})


def weights_figure(weights, *, height=260):
    """Histograms of the weights of each layer, overlaid."""
    names = [f"layer {i + 1}" for i in range(len(weights) - 1)] + ["output layer"]
    data = [{"type": "histogram", "x": np.asarray(w, np.float32).ravel(), "name": n, "opacity": 0.6,
             "nbinsx": 30} for w, n in zip(weights, names)]
    return _figure(data, height, barmode="overlay", showlegend=True, legend={"orientation": "h", "y": 1.15},
                   xaxis={"title": {"text": "weight"}}, yaxis={"title": {"text": "count"}})


def hidden_space_figure(points, labels, lines, *, kind="binary", height=420):
    """The data as a 2-neuron layer sees it: points at their two activations, and bent grid lines.

    ``points`` (n, 2) activations; ``labels`` (n,); ``lines`` a list of
    (m, 2) polylines: the plane's grid lines mapped through the same layers.
    """
    nan = np.full((1, 2), np.nan, np.float32)
    path = np.vstack([np.vstack([line, nan]) for line in lines]).astype(np.float32)
    data = [{"type": "scatter", "x": path[:, 0], "y": path[:, 1], "mode": "lines", "hoverinfo": "skip",
             "line": {"color": "#c8c8c8", "width": 1}}, _points(points, labels, kind, "train")]
    return _figure(data, height, xaxis={"title": {"text": "neuron 1"}},
                   yaxis={"title": {"text": "neuron 2"}, "scaleanchor": "x"})


def draw_figure(X, y, *, extent=(-6.0, 6.0), step=0.25, height=420):
    """A canvas to draw data on: trace 0 is an invisible lattice of clickable spots, then the points.

    Clicking anywhere selects the nearest lattice spot, whose coordinates
    become a new point; the toolbar's box select reports a box's corners.
    The axes are fixed, so a drag never moves the plane.  (Streamlit only
    turns clicks into selections when the drag mode is not a selection, hence
    "pan" on fixed axes.)
    """
    lo, hi = extent
    ticks = np.arange(lo, hi + step / 2, step, dtype=np.float32)
    gx, gy = np.meshgrid(ticks, ticks)
    data = [{"type": "scatter", "x": gx.ravel(), "y": gy.ravel(), "mode": "markers", "hoverinfo": "none",
             "marker": {"size": 9, "color": "rgba(0,0,0,0)"}, "selected": {"marker": {"opacity": 0}},
             "unselected": {"marker": {"opacity": 0}}}]
    if len(X):
        kind = "multiclass" if np.issubdtype(np.asarray(y).dtype, np.integer) else "regression"
        data.append(_points(X, y, kind, "data"))
    axes = _plane_axes(extent)
    for axis in axes.values():
        axis["fixedrange"] = True
    return _figure(data, height, dragmode="pan", **axes)
