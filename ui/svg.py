"""SVG pictures for the live view while training plays.

A Plotly chart is re-mounted in the browser on every update, which costs the
browser tens of milliseconds per chart and caps the update rate; an image costs
almost nothing to show.  So while playing, the network diagram, the output and
the loss curves are SVG images drawn here, in the layout and colours of the
Plotly figures of ``figures.py``, which take over (with hover) as soon as
training pauses.

SVG keeps the server's share small, which is what lets one server carry many
playing sessions: the smooth colour fields (the output over the plane, every
neuron's thumbnail) go in as one small JPEG each, at the grid's own
resolution, which the browser stretches smoothly; points, links, lines and
labels are vector shapes the browser draws sharp at any size.  Building the
three pictures is string formatting plus two small JPEGs, about 3 ms per
update for the default network (Pillow drawing and encoding full-size
pictures took 11).

Every builder returns the SVG markup; ``data_url`` makes it an ``st.image`` source.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from . import figures
from .figures import CLASS_COLORS, LINK_WIDTHS, colorize

FONT = f'font-family="{figures.FONT["family"]}"'
TEXT_COLOR = figures.FONT["color"]
GRID_COLOR = "#e4e4e4"
JPEG_QUALITY = 92
UNIT = 10  # drawing units per pixel: coordinates are whole tenths of a pixel, formatted as ints (5x faster)


def data_url(svg):
    """SVG markup as a ``data:`` URL, which ``st.image`` passes to the browser inline."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def jpeg_url(rgb):
    """An RGB uint8 (h, w, 3) array as a JPEG ``data:`` URL (no chroma subsampling: sharp colour edges)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _units(pixels):
    """Pixel positions as a list of int drawing units."""
    return np.rint(np.asarray(pixels, np.float64) * UNIT).astype(np.int64).tolist()


def _svg(width, height, body):
    """An SVG document ``width`` x ``height`` pixels drawn in ``UNIT``s."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width * UNIT:.0f} {height * UNIT:.0f}" {FONT}>{"".join(body)}</svg>')


def _points(xy, labels, kind, radius, shape, outline, stroke):
    """Data points at pixel positions ``xy`` (n, 2): circles or diamonds, coloured by class (or value)."""
    if kind == "regression":
        colors = [f"rgb({r},{g},{b})" for r, g, b in colorize(labels).tolist()]
    else:
        colors = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in np.asarray(labels, np.int64).tolist()]
    r = radius * UNIT
    if shape == "circle":
        marks = [f'<circle cx="{x}" cy="{y}" r="{r}" fill="{c}"/>' for (x, y), c in zip(_units(xy), colors)]
    else:  # a diamond around (x, y)
        marks = [f'<path d="M{x} {y - r}l{r} {r} {-r} {r} {-r} {-r}z" fill="{c}"/>'
                 for (x, y), c in zip(_units(xy), colors)]
    return f'<g stroke="{outline}" stroke-width="{stroke * UNIT:.0f}">{"".join(marks)}</g>'


def boundary_svg(grid, extent, X_train, y_train, X_test=None, y_test=None, *, kind="binary", show_test=False,
                 discretize=False, size=420):
    """The output picture: the same content as ``figures.boundary_figure``, without axes.

    The grid's values sit at ``linspace(*extent, res)`` on both axes, so its
    JPEG is placed half a cell beyond the frame on every side (and clipped):
    each cell's centre lands exactly on its point of the plane.
    """
    if kind == "multiclass":
        rgb, opacity = figures.class_image(grid, discretize), 1.0
    else:
        z = 2 * grid - 1 if kind == "binary" else grid
        rgb, opacity = colorize(np.sign(z) if discretize else z), 0.85
    S = size * UNIT
    half_cell = S / (grid.shape[0] - 1) / 2
    lo, hi = extent

    def to_px(X):
        return (np.asarray(X, np.float64) - lo) / (hi - lo) * [size, -size] + [0, size]

    body = [f'<rect width="{S}" height="{S}" fill="white"/>',
            f'<image href="{jpeg_url(rgb[::-1])}" x="{-half_cell:.0f}" y="{-half_cell:.0f}" '
            f'width="{S + 2 * half_cell:.0f}" height="{S + 2 * half_cell:.0f}" preserveAspectRatio="none" '
            f'opacity="{opacity}"/>',
            _points(to_px(X_train), y_train, kind, 3, "circle", "white", 1)]
    if show_test and X_test is not None and len(X_test):
        body.append(_points(to_px(X_test), y_test, kind, 4, "diamond", "black", 1.2))
    body.append(f'<rect x="5" y="5" width="{S - 10}" height="{S - 10}" fill="none" stroke="#c8c8c8" '
                f'stroke-width="{UNIT}"/>')
    return _svg(size, size, body)


