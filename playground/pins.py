"""Pinned runs: what is kept of a run to compare it with others, as JSON text and read back as untrusted input.

A pinned run is a dict (``pinned`` makes one):

* ``name``: "Run" and a number, e.g. "Run 3" (only such names are read back: a name is shown in a
  chart's legend, where Plotly reads HTML tags);
* ``config``: a valid configuration (``params.py``);
* ``numbers``: the run's metrics when pinned (``Trainer.latest``: ``HISTORY_COLUMNS`` -> number, NaN where
  one does not apply, such as R² for classes); ``epoch`` an int;
* ``own_data``: True if it trained on the user's points (which are not kept: restoring it uses the
  configured dataset);
* ``curve``: its loss history, float64 (m, 3): epoch, train loss, test loss, at most ``CURVE_POINTS`` rows;
* ``picture``: its output over the plane as a thumbnail, uint8 RGB ``(PICTURE, PICTURE, 3)``, top row first
  (JSON: the bytes in hex), or None (a pin stored before thumbnails were kept).

``to_json(pins, made)`` writes ``{"made": made, "pins": [...]}`` (``made``: runs pinned so far, which
numbers the next), settings as URL text (``params.encode``), NaN as null.  The browser keeps that text for
its tab (``ui/pin_store.py``), where anything may have written it, so ``from_json`` trusts none of it, as
``Experiment.from_json`` reads a model file: the size is bounded, JSON's NaN and Infinity are refused,
every field must have its type, every number be finite, a curve be at most ``CURVE_POINTS`` rows of 3,
settings go through ``params.decode`` (a bad one falls back to its default with a warning).  A pin that
fails is dropped with a warning naming it by position; text that gives no list of pins at all raises
ValueError.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from nn_core.records import HISTORY_COLUMNS
from nn_core.text import capped, clipped, shown

from . import params
from .experiment import MAX_EPOCH
from .params import _is_number

MAX_PINNED = 10  # pinned runs kept; pinning one more drops the oldest
CURVE_POINTS = 400  # loss history rows kept per pinned run
HEX = re.compile(r"[0-9a-f]*")
NAME = re.compile(r"Run [1-9][0-9]{0,8}")  # the names pinning gives (a chart's legend would read HTML in others)
MAX_BYTES = 1_000_000  # room for MAX_PINNED runs of CURVE_POINTS rows and their thumbnails (bench/README.md)
PICTURE = 24  # a thumbnail's pixels a side
FIELDS = {"name", "config", "numbers", "own_data", "curve"}  # and "picture", which older pins lack


def pinned(name, config, trainer, own_data, picture=None):
    """The pinned run of ``trainer`` now, trained with ``config`` (on the user's points if ``own_data``), with
    ``picture``, its output's thumbnail (uint8 RGB ``(PICTURE, PICTURE, 3)``)."""
    if picture is not None:
        picture = np.asarray(picture, np.uint8)
        if picture.shape != (PICTURE, PICTURE, 3):
            raise ValueError(f"a pin's picture is {PICTURE} x {PICTURE} RGB; got {picture.shape}")
    return {"name": name, "config": dict(config), "numbers": dict(trainer.latest), "own_data": own_data,
            "curve": trainer.loss_curve(CURVE_POINTS), "picture": picture}


def _number(x):
    """A metric as JSON: a float, or null for NaN."""
    return None if math.isnan(x) else float(x)


def to_json(pins, made):
    """The pinned runs as JSON text (see the module docstring)."""
    return json.dumps({"made": made, "pins": [
        {"name": p["name"], "config": params.encode(p["config"]), "own_data": bool(p["own_data"]),
         "numbers": {k: int(v) if k == "epoch" else _number(v) for k, v in p["numbers"].items()},
         "curve": [[_number(x) for x in row] for row in p["curve"]],
         "picture": None if p["picture"] is None else p["picture"].tobytes().hex()} for p in pins]}, allow_nan=False)


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def from_json(text):
    """The pinned runs in JSON text from anywhere: ``(pins, made, warnings)``.

    ``warnings`` are plain sentences (at most a few, then a count) for pins dropped and settings replaced.
    Raises ValueError with a message for the user when the text gives no list of pins.
    """
    if not isinstance(text, (str, bytes)):
        raise ValueError(f"expected text, got {type(text).__name__}")
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_BYTES:
        raise ValueError(f"it is {len(data):,} bytes, over the limit of {MAX_BYTES:,}")
    try:
        doc = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except ValueError as e:  # not JSON, not UTF-8, NaN or Infinity, an integer of over 4300 digits
        raise ValueError(f"it is not JSON text ({clipped(str(e), 120)})") from None
    if not (isinstance(doc, dict) and isinstance(doc.get("pins"), list)):
        raise ValueError("expected a JSON object with a list of 'pins'")
    pins, warnings = [], []
    if len(doc["pins"]) > MAX_PINNED:
        warnings.append(f"Only the last {MAX_PINNED} of {len(doc['pins']):,} pinned runs are kept.")
    for i, item in enumerate(doc["pins"][-MAX_PINNED:], 1):
        try:
            pin, notes = _pin(item)
        except ValueError as e:
            warnings.append(f"Pinned run {i} was dropped: {e}.")
            continue
        pins.append(pin)
        warnings += [f"{pin['name']}: {note}" for note in notes]
    made = doc.get("made")
    if not (isinstance(made, int) and not isinstance(made, bool) and len(pins) <= made <= MAX_EPOCH):
        made = len(pins)
    return pins, made, capped(warnings)


def _pin(item):
    """One pinned run from its JSON value, and the warnings of its settings; ValueError if it is not one."""
    if not isinstance(item, dict) or set(item) - {"picture"} != FIELDS:
        raise ValueError("expected an object with name, config, numbers, own_data, curve and picture")
    name = item["name"]
    if not (isinstance(name, str) and NAME.fullmatch(name)):
        raise ValueError(f"its name must be Run and a number, as pinning names it; got {shown(name)}")
    if not isinstance(item["config"], dict):
        raise ValueError("its config must be an object of settings")
    config, notes = params.decode(item["config"], max_warnings=None)
    if not isinstance(item["own_data"], bool):
        raise ValueError("own_data must be true or false")
    return {"name": name, "config": config, "numbers": _numbers(item["numbers"]), "own_data": item["own_data"],
            "curve": _curve(item["curve"]), "picture": _picture(item.get("picture"))}, notes


def _numbers(value):
    """The metrics of a pin: an object of ``HISTORY_COLUMNS``, finite numbers or null (NaN)."""
    if not isinstance(value, dict) or set(value) != set(HISTORY_COLUMNS):
        raise ValueError(f"its numbers must be an object of {', '.join(HISTORY_COLUMNS)}")
    epoch = value["epoch"]
    if not (isinstance(epoch, int) and not isinstance(epoch, bool) and 0 <= epoch <= MAX_EPOCH):
        raise ValueError(f"its epoch must be an integer in [0, {MAX_EPOCH:,}]")
    numbers = {"epoch": epoch}
    for name in HISTORY_COLUMNS[1:]:
        x = value[name]
        if x is not None and not _is_number(x):
            raise ValueError(f"its {name} must be a finite number or null; got {shown(x)}")
        numbers[name] = math.nan if x is None else float(x)
    return numbers


def _picture(value):
    """A pin's thumbnail from its hex text (None stays None: no thumbnail)."""
    if value is None:
        return None
    size = PICTURE * PICTURE * 3
    if not (isinstance(value, str) and len(value) == 2 * size and HEX.fullmatch(value)):
        raise ValueError(f"its picture must be {size:,} bytes in hex, or null")
    return np.frombuffer(bytes.fromhex(value), np.uint8).reshape(PICTURE, PICTURE, 3).copy()


def _curve(value):
    """A pin's loss curve: at most ``CURVE_POINTS`` rows of [epoch, train loss, test loss] (losses may be null)."""
    if not (isinstance(value, list) and len(value) <= CURVE_POINTS and all(
            isinstance(row, list) and len(row) == 3 and _is_number(row[0]) and row[0] >= 0
            and all(x is None or _is_number(x) for x in row[1:]) for row in value)):
        raise ValueError(f"its curve must be at most {CURVE_POINTS} rows of an epoch and two losses")
    rows = [[math.nan if x is None else float(x) for x in row] for row in value]
    return np.array(rows, np.float64).reshape(-1, 3)
