"""A batch of training snapshots: what the server sends the live view to draw, and how it is built.

A *snapshot* is a network as it was after one epoch: its parameters (float32,
in ``Network.params`` order: per layer the ``(n_in + 1, n_out)`` block
``[W; b]``, row-major) and that epoch's figures, a row of ``STATS``.  A *batch*
packs any number of them with a small JSON description of the picture
(``meta``, the *scene*), and optionally the data points and the loss history
so far.  This module is the one place both are declared: the byte layout
(``encode``, ``decode``, ``size``) and what a batch of an experiment holds
(``scene``, ``frame``, ``encode_frames``).  ``static/live_view/batch.js``
reads it in one function (``decodeBatch``), by name: the stats row's names
travel in the meta.

Layout (little-endian), every section starting at a multiple of 8 bytes::

    header   32 bytes: magic b"NNPG", then u32 version, meta_bytes, n_snapshots, n_params, n_points,
             n_curve, and 4 zero bytes
    meta     meta_bytes of UTF-8 JSON, padded with spaces to a multiple of 8
    stats    float64 (n_snapshots, len(STATS)): epoch, train loss, test loss, train accuracy, test accuracy,
             train R², test R² (NaN where there is none: no test set, accuracy in regression, R² in
             classification)
    params   float32 (n_snapshots, n_params)
    points   float32 (n_points, 3): x1, x2, label (class) or target; training points first
             (``meta["n_train"]`` of them), then test points.  n_points = 0: keep the points you have.
    curve    float64 (n_curve, 3): epoch, train loss, test loss of the history so far (thinned).
             n_curve = 0: keep the curve you have.

A default network (2-4-2-1, 25 parameters) costs 56 + 100 bytes per snapshot.

The meta of the app's batches (``scene``, ``encode_frames``):

* ``stats_names``: ``STATS``, the names of a stats row, in order;
* ``readout``: the numbers shown beside the picture (epoch, losses, accuracies or R², a race's losses), as
  ``[label, stat, racer]`` rows (``readout``), and ``readout_texts``: each frame's texts of them, formatted
  here and nowhere else (``readout_texts``, added by ``encode_frames``); ``progress`` (optional): ``[batches
  done, batches per epoch]`` of a paused network caught mid-epoch, which its epoch text adds;
* ``stream``: an id that changes when the training trajectory jumped (reset, a step, a restored epoch, an
  edited weight): the browser then drops its queue and takes the curve sent; ``playing``: the snapshots are
  played in turn (else the last one is the picture, at once); ``interactive``: clicks may edit a weight,
  switch a neuron or add a point (False: a picture to look at, as *Step back in time*'s);
* the network (``network_scene``): ``sizes``, ``activations`` (per hidden layer), ``off`` (``[layer, unit]``
  switched off, from 1), ``output`` (the output activation), ``features`` (input names), ``labels`` (node
  labels per layer), ``heads`` (per hidden layer its activation's label and dropout rate, for the layer's
  header), and with the ``custom`` feature ``formula`` (its postfix program, for ``formula.js``);
* ``edits``: the parameters a click in the picture may change, among ``features`` (an input node switches its
  feature) and ``hidden`` (``+``/``-`` layers and neurons): none in a race, in a picture to look at, or for a
  control the link hides; with ``features``, ``inputs`` lists every feature the parameter allows as
  ``[name, label]`` (the picture shows the off ones faded); ``limits``: the most hidden ``layers`` and
  ``neurons`` a layer may have (the picture's ``+`` stops there);
* ``kind`` (``binary``, ``multiclass``, ``regression``), ``extent`` (the plane's ``[lo, hi]``), ``n_train``
  (training points first among the points), ``show_test``, ``discretize``, ``present`` (presentation mode:
  larger, high contrast, keyboard shortcuts), ``data_id`` (an id of the
  points: the browser keeps the points it has while it holds these), ``add_points`` (a click on the plane
  adds a point), ``link`` (the query of the setup's short link, ``params.short_query``: *Save picture*
  prints it under the picture);
* a race only: ``racers`` (per racer its network's keys, its ``label`` and whether it ``diverged``; each
  snapshot then holds one row per racer, racer after racer), ``setting`` (the label of the setting raced)
  and ``curve_rows`` (rows of the curve per racer, racer after racer).
"""

from __future__ import annotations

import json
import math
import struct
from typing import NamedTuple

import numpy as np

from nn_core.activations import ACTIVATIONS
from nn_core.features import feature_label
from nn_core.formula import parse
from nn_core.text import clipped

