"""A pinned run's thumbnail: the output picture of its network, ``PICTURE`` pixels a side."""

from __future__ import annotations

from playground.pins import PICTURE

from .figures import output_image


def thumbnail(exp):
    """The output picture of the experiment's network over its grid, every few points (``figures.output_image``)."""
    out = exp.grid.activations(exp.net)[-1]
    grid = out if exp.kind == "multiclass" else out[..., 0]
    stride = max(1, len(grid) // PICTURE)
    return output_image(grid[::stride, ::stride][:PICTURE, :PICTURE], exp.kind, exp.config["discretize"])