def network_svg(layer_labels, weights, thumbnails, *, max_height=460):
    """The network diagram, laid out as ``figures.network_figure`` (``figures.network_layout``).

    All thumbnails are one JPEG strip, each tile padded by a copy of its edge
    pixels so that the browser's smoothing never blends in a neighbour; every
    node shows its tile through a nested ``<svg>`` whose viewBox selects it.
    """
    r = thumbnails[0].shape[0]
    layout = figures.network_layout([len(labels) for labels in layer_labels], r, max_height)
    (x_lo, x_hi), (y_hi, y_lo) = layout.x_range, layout.y_range  # y grows downwards: y_lo is the top
    width, height = figures.NETWORK_WIDTH, layout.height
    scale = min(width / (x_hi - x_lo), height / (y_hi - y_lo))  # pixels per layout unit: all of it fits
    x_off, y_off = (width - (x_hi - x_lo) * scale) / 2, (height - (y_hi - y_lo) * scale) / 2  # centred

    def to_px(x, y):
        return (np.asarray(x) - x_lo) * scale + x_off, (np.asarray(y) - y_lo) * scale + y_off

    tiles = np.concatenate([t[::-1].transpose(2, 0, 1) for t in thumbnails])  # (nodes, r, r), x2 upwards
    tiles = np.pad(tiles, ((0, 0), (1, 1), (1, 1)), mode="edge")
    strip = colorize(tiles.transpose(1, 0, 2).reshape(r + 2, -1))
    body = [f'<defs><image id="tiles" href="{jpeg_url(strip)}" width="{strip.shape[1]}" height="{r + 2}"/></defs>']
    link_x, link_y, link_w = figures.network_links(layout, weights)
    x, y = to_px(link_x, link_y)
    ends = np.column_stack([_units(x), _units(y)]).tolist()  # x0, x1, y0, y1 per link
    width_bin = figures.link_width_bins(link_w)
    for positive in (False, True):
        for b in range(figures.LINK_BINS):
            pick = np.flatnonzero(((link_w >= 0) == positive) & (width_bin == b)).tolist()
            if pick:
                d = "".join("M{0} {2}L{1} {3}".format(*ends[i]) for i in pick)
                body.append(f'<path d="{d}" stroke="{figures.POS_COLOR if positive else figures.NEG_COLOR}" '
                            f'stroke-width="{LINK_WIDTHS[b] * UNIT:.0f}" stroke-opacity="0.75" fill="none"/>')
    side = round(r * scale * UNIT)
    corners = np.array([xy for column in layout.node_xy for xy in column], np.float64)
    left, top = to_px(corners[:, 0], corners[:, 1])
    labels = [label for column in layer_labels for label in column]
    for k, (x, y, cx, ty, label) in enumerate(zip(_units(left), _units(top), _units(left + r * scale / 2),
                                                  _units(top + 1.2 * r * scale), labels)):
        body.append(f'<svg x="{x}" y="{y}" width="{side}" height="{side}" viewBox="{k * (r + 2) + 1} 1 {r} {r}" '
                    f'preserveAspectRatio="none"><use href="#tiles"/></svg>'
                    f'<text x="{cx}" y="{ty}" text-anchor="middle" dominant-baseline="central">{_escape(label)}</text>')
    body = [f'<g font-size="{10 * UNIT}" fill="{TEXT_COLOR}">', *body, "</g>"]
    return _svg(width, height, body)


def _escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_ticks(lo, hi, count=5):
    """Round tick values in [lo, hi] and their labels: steps of 1, 2 or 5 times a power of ten, about
    ``count`` of them, labelled with as many decimals as the step needs (thousands separated), or in
    scientific notation for very large or very small values."""
    raw = hi / count - lo / count  # (hi - lo) / count, without overflow near the largest float
    power = 10 ** np.floor(np.log10(raw))
    step = power * min(s for s in (1, 2, 5, 10) if s * power >= raw)
    ticks = np.arange(np.ceil(lo / step), np.floor(hi / step) + 1) * step + 0.0  # + 0.0: no -0
    step_digit = int(np.floor(np.log10(step) + 1e-9))  # the decimal place the ticks differ in
    top_digit = int(np.floor(np.log10(max(abs(ticks[0]), abs(ticks[-1]), step))))
    if -4 <= step_digit and top_digit < 7:
        return ticks, [f"{v:,.{max(0, -step_digit)}f}" for v in ticks]
    return ticks, [f"{v:.{top_digit - step_digit}e}" for v in ticks]  # a loss that diverges


