"""Graded exercises for a class: a goal, a start setup, and conditions the app checks as training runs.

Every challenge is data in ``CHALLENGES``: its start ``config`` (changes to the defaults, its ``epochs``
the training budget), its ``conditions`` as ``(measure, operator, value)`` triples, a ``hint``, a
known ``solution``: phases of ``(config changes, epochs)`` trained one after the other on one network,
as a student would (the tests train each solution and check that it passes, and that the start does not),
and ``hide``: the controls and panels (``params.HIDEABLE`` names) that would only distract, so that a
challenge opens with the controls it needs visible.  Never hidden: what its solution changes, and the
panels its hint names (tested).  ``DISTRACTIONS`` are hidden in every challenge: settings beside its
point (the loss, the rate schedule, clipping) and panels that would leave it (your own data in place of
its dataset, a lesson's setup, a model file, a race, which grades no challenge).

``measure(config, trainer)`` reads what conditions can name (``MEASURES``) from a configuration and a
trainer; ``check(challenge, values)`` grades them, one status per condition.  Both are pure, and cheap
enough to ask after every epoch.  ``passed_at`` records the first epoch that passes, once, in the trainer.

Overfitting is a two-phase challenge, and is checked honestly: ``max_loss_gap`` (the largest test loss -
training loss over the history) proves the network overfitted first; the current gap and test loss,
with L2 on, prove the fix.  Changing the regularisation keeps the trainer and its history, so both
phases are in one history.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

DISTRACTIONS = ("problem", "n_classes", "loss", "schedule", "decay_every", "decay_factor", "clip_norm", "data",
                "lesson", "export", "race")
ALL_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
OPERATORS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt,
             ">": operator.gt}
MEASURES = {  # name -> what it is, in words (the checklist shows these)
    "test_accuracy": "test accuracy", "train_accuracy": "training accuracy", "test_loss": "test loss",
    "train_loss": "training loss", "test_r2": "test R²", "epoch": "epochs trained",
    "loss_gap": "test loss - training loss", "max_loss_gap": "largest test loss - training loss so far",
    "hidden": "hidden layers", "hidden_layers": "number of hidden layers",
    "hidden_neurons_total": "hidden neurons in all", "dataset": "dataset", "activation": "activation",
    "features": "features", "regularization": "regularisation", "reg_rate": "regularisation rate",
}


@dataclass(frozen=True)
class Challenge:
    """One exercise; see the module docstring."""

    id: str
    title: str
    goal: str
    config: dict
    conditions: tuple
    hint: str
    solution: tuple  # ((config changes, epochs), ...)
    hide: tuple = DISTRACTIONS


CHALLENGES = {c.id: c for c in (
    Challenge(
        "xor_no_hidden", "XOR without hidden layers",
        "Reach 95 % test accuracy on XOR with no hidden layer.",
        {"dataset": "xor", "hidden": (), "features": ("x1", "x2"), "epochs": 100},
        (("dataset", "==", "xor"), ("hidden", "==", ()), ("test_accuracy", ">=", 0.95)),
        "A single neuron draws one straight line, and no line separates XOR's quarters. Which input feature is "
        "positive in two opposite quarters and negative in the other two?",
        (({"features": ("x1", "x2", "x1x2")}, 100),),
        DISTRACTIONS + ("regularization", "reg_rate", "hidden_space")),  # no hidden layer to look into
    Challenge(
        "small_spiral", "A small network for the spiral",
        "Reach 90 % test accuracy on the spiral with at most 8 hidden neurons in all.",
        {"dataset": "spiral", "hidden": (4, 2), "epochs": 300},
        (("dataset", "==", "spiral"), ("hidden_neurons_total", "<=", 8), ("test_accuracy", ">=", 0.9)),
        "Few neurons can do a lot with richer inputs: switch on more features (the sines help), and try Adam.",
        (({"features": ALL_FEATURES, "hidden": (8,), "optimizer": "adam", "learning_rate": 0.03}, 300),)),
    Challenge(
        "deep_sigmoid", "Make the deep sigmoid network learn",
        "This network of six sigmoid layers hardly learns the circle. Reach 90 % test accuracy on the circle.",
        {"dataset": "circle", "hidden": (8, 8, 8, 8, 8, 8), "activation": "sigmoid", "epochs": 200},
        (("dataset", "==", "circle"), ("test_accuracy", ">=", 0.9)),
        "Open Gradient flow: the first layers' gradients are tiny, because sigmoid's slope is at most 1/4 and "
        "it is multiplied once per layer. Change the activation, or use fewer layers.",
        (({"activation": "relu", "init": "he"}, 200),)),
    Challenge(
        "overfit_then_l2", "Overfit, then fix it with L2",
        "First train until the test loss is at least 0.3 above the training loss (overfitting), then switch "
        "on L2 and train on until the gap is at most 0.1 and the test loss at most 0.35.",
        {"dataset": "xor", "noise": 0.4, "n_samples": 100, "hidden": (16, 16), "activation": "relu",
         "init": "he", "optimizer": "adam", "learning_rate": 0.01, "batch_size": 5, "epochs": 400},
        (("max_loss_gap", ">=", 0.3), ("regularization", "==", "l2"), ("loss_gap", "<=", 0.1),
         ("test_loss", "<=", 0.35)),
        "Few noisy points and a big network overfit within 200 epochs. Then pick L2 with a rate around 0.01: "
        "the training keeps going, and the penalty pulls the weights back.",
        (({}, 200), ({"regularization": "l2", "reg_rate": 0.01}, 200)),
        DISTRACTIONS + ("noise", "n_samples", "train_ratio")),  # more or cleaner data would not overfit
)}


def challenge_start(challenge_id):
    """The start configuration of a challenge: its config over the defaults, ``challenge`` set and its
    distractions hidden (not validated)."""
    c = CHALLENGES[challenge_id]
    return {**c.config, "challenge": challenge_id, "hide": c.hide}


def measure(config, trainer):
    """The values conditions can name (``MEASURES``), from a configuration and its trainer now."""
    latest = trainer.latest
    return {
        **{name: latest[name] for name in ("test_accuracy", "train_accuracy", "test_loss", "train_loss",
                                           "test_r2", "epoch")},
        "loss_gap": latest["test_loss"] - latest["train_loss"],
        "max_loss_gap": trainer.max_loss_gap,
        "hidden": tuple(config["hidden"]), "hidden_layers": len(config["hidden"]),
        "hidden_neurons_total": sum(config["hidden"]),
        **{name: config[name] for name in ("dataset", "activation", "features", "regularization", "reg_rate")},
    }


def check(challenge, values):
    """Grade ``values`` (from ``measure``) against a challenge's conditions.

    Returns ``(passed, rows)``: ``passed`` when every condition holds; one row per condition,
    ``(measure, operator, target, actual, ok)``.  A NaN never satisfies a condition.
    """
    rows = []
    for name, op, target in challenge.conditions:
        actual = values[name]
        ok = not (isinstance(actual, float) and math.isnan(actual)) and bool(OPERATORS[op](actual, target))
        rows.append((name, op, target, actual, ok))
    return all(row[-1] for row in rows), rows


def passed_at(challenge, config, trainer):
    """The first epoch at which ``trainer`` passed ``challenge``, with the checklist's rows then: ``(epoch, rows)``,
    or None.

    Asked at an epoch's end, a first pass is recorded in ``trainer.milestones`` under the challenge's id, and
    stays there however training goes on (until ``Trainer.restore`` goes back before it); mid-epoch nothing
    is recorded, so the epoch is always a whole one.  Asked after every epoch, it finds the first.
    """
    if challenge.id not in trainer.milestones and not trainer.batch_progress[0]:
        passed, rows = check(challenge, measure(config, trainer))
        if passed:
            trainer.milestones[challenge.id] = (trainer.epoch, rows)
    return trainer.milestones.get(challenge.id)
