"""Plotly figures: pure functions from data (NumPy arrays, DataFrames) to ``go.Figure``.

They import neither Streamlit nor the network, so tests build them without a
browser.  Every heatmap and every weight shares one colour scale: orange for
negative, light grey for zero, blue for positive (TensorFlow Playground's).

The live figures are rebuilt several times a second, so they are cheap by
construction: each is made in one ``go.Figure(data=[dicts], layout=dict)``
call with few traces; every array is NumPy (validated in bulk, sent as a
base64 typed array, never as a list); heatmaps are int8 (-127..127 for
-1..1, and -128 for "nothing here", drawn transparent).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

NEG_COLOR, ZERO_COLOR, POS_COLOR = "#f59322", "#e8eaeb", "#0877bd"
COLORSCALE = [[0.0, NEG_COLOR], [0.5, ZERO_COLOR], [1.0, POS_COLOR]]
CLASS_COLORS = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b"]
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 12, "color": "#333"}
MAX_LINE_POINTS = 1000
LIVE_LINE_POINTS = 300  # a chart redrawn every second while playing (the scores): about 7 kB a redraw
PLOT_CONFIG = {"displayModeBar": False}  # how the app shows these figures: no toolbar
EMPTY = -128  # int8 code of a transparent heatmap cell
# int8 heatmap scale: -128 transparent, -127..127 orange..grey..blue
INT8_COLORSCALE = [[0.0, "rgba(0,0,0,0)"], [0.5 / 255, "rgba(0,0,0,0)"], [1 / 255, NEG_COLOR],
                   [128 / 255, ZERO_COLOR], [1.0, POS_COLOR]]


def _figure(data, height, **layout):
    """A figure with the light layout all figures share (no heavy default template)."""
    base = {"template": "none", "height": height, "margin": {"l": 40, "r": 10, "t": 10, "b": 36}, "font": FONT,
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "white", "uirevision": "keep", "showlegend": False}
    return go.Figure(data=data, layout={**base, **layout})


def to_int8(values):
    """Values in [-1, 1] (clipped; NaN -> transparent) as int8 codes for ``INT8_COLORSCALE``."""
    v = np.asarray(values, np.float32)
    codes = np.rint(np.clip(v, -1, 1) * 127)
    codes[np.isnan(v)] = EMPTY
    return codes.astype(np.int8)


def _heatmap(z_int8, **kw):
    return {"type": "heatmap", "z": z_int8, "zmin": -128, "zmax": 127, "colorscale": INT8_COLORSCALE,
            "showscale": False, "hoverinfo": "skip", **kw}


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


def class_image(probs, discretize=False):
    """RGB uint8 image (res, res, 3) of class regions: the likeliest class's colour, paler where unsure."""
    colors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in CLASS_COLORS], np.float32)
    k = probs.shape[-1]
    rgb = colors[probs.argmax(axis=-1) % len(colors)]
    if discretize:
        strength = np.float32(0.85)  # as solid as the surest shade
    else:  # confidence 1/k (a guess) -> white, 1 -> 85 % of the class colour
        strength = 0.85 * np.clip((probs.max(axis=-1, keepdims=True) - 1 / k) / (1 - 1 / k), 0, 1)
    return np.rint(255 - strength * (255 - rgb)).astype(np.uint8)


def value_image(values):
    """RGB uint8 image of values in [-1, 1] (clipped; NaN as 0) on the shared scale: orange, grey, blue."""
    ends = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in (NEG_COLOR, ZERO_COLOR, POS_COLOR)],
                    np.float32)
    v = np.nan_to_num(np.clip(np.asarray(values, np.float32), -1, 1))[..., None]
    return np.rint(ends[1] + np.abs(v) * (np.where(v < 0, ends[0], ends[2]) - ends[1])).astype(np.uint8)


def output_image(grid, kind, discretize=False):
    """The output picture as an RGB uint8 image, top row the highest x2: class regions (multi-class), or the
    shade of P(class 1) or of the predicted value.  ``grid`` as ``pictures.pictures`` gives it."""
    if kind == "multiclass":
        rgb = class_image(grid, discretize)
    else:
        v = 2 * np.asarray(grid) - 1 if kind == "binary" else np.asarray(grid)
        rgb = value_image(np.sign(v) if discretize else v)
    return np.ascontiguousarray(rgb[::-1])