def loss_svg(curve, *, width=420, height=220):
    """Train (solid) and test (dashed) loss over epochs, as ``figures.loss_figure``.

    ``curve`` is an (m, 3) array of epoch, train loss and test loss (NaN where
    there is none, e.g. without a test set); non-finite values leave gaps.
    """
    left, right, top, bottom = 48, 10, 26, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    epochs, losses = curve[:, 0], curve[:, 1:]
    finite = losses[np.isfinite(losses)]
    y_lo, y_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * y_hi - 0.05 * y_lo  # halves and twentieths: a diverging loss can be near the largest float
    if not pad > 1e-12 * max(abs(y_lo), abs(y_hi), 1e-300):  # flat: a range around the value
        pad = max(abs(y_hi) * 0.05, 0.5)
    biggest = np.finfo(np.float64).max
    y_lo, y_hi = max(y_lo - pad, -biggest), min(y_hi + pad, biggest)
    x_lo, x_hi = (float(epochs[0]), float(epochs[-1])) if len(epochs) else (0.0, 1.0)
    x_hi = max(x_hi, x_lo + 1)

    def sx(v):
        return left + (np.asarray(v, np.float64) - x_lo) / (x_hi - x_lo) * plot_w

    def sy(v):
        return top + (y_hi / 2 - np.asarray(v, np.float64) / 2) / (y_hi / 2 - y_lo / 2) * plot_h

    U = UNIT
    body = [f'<rect x="{left * U}" y="{top * U}" width="{plot_w * U}" height="{plot_h * U}" fill="white"/>']
    grid, labels = [], []
    y_ticks, y_labels = nice_ticks(y_lo, y_hi)
    x_ticks, x_labels = nice_ticks(x_lo, x_hi)
    for y, label in zip(_units(sy(y_ticks)), y_labels):
        grid.append(f"M{left * U} {y}h{plot_w * U}")
        labels.append(f'<text x="{(left - 4) * U}" y="{y}" text-anchor="end" dominant-baseline="central">'
                      f"{label}</text>")
    for x, label in zip(_units(sx(x_ticks)), x_labels):
        grid.append(f"M{x} {top * U}v{plot_h * U}")
        labels.append(f'<text x="{x}" y="{(top + plot_h + 14) * U}" text-anchor="middle">{label}</text>')
    body += [f'<path d="{"".join(grid)}" stroke="{GRID_COLOR}" stroke-width="{U}" fill="none"/>', *labels,
             f'<text x="{(left + plot_w / 2) * U:.0f}" y="{(height - 4) * U}" text-anchor="middle">epoch</text>',
             f'<text transform="translate({12 * U} {(top + plot_h / 2) * U:.0f}) rotate(-90)" '
             f'text-anchor="middle">loss</text>']
    styles = [("train", figures.TRAIN_COLOR, ""), ("test", figures.POS_COLOR, f' stroke-dasharray="{6 * U} {4 * U}"')]
    legend_x = left
    for values, (name, color, dash) in zip(losses.T, styles):
        ok = np.isfinite(values)
        if not ok.any():
            continue
        xs, ys = _units(sx(epochs[ok])), _units(sy(values[ok]))
        starts = np.flatnonzero(np.diff(np.flatnonzero(ok), prepend=-2) != 1).tolist()  # a gap before
        d = "".join(("M" if i in starts else "L") + f"{x} {y}" for i, (x, y) in enumerate(zip(xs, ys)))
        body.append(f'<path d="{d}" stroke="{color}" stroke-width="{2 * U}" fill="none"{dash}/>'
                    f'<path d="M{legend_x * U} {10 * U}h{24 * U}" stroke="{color}" stroke-width="{2 * U}"{dash}/>'
                    f'<text x="{(legend_x + 30) * U}" y="{10 * U}" dominant-baseline="central">{name}</text>')
        legend_x += 80
    return _svg(width, height, [f'<g font-size="{11 * UNIT}" fill="{TEXT_COLOR}">', *body, "</g>"])