from .params import MAX_LAYERS, MAX_NEURONS, PARAMS, short_query

MAGIC = b"NNPG"
VERSION = 1
HEADER = struct.Struct("<4s6I4x")  # magic, version, meta_bytes, n_snapshots, n_params, n_points, n_curve
STATS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "train_r2", "test_r2")  # in order
CURVE_POINTS = 400  # rows of loss history sent when the browser needs the whole curve
PICTURE_EDITS = ("features", "hidden")  # the parameters the picture's own controls change (``edits``)
LABEL_CHARS = 16  # a custom formula longer than this is shortened in the picture (the widget shows it whole)


# -- the byte layout --

class Batch(NamedTuple):
    """A decoded batch: ``meta`` dict, ``stats`` (n, len(STATS)) float64, ``params`` (n, p) float32,
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
    stats : array (n, len(STATS))
        Per snapshot: its figures, in ``STATS`` order.
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
    return (HEADER.size + meta_bytes + 8 * len(STATS) * n_snapshots + pad(4 * n_snapshots * n_params)
            + pad(12 * n_points) + 24 * n_curve)


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


# -- a batch of an experiment --

def feature_text(name, formula):
    """A feature's label in the pictures: its readable name, or for ``custom`` the formula (shortened)."""
    return clipped(formula, LABEL_CHARS) if name == "custom" else feature_label(name)


def layer_labels(exp):
    """Node labels per layer: features, hidden neurons, outputs."""
    sizes = exp.net.sizes
    hidden = [[f"{l}.{i + 1}" for i in range(k)] for l, k in enumerate(sizes[1:-1], start=1)]
    out = [f"class {k}" for k in range(sizes[-1])] if sizes[-1] > 1 else ["output"]
    return [[feature_text(f, exp.config["formula"]) for f in exp.config["features"]]] + hidden + [out]


def scene(exp, *, playing, stream, data_id, add_points=False, interactive=True, race=None):
    """The scene: what the browser needs besides the weights to draw the picture, the batch's ``meta`` but
    ``stats_names`` (which ``encode_frames`` adds); every key is described in the module docstring.

    With a race, ``racers`` lists each racer's network (its ``label``, whether it ``diverged``); the
    snapshots then hold one row per racer, racer after racer, and the curve ``curve_rows`` rows per racer
    (set by the caller, which knows the curves).
    """
    c = exp.config
    meta = {"stream": stream, "playing": playing, "interactive": interactive, **network_scene(exp),
            "kind": exp.kind, "extent": list(exp.grid.extent), "n_train": len(exp.X_train),
            "show_test": c["show_test"], "discretize": c["discretize"], "present": c["present"], "data_id": data_id,
            "add_points": add_points, "link": short_query(c),
            "edits": [name for name in PICTURE_EDITS if interactive and race is None and name not in c["hide"]],
            "limits": {"layers": MAX_LAYERS, "neurons": MAX_NEURONS}}
    if "features" in meta["edits"]:
        meta["inputs"] = [[f, feature_text(f, c["formula"])] for f in PARAMS["features"].choices]
        meta["formula"] = parse(c["formula"]).to_json()  # an off custom input's thumbnail too
    if race is not None:
        meta["racers"] = [{**network_scene(e), "label": label, "diverged": e.trainer.diverged}
                          for label, e in zip(race.labels, race.experiments)]
        meta["setting"] = PARAMS[race.setting].label
    meta["readout"] = readout(exp, race)
    return meta


def readout(exp, race=None):
    """The numbers beside the picture, as ``[label, stat, racer]`` rows (``stat`` a name of ``STATS``, ``racer``
    the row of a frame it is read from; None for the epoch): epoch, losses and accuracies (R² in regression);
    in a race the epoch, then each racer's test loss (train loss without test points)."""
    if race is None:
        score = ("R²", "r2") if exp.kind == "regression" else ("accuracy", "accuracy")
        return [["Epoch", "epoch", None], ["Train loss", "train_loss", 0], ["Test loss", "test_loss", 0],
                [f"Train {score[0]}", f"train_{score[1]}", 0], [f"Test {score[0]}", f"test_{score[1]}", 0]]
    split = "test" if race.experiments[0].X_test.size else "train"
    return [["Epoch", "epoch", None]] + [[f"{label}: {split} loss", f"{split}_loss", r]
                                         for r, label in enumerate(race.labels)]


def stat_text(stat, value):
    """A figure for display: losses to 4 decimals (3 significant digits once huge: a run about to diverge),
    accuracies as percentages, R² to 3 decimals, "–" where there is none (NaN)."""
    if math.isnan(value):
        return "–"
    if stat.endswith("loss"):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"
    return format(value, ".1%" if stat.endswith("accuracy") else ".3f")


