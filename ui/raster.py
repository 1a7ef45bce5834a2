"""Raster pictures for the live view while training plays.

A Plotly chart is re-mounted in the browser on every update, which costs the
browser tens of milliseconds per chart and caps the update rate; an image costs
almost nothing to show.  So while playing, the network diagram and the output
are drawn here with Pillow (Streamlit's own dependency) in the same colours
and layout as the interactive Plotly figures of ``figures.py``, which take over
(with hover) as soon as training pauses.  They are JPEG: a few milliseconds to
encode and a few tens of kilobytes, where PNG of these smooth gradients is
several times larger and slower.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .figures import CLASS_COLORS, LINK_WIDTHS, NEG_COLOR, POS_COLOR, class_image, colorize, link_width_bins

ASCII = str.maketrans({"₁": "1", "₂": "2", "²": "^2"})  # the bundled font has no sub/superscripts
SCALE = 1  # drawing scale (2 would supersample: smoother, 3-4x slower)
QUALITY = 88


def _jpeg(img, size):
    if img.size != size:
        img = img.resize(size, Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=QUALITY)
    return buf.getvalue()


def data_url(jpeg):
    """JPEG bytes as a ``data:`` URL, which ``st.image`` passes to the browser inline."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _font(px):
    return ImageFont.load_default(size=px)


def boundary_png(grid, extent, X_train, y_train, X_test=None, y_test=None, *, kind="binary", show_test=False,
                 discretize=False, size=420):
    """The output picture as JPEG bytes: the same content as ``figures.boundary_figure``, no axes."""
    if kind == "multiclass":
        rgb = class_image(grid, discretize)
    else:
        z = 2 * grid - 1 if kind == "binary" else grid
        rgb = colorize(np.sign(z) if discretize else z)
    S = size * SCALE
    img = Image.fromarray(rgb[::-1]).resize((S, S), Image.BILINEAR)  # row 0 is the lowest x2
    draw = ImageDraw.Draw(img)
    lo, hi = extent

    def to_px(X):
        return (np.asarray(X) - lo) / (hi - lo) * np.array([S, -S]) + np.array([0, S])

    def color(v):
        if kind == "regression":
            return tuple(int(c) for c in colorize(v))
        return CLASS_COLORS[int(v) % len(CLASS_COLORS)]

    r = 3.5 * SCALE
    for (x, y), v in zip(to_px(X_train), y_train):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color(v), outline="white", width=SCALE)
    if show_test and X_test is not None:
        for (x, y), v in zip(to_px(X_test), y_test):
            draw.polygon([(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)], fill=color(v),
                         outline="black", width=SCALE)
    draw.rectangle([0, 0, S - 1, S - 1], outline=(200, 200, 200), width=SCALE)
    return _jpeg(img, (size, size))


def network_png(layer_labels, weights, thumbnails, *, width=680, height=460):
    """The network diagram as JPEG bytes: thumbnails per node, links by sign and |w| (as ``network_figure``)."""
    W, H = width * SCALE, height * SCALE
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    sizes = [len(labels) for labels in layer_labels]
    node = int(min(44 * SCALE, (H - 20 * SCALE) / max(sizes) * 0.72))
    step_y = node * 1.38
    step_x = (W - node - 8 * SCALE) / max(len(sizes) - 1, 1)
    xy = [[(4 * SCALE + l * step_x, (H - step_y * k) / 2 + i * step_y) for i in range(k)]
          for l, k in enumerate(sizes)]
    for l, w in enumerate(weights):
        bins = link_width_bins(w).ravel()
        for (i, j), b, v in zip(np.ndindex(w.shape), bins, np.asarray(w).ravel()):
            (x0, y0), (x1, y1) = xy[l][i], xy[l + 1][j]
            draw.line([(x0 + node, y0 + node / 2), (x1, y1 + node / 2)], fill=POS_COLOR if v >= 0 else NEG_COLOR,
                      width=max(1, round(LINK_WIDTHS[b] * SCALE)))
    font = _font(10 * SCALE)
    for column, labels, thumbs in zip(xy, layer_labels, thumbnails):
        for (x, y), label, i in zip(column, labels, range(len(labels))):
            tile = Image.fromarray(colorize(thumbs[::-1, :, i])).resize((node, node), Image.BILINEAR)
            img.paste(tile, (int(x), int(y)))
            draw.text((x + node / 2, y + node + 2 * SCALE), label.translate(ASCII), fill=(60, 60, 60), font=font,
                      anchor="mt")
    return _jpeg(img, (width, height))
