"""Thumbnails: a pinned run's (the output picture of its network, ``PICTURE`` pixels a side) and a dataset's
(its points, for the dataset picker's buttons)."""

from __future__ import annotations

import base64
import functools
import io

from PIL import Image

from nn_core.datasets import DATASETS, EXTENT, make_dataset
from playground.pins import PICTURE

from .figures import output_image, points_image

DATASET_PICTURE = 56  # px a side of a dataset's thumbnail
DATASET_POINTS = 300  # points drawn in it: enough to show the shape, few enough to leave white between them


def thumbnail(exp):
    """The output picture of the experiment's network over its grid, every few points (``figures.output_image``)."""
    out = exp.grid.activations(exp.net)[-1]
    grid = out if exp.kind == "multiclass" else out[..., 0]
    stride = max(1, len(grid) // PICTURE)
    return output_image(grid[::stride, ::stride][:PICTURE, :PICTURE], exp.kind, exp.config["discretize"])


def png_url(rgb, scale=1):
    """An RGB uint8 image ``(h, w, 3)`` as a PNG data URL (for an ``<img>`` or a CSS background), each pixel
    ``scale`` pixels a side."""
    image = Image.fromarray(rgb)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


@functools.cache
def dataset_thumbnail(name):
    """Dataset ``name``'s points without noise (seed 0, 3 classes for a multi-class one) as a PNG data URL,
    made once per process."""
    X, y = make_dataset(name, n_samples=DATASET_POINTS, noise=0.0, seed=0)
    return png_url(points_image(X, y, DATASETS[name].kind, DATASET_PICTURE, EXTENT))