def readout_texts(meta, rows):
    """The texts of ``meta["readout"]`` for one frame's stats ``rows`` (one per network): the epoch as a whole
    number (a race's: its slowest running racer's), "+ k/m batches" with ``meta["progress"]``, and "out" for a
    racer that diverged."""
    racers = meta.get("racers") or [{"diverged": False}]
    running = [row for row, r in zip(rows, racers) if not r["diverged"]] or rows
    done, per_epoch = meta.get("progress") or (0, 0)
    texts = []
    for _, stat, r in meta["readout"]:
        if stat == "epoch":  # a slow network's frame between epochs: the epoch it is in
            epoch = int(min(row[STATS.index("epoch")] for row in running))
            texts.append(f"{epoch:,}" + (f" + {done}/{per_epoch} batches" if done else ""))
        else:
            texts.append("out" if racers[r]["diverged"] else stat_text(stat, rows[r][STATS.index(stat)]))
    return texts


def network_scene(exp):
    """One network's part of the scene: its shape, activations, inputs and labels (with the ``custom``
    feature, its formula's postfix program, which ``formula.js`` evaluates)."""
    net, features = exp.net, exp.config["features"]
    dropout = exp.trainer.dropout or (0.0,) * len(net.activations)
    part = {"sizes": net.sizes, "activations": net.activations, "off": net.off, "output": net.output_activation,
            "features": list(features), "labels": layer_labels(exp),
            "heads": [[ACTIVATIONS[a].label, p] for a, p in zip(net.activations, dropout)]}
    if "custom" in features:
        part["formula"] = parse(exp.config["formula"]).to_json()
    return part


def points_of(exp):
    """Training then test points: x1, x2, label or target, (n, 3)."""
    X = np.vstack([exp.X_train, exp.X_test])
    y = np.concatenate([exp.y_train, exp.y_test]).astype(np.float64)
    return np.column_stack([X, y])


def stats_row(figures):
    """A snapshot's stats row: the value of each ``STATS`` name in ``figures`` (a history row, as a mapping)."""
    return [figures[name] for name in STATS]


def snapshot(tr):
    """The trainer's network now: its stats row and float32 parameters (a network about to diverge may
    hold values beyond float32: they become infinite, and the picture saturates)."""
    with np.errstate(over="ignore"):
        params = tr.net.params.astype(np.float32)
    return stats_row({**tr.latest, "epoch": tr.epoch}), params


def frame(trainers, fractional=False):
    """What one picture shows: ``snapshot`` of each trainer (one, or a race's); ``fractional``: the epoch
    of a trainer caught mid-epoch counts its batches done (a slow network's picture between epochs)."""
    taken = []
    for tr in trainers:
        stats, params = snapshot(tr)
        done, per_epoch = tr.batch_progress
        if fractional and done:
            stats[STATS.index("epoch")] = tr.epoch + round(done / per_epoch, 3)
        taken.append((stats, params))
    return taken


def encode_frames(meta, frames, points=None, curve=None):
    """The batch bytes (``encode``) of ``frames`` (each a ``frame``) with ``meta`` and ``stats_names``: one
    row per network of each frame, the parameters zero-padded to the largest network's."""
    rows = [row for f in frames for row in f]
    stats = np.array([s for s, _ in rows], np.float64).reshape(-1, len(STATS))
    params = np.zeros((len(rows), max((len(p) for _, p in rows), default=0)), np.float32)
    for k, (_, p) in enumerate(rows):
        params[k, :len(p)] = p
    if "readout" in meta:
        meta = {**meta, "readout_texts": [readout_texts(meta, [s for s, _ in f]) for f in frames]}
    return encode({**meta, "stats_names": list(STATS)}, stats, params, points, curve)


def past_batch(exp, epoch):
    """The bytes of a paused, non-interactive batch of the experiment's network as it was after ``epoch`` (one
    of ``Trainer.snapshot_epochs``), with the points and the losses up to then: *Step back in time*'s picture."""
    tr = exp.trainer
    row = tr.history[tr.history.epoch <= epoch].iloc[-1]
    curve = tr.loss_curve(CURVE_POINTS)
    meta = scene(exp, playing=False, stream=0, data_id=id(exp), interactive=False)
    return encode_frames(meta, [[(stats_row({**row, "epoch": epoch}), tr.params_at(epoch))]], points_of(exp),
                         curve[curve[:, 0] <= epoch])
