"""A race: networks that differ in one setting, trained side by side.

``Race(config)`` builds one ``Experiment`` per value of the raced setting
(``config["race"]``, e.g. ``optimizer:sgd/momentum/adam``; see
``params.parse_race``).  Everything else is the configuration's, so the
racers see the same data, the same split and the same shuffling; with the
same layer sizes (any setting but ``hidden`` and ``features``) they also start
from the same initial weights.  What differs in the result is the setting.

Training is in lockstep: ``run_until`` brings every racer still in the race
to the next epoch before any goes further, so a picture of the race shows
all of them at the same epoch.  A racer that diverges drops out and keeps its
last network; the others go on.  The race offers the part of ``Trainer``'s
interface the app's play loop uses (``epoch``, ``steps``, ``diverged``,
``run_until``, ``train_epoch``, ``train_step``), so one loop plays either.  The racers share one
network's budget of workspaces, snapshots and history rows (``Trainer``'s ``memory_share``) and, where their layer
sizes are equal, their workspaces.
"""

from __future__ import annotations

import time

import pandas as pd

from . import params
from .experiment import Experiment


def racer_configs(config):
    """The configuration of each racer: ``config`` (valid) with the raced setting set to each value, valid too.

    A race over regularisation rates with no regulariser uses L2; a race over regularisers with a rate of
    0 uses ``params.USEFUL_REG_RATE``: a race whose racers could not differ would teach nothing.
    """
    setting, values = params.parse_race(config["race"])
    base = {**config, "race": ""}
    if setting == "reg_rate" and base["regularization"] == "none":
        base["regularization"] = "l2"
    if setting == "regularization" and base["reg_rate"] == 0.0:
        base["reg_rate"] = params.USEFUL_REG_RATE
    # valid without validating again: the values were validated in parse_race, the regulariser and rate set
    # here are allowed values, and fit_layers fits the per-layer settings to the raced hidden layers
    return [params.fit_layers({**base, setting: value}) for value in values]


class Race:
    """The racers of ``config["race"]``: ``experiments`` (one per value) and their ``labels``.

    Parameters
    ----------
    config : dict
        A configuration whose ``race`` names a race (validated).
    data : (X, y), optional
        The user's own points, for every racer.
    grid_res : int
        Resolution of each racer's output picture.
    """

    def __init__(self, config, data=None, grid_res=80):
        self.config = params.validate(config)
        self.setting, self.values = params.parse_race(self.config["race"])
        configs, workspaces = racer_configs(self.config), {}  # racers train in turn: they share workspaces
        self.experiments = [Experiment(c, data=data, grid_res=grid_res, memory_share=1 / len(configs),
                                       workspaces=workspaces) for c in configs]
        self.labels = [params.PARAMS[self.setting].racer_label(v) for v in self.values]

    def __repr__(self):
        return f"Race({self.config['race']}, epoch {self.epoch})"

    @property
    def trainers(self):
        """Every racer's trainer, in the order of the values."""
        return [e.trainer for e in self.experiments]

    @property
    def running(self):
        """The trainers still in the race (not diverged)."""
        return [tr for tr in self.trainers if not tr.diverged]

    @property
    def diverged(self):
        """True when every racer diverged: nothing is left to train."""
        return not self.running

    @property
    def epoch(self):
        """The epoch every racer still running has completed (the slowest's)."""
        trainers = self.running or self.trainers
        return min(tr.epoch for tr in trainers)

    @property
    def steps(self):
        """Mini-batch updates made, all racers together (changes whenever any racer trains)."""
        return sum(tr.steps for tr in self.trainers)

    def run_until(self, deadline, max_epochs, after_epoch=None, clock=time.monotonic):
        """Train every running racer to the next epoch, in turn, at most ``max_epochs`` times.

        Stops at the first mini-batch that ends after ``deadline`` (a ``clock()`` time); the next call
        carries each racer on from where it is.  ``after_epoch()`` is called each time all running racers
        have reached a new epoch; a true result ends the turn there, every racer at that whole epoch (as
        ``Trainer.run_until``).  Returns the number of such epochs.
        """
        done = 0
        while done < max_epochs and not self.diverged:
            target = self.epoch + 1
            for tr in self.running:
                if tr.epoch < target:
                    tr.run_until(deadline, 1, clock=clock)
                if clock() >= deadline:
                    break
            if self.running and self.epoch >= target:
                done += 1
                if after_epoch is not None and after_epoch():
                    break
            if clock() >= deadline:
                break
        return done

    def train_epoch(self):
        """One epoch for every running racer (a racer caught mid-epoch finishes its epoch)."""
        target = self.epoch + 1
        for tr in self.running:
            while tr.epoch < target and tr.train_epoch():
                pass
        return not self.diverged

    def train_step(self):
        """One mini-batch update for every running racer."""
        for tr in self.running:
            tr.train_step()
        return not self.diverged

    def history(self):
        """Every racer's per-epoch history (``Trainer.history``'s losses and scores) in one DataFrame, a first
        column naming the racer; the gradient columns, which differ with the layers, are left out."""
        tables = [tr.history.loc[:, ~tr.history.columns.str.startswith("grad_")].assign(racer=label)
                  for label, tr in zip(self.labels, self.trainers)]
        table = pd.concat(tables, ignore_index=True)
        return table[["racer", *table.columns.drop("racer")]]

    def update(self, config):
        """Apply a new configuration in place when only training or display settings changed for every racer
        (the race itself unchanged); returns False (a new ``Race`` is needed) otherwise."""
        config = params.validate(config)
        if config["race"] != self.config["race"]:
            return False
        # every racer differs from its new configuration in the same settings, so either all update or the
        # first refuses (a racer updated before a refusal belongs to a race that is then replaced)
        if not all(e.update(c) for c, e in zip(racer_configs(config), self.experiments)):
            return False
        self.config = config
        return True

