"""The guard of the callbacks that components call: what a browser sends is checked, what slips through is told.

A component's trigger value (the live view's ``need``, ``edit``, ``add_point``, ``toggle_neuron``, the pin
keeper's ``stored``, a Plotly selection) is whatever JSON a client sent: any type, NaN, Infinity, a
400-digit integer, ``true`` where a number was meant (``True == 1`` in Python).  Callbacks check each value
with ``whole`` and ``number`` before use, and are wrapped in ``guarded``: a callback runs before the script,
outside app.py's guard, so anything it raises would show Streamlit's traceback.
"""

from __future__ import annotations

import functools
import logging

from streamlit.elements.plotly_chart import PlotlyChartSelectionSerde

from nn_core.datasets import EXTENT

from . import state

PLANE_MARGIN = 1.0  # a point a browser reports may lie this far off the plane (rounding, a box dragged past it)


def whole(value, lo, hi):
    """Whether ``value`` is an int (not a bool, not a float) in [lo, hi]."""
    return type(value) is int and lo <= value <= hi


def number(value, lo, hi):
    """Whether ``value`` is an int or a float (not a bool) in [lo, hi], finite bounds: NaN, inf and
    integers too large for a float fail the comparison."""
    return type(value) in (int, float) and lo <= value <= hi


def on_plane(*coordinates):
    """Whether every coordinate is a number on the data plane (``EXTENT``), give or take ``PLANE_MARGIN``."""
    return all(number(c, EXTENT[0] - PLANE_MARGIN, EXTENT[1] + PLANE_MARGIN) for c in coordinates)


def guarded(what):
    """A decorator: the callback, with whatever it raises logged and told as the app's own message about
    ``what`` (e.g. "the click on the picture"), never a traceback."""
    def wrap(callback):
        @functools.wraps(callback)
        def run():
            try:
                callback()
            except Exception:
                logging.getLogger("nn_playground").exception("%s failed", callback.__name__)
                state.notify("error", f"Something went wrong on our side with {what}; the playground carries on.")
        return run
    return wrap


def harden_plotly_selections():
    """Make Streamlit's reading of a Plotly chart's selection total: text that is no JSON object with a
    ``selection`` object (``null``, ``{bad``, ``{"selection": 5}``) reads as the empty selection.

    Streamlit 1.67 reads the selection a browser sends before any callback of ours runs, and raises on such
    text, which would end the run with Streamlit's own error.  Once per process; the selections it reads
    are then checked value by value (``panels._drawn_points``).
    """
    serde = PlotlyChartSelectionSerde
    if getattr(serde.deserialize, "total", False):
        return
    deserialize = serde.deserialize

    @functools.wraps(deserialize)
    def total(self, ui_value):
        try:
            selection_state = deserialize(self, ui_value)
            if isinstance(selection_state["selection"], dict):
                return selection_state
        except (ValueError, TypeError, KeyError):
            pass
        return deserialize(self, None)

    total.total = True
    serde.deserialize = total