def boundary_figure(grid, extent, X_train, y_train, X_test=None, y_test=None, *, kind="binary",
                    show_test=False, discretize=False, height=420):
    """The output over the data plane with the data points on top.

    grid: (res, res) P(class 1) for ``binary``, predicted value for
    ``regression``; (res, res, k) class probabilities for ``multiclass``.
    Row i is x2 = linspace(*extent, res)[i], column j is x1.  ``discretize``
    shows the predicted class (or the sign) instead of shades.
    """
    lo, hi = extent
    step = (hi - lo) / (grid.shape[0] - 1)
    place = {"x0": lo, "dx": step, "y0": lo, "dy": step}
    if kind == "multiclass":
        background = {"type": "image", "z": class_image(grid, discretize), "hoverinfo": "skip", **place}
    else:
        z = 2 * grid - 1 if kind == "binary" else grid
        background = _heatmap(to_int8(np.sign(z) if discretize else z), opacity=0.85, **place)
    data = [background, _points(X_train, y_train, kind, "train")]
    if show_test and X_test is not None and len(X_test):
        data.append(_points(X_test, y_test, kind, "test", test=True))
    return _figure(data, height, **_plane_axes(extent))


LINK_BINS = 4
LINK_WIDTHS = (0.7, 2.4, 4.1, 5.8)  # px, by bin of |w| relative to the largest weight


def link_width_bins(w):
    """Width bin (0..LINK_BINS-1) of each weight: |w| relative to the largest |w|."""
    w = np.abs(np.asarray(w, np.float32))
    biggest = float(w.max(initial=0.0)) or 1.0
    return np.minimum((LINK_BINS * w / biggest).astype(int), LINK_BINS - 1)


def _cell_edges(counts, r, gap):
    """Edges of a canvas axis: per block r unit cells then one gap cell ``gap`` wide; block starts."""
    edges, starts, pos = [0.0], [], 0.0
    for _ in range(counts):
        starts.append(pos)
        edges += [pos + i for i in range(1, r + 1)] + [pos + r + gap]
        pos += r + gap
    return np.array(edges[:-1], np.float32), starts  # the last gap is not needed


NETWORK_ASPECT = 1.45  # width / height of the network panel at a usual page width
NETWORK_WIDTH = 660  # its width in pixels there


class NetworkLayout(NamedTuple):
    """Where the network diagram puts things, in units of thumbnail cells (y grows downwards).

    ``node_xy[l][i]`` is the top-left corner of node i of layer l; ``cells[l][i]``
    the (row, column) of its block on the canvas whose cell edges are
    ``x_edges`` and ``y_edges``; ``x_range`` and ``y_range`` (top last) frame
    the diagram; ``height`` is its height in pixels at ``NETWORK_WIDTH``.
    """
    r: int
    node_xy: list
    cells: list
    x_edges: np.ndarray
    y_edges: np.ndarray
    x_range: list
    y_range: list
    height: int


def network_layout(sizes, r, max_height=460):
    """The layout of a diagram of layers of ``sizes`` nodes drawn as r x r thumbnails.

    Columns of nodes, each centred (in whole rows) on the tallest; the gaps
    between layers shrink (down to 1.8 thumbnails) as a deep network would
    otherwise turn into a thin strip, and a wide, shallow diagram takes less
    than ``max_height``.
    """
    gap_y = 0.45 * r
    column_height = max(sizes) * r + (max(sizes) - 1) * gap_y
    gap_x = r * float(np.clip((NETWORK_ASPECT * column_height / r - len(sizes)) / max(len(sizes) - 1, 1), 1.8, 3.0))
    x_edges, col_x = _cell_edges(len(sizes), r, gap_x)
    y_edges, row_y = _cell_edges(max(sizes), r, gap_y)
    rows = [[(max(sizes) - k) // 2 + i for i in range(k)] for k in sizes]
    cells = [[(row * (r + 1), l * (r + 1)) for row in column] for l, column in enumerate(rows)]
    node_xy = [[(col_x[l], row_y[row]) for row in column] for l, column in enumerate(rows)]
    x_range = [-r * 0.3, float(x_edges[-1]) + r * 0.3]
    y_range = [float(y_edges[-1]) + r * 0.6, -r * 0.3]
    fits = NETWORK_WIDTH * (y_range[0] - y_range[1]) / (x_range[1] - x_range[0]) + 8
    return NetworkLayout(r, node_xy, cells, x_edges, y_edges, x_range, y_range, int(min(max_height, max(fits, 200))))


def network_links(layout, weights):
    """Every link of the diagram: x and y of its two ends, (m, 2) each, and its weight (m,), layer by layer
    in the order of ``W.ravel()`` (from the right edge of node i to the left edge of node j, mid-height)."""
    r, node_xy = layout.r, layout.node_xy
    link_x, link_y, link_w = [], [], []
    for l, w in enumerate(weights):
        (x0, x1) = node_xy[l][0][0] + r, node_xy[l + 1][0][0]
        ys0 = np.array([y for _, y in node_xy[l]], np.float32) + r / 2
        ys1 = np.array([y for _, y in node_xy[l + 1]], np.float32) + r / 2
        link_y.append(np.stack(np.broadcast_arrays(ys0[:, None], ys1[None, :]), -1).reshape(-1, 2))
        link_x.append(np.broadcast_to([x0, x1], (w.size, 2)))
        link_w.append(np.asarray(w, np.float32).ravel())
    return np.vstack(link_x), np.vstack(link_y), np.concatenate(link_w)


def network_figure(layer_labels, weights, thumbnails, *, height=460):
    """The network diagram: a small activation heatmap per node, links coloured by weight sign.

    layer_labels: node labels per layer; weights: W (n_in, n_out) per layer;
    thumbnails: (r, r, n_nodes) per layer, values in [-1, 1].  All thumbnails
    go into ONE int8 canvas (one block of cells per layer and node, wide gap
    cells between them, transparent), drawn as a single heatmap; links are
    grouped into a few traces by sign and width, with the weights on hover.
    ``height`` is the most the figure takes (see ``network_layout``).
    """
    r = thumbnails[0].shape[0]
    layout = network_layout([len(labels) for labels in layer_labels], r, height)
    x_edges, y_edges, node_xy = layout.x_edges, layout.y_edges, layout.node_xy
    canvas = np.full((len(y_edges) - 1, len(x_edges) - 1), EMPTY, np.int8)
    for cells, thumbs in zip(layout.cells, thumbnails):
        for i, (row, col) in enumerate(cells):
            canvas[row:row + r, col:col + r] = to_int8(thumbs[::-1, :, i])  # x2 grows upwards
    data = [_heatmap(canvas, x=x_edges, y=y_edges)]

    link_x, link_y, link_w = network_links(layout, weights)
    width_bin = link_width_bins(link_w)
    for positive in (False, True):
        for b in range(LINK_BINS):
            pick = ((link_w >= 0) == positive) & (width_bin == b)
            if pick.any():  # segments separated by NaN gaps
                xs = np.column_stack([link_x[pick], np.full(pick.sum(), np.nan)]).astype(np.float32).ravel()
                ys = np.column_stack([link_y[pick], np.full(pick.sum(), np.nan)]).astype(np.float32).ravel()
                data.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "hoverinfo": "skip",
                             "line": {"color": POS_COLOR if positive else NEG_COLOR, "width": LINK_WIDTHS[b]},
                             "opacity": 0.75})
    names = [f"{a} → {b}" for l in range(len(weights)) for a in layer_labels[l] for b in layer_labels[l + 1]]
    data.append({"type": "scatter", "x": link_x.mean(axis=1).astype(np.float32),
                 "y": link_y.mean(axis=1).astype(np.float32), "mode": "markers",
                 "marker": {"size": 10, "color": "rgba(0,0,0,0)"}, "customdata": link_w, "text": names,
                 "hovertemplate": "w(%{text}) = %{customdata:.3f}<extra></extra>"})
    flat = [xy for column in node_xy for xy in column]
    data.append({"type": "scatter", "x": np.array([x + r / 2 for x, _ in flat], np.float32),
                 "y": np.array([y + r + 0.2 * r for _, y in flat], np.float32), "mode": "text",
                 "text": [t for labels in layer_labels for t in labels], "textfont": {"size": 10},
                 "hoverinfo": "skip"})
    return _figure(data, layout.height, margin={"l": 4, "r": 4, "t": 4, "b": 4}, hovermode="closest",
                   xaxis={"visible": False, "range": layout.x_range, "fixedrange": True},
                   yaxis={"visible": False, "range": layout.y_range, "fixedrange": True, "scaleanchor": "x"})


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

TRAIN_LINE = {"color": "#222", "width": 2}  # as in the live loss chart: training solid, test dashed
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
