"""What a trainer keeps of its past: a row of figures per epoch, snapshots to go back to, the best loss so far.

``Trainer`` trains; after every epoch it hands its ``Records`` a row (``history_row``: ``HISTORY_COLUMNS``,
then the mean |dL/dW| of each weight layer) and now and then a *snapshot* (parameters, optimizer state,
random state) that ``Trainer.restore`` returns to, so training can resume from an earlier epoch and replay
exactly.  Long runs stay bounded: when there are more than ``max_snapshots`` snapshots every other one is
dropped (their spacing doubles, counted from ``start_epoch`` so a loaded model's weights stay restorable), and
rows are thinned the same way past ``max_history`` (by default as many as ``SNAPSHOT_BYTES`` and
``HISTORY_BYTES`` hold, at most 200 and 10,000).  A row is about 32 bytes a column (a tuple of Python floats),
a snapshot 8·P·(1 + optimizer state vectors) bytes for P parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SNAPSHOT_BYTES = 1024 * 1024  # the snapshots of a long run take about this much at most (200 at most)
HISTORY_BYTES = 1024 * 1024  # the history rows of a long run take about this much at most (10,000 at most)
OPTIMIZER_VECTORS = 2  # the most state vectors an optimizer keeps (Adam's two moments), for SNAPSHOT_BYTES

# accuracy is NaN for regression, R² NaN for classification; learning_rate: the rate the epoch trained with
HISTORY_COLUMNS = ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "learning_rate",
                   "train_r2", "test_r2"]


def history_row(epoch, train, test, learning_rate, grads=()):
    """A row of ``HISTORY_COLUMNS`` (then ``grads``) from ``Trainer.evaluate``'s (loss, accuracy, R²) on the
    training and test splits."""
    return (epoch, train[0], test[0], train[1], test[1], learning_rate, train[2], test[2], *grads)


class Snapshot:
    """The state training resumes from after ``epoch``: parameters, optimizer state and random state."""

    __slots__ = ("epoch", "params", "opt_state", "rng_state")

    def __init__(self, epoch, params, opt_state, rng_state):
        self.epoch, self.params, self.opt_state, self.rng_state = epoch, params, opt_state, rng_state


class Records:
    """The history rows, snapshots, best watched loss and milestones of one training run.

    Parameters
    ----------
    n_layers, n_params : int
        The network's weight layers (a gradient column each) and parameters, which size the caps.
    start_epoch : int
        The first epoch recorded; snapshot spacing counts from it.
    watch_test : bool
        Whether the loss stop conditions watch is the test loss (else the training loss).
    max_snapshots, max_history, memory_share
        As ``Trainer``'s: the caps, or the share of ``SNAPSHOT_BYTES`` and ``HISTORY_BYTES`` they come from.

    Attributes
    ----------
    rows : list of tuple
        ``history_row``\\ s, oldest first.
    snapshots : list of Snapshot
        Oldest first, every ``snapshot_every``-th epoch from ``start_epoch``.
    best : (float, int)
        The lowest watched loss of the rows noted so far, and its epoch.
    max_loss_gap : float
        The largest test loss - training loss of the rows noted (NaN without test points): how far the
        network overfitted at worst.
    milestones : dict
        Goal name -> (epoch, note): the first epoch a named goal was met, set once by whoever watches.
    """

    def __init__(self, n_layers, n_params, start_epoch=0, watch_test=True, max_snapshots=None, max_history=None,
                 memory_share=1.0):
        row_bytes = 32 * (len(HISTORY_COLUMNS) + n_layers)
        snapshot_bytes = 8 * n_params * (1 + OPTIMIZER_VECTORS)
        self.max_snapshots = max_snapshots or min(200, max(2, int(SNAPSHOT_BYTES * memory_share) // snapshot_bytes))
        self.max_history = max_history or min(10_000, max(2, int(HISTORY_BYTES * memory_share) // row_bytes))
        self.columns = HISTORY_COLUMNS + [f"grad_{l + 1}" for l in range(n_layers)]
        self.start_epoch = start_epoch
        self._watched = 2 if watch_test else 1  # the column of the watched loss
        self.rows = []
        self.snapshots = []
        self.snapshot_every = 1
        self.best = (math.inf, 0)
        self.max_loss_gap = math.nan
        self.milestones = {}
        self._history = None  # the DataFrame of rows, built when asked for

    def add(self, row):
        """Append an epoch's row; past ``max_history`` every other row is dropped (the latest kept)."""
        self.rows.append(row)
        self._history = None
        if len(self.rows) > self.max_history:
            self.rows = self.rows[(len(self.rows) - 1) % 2::2]

    def note(self, row):
        """Update ``best`` and ``max_loss_gap`` with a healthy (finite) ``row``."""
        watched = row[self._watched]
        if watched < self.best[0]:
            self.best = (watched, row[0])
        gap = row[2] - row[1]
        if math.isfinite(gap) and not gap <= self.max_loss_gap:  # not <=: the first gap replaces the NaN
            self.max_loss_gap = gap

    def drop_latest(self, epoch):
        """Forget the latest row, and the latest snapshot if it is of ``epoch`` (the epoch that row measured)."""
        self.rows.pop()
        self._history = None
        if self.snapshots and self.snapshots[-1].epoch == epoch:
            self.snapshots.pop()

    def snapshot_due(self, epoch):
        """Whether ``epoch`` is one that snapshots are kept of, at the current spacing."""
        return (epoch - self.start_epoch) % self.snapshot_every == 0

    def keep_snapshot(self, epoch, params, opt_state, rng_state):
        """Keep copies of ``params`` and ``opt_state`` (and ``rng_state``) as the snapshot of ``epoch``; past
        ``max_snapshots`` the spacing doubles and the snapshots off it are dropped."""
        self.snapshots.append(Snapshot(epoch, params.copy(), {k: v.copy() for k, v in opt_state.items()}, rng_state))
        if len(self.snapshots) > self.max_snapshots:
            self.snapshot_every *= 2
            self.snapshots = [s for s in self.snapshots if self.snapshot_due(s.epoch)]

    @property
    def snapshot_epochs(self):
        """Epochs that ``Trainer.restore`` and ``params_at`` can return to exactly."""
        return [s.epoch for s in self.snapshots]

    def snapshot_at(self, epoch):
        """The latest snapshot at or before ``epoch`` (the first one if none is)."""
        best = self.snapshots[0]
        for s in self.snapshots:
            if s.epoch <= epoch:
                best = s
        return best

    def params_at(self, epoch):
        """A copy of the parameters as they were after ``epoch`` (nearest earlier snapshot)."""
        return self.snapshot_at(epoch).params.copy()

    def go_back(self, epoch):
        """Forget the rows, snapshots and milestones after ``epoch``; ``best`` and ``max_loss_gap`` are then
        those of the rows kept."""
        self.rows = [r for r in self.rows if r[0] <= epoch]
        self._history = None
        self.snapshots = [s for s in self.snapshots if s.epoch <= epoch]
        self.best, self.max_loss_gap = (math.inf, 0), math.nan
        for row in self.rows:
            self.note(row)
        self.milestones = {name: m for name, m in self.milestones.items() if m[0] <= epoch}

    @property
    def watched_loss(self):
        """The watched loss (test, or training without test points) of the latest row."""
        return self.rows[-1][self._watched]

    @property
    def latest(self):
        """The latest row as a dict of ``HISTORY_COLUMNS``."""
        return dict(zip(HISTORY_COLUMNS, self.rows[-1]))

    def loss_curve(self, max_points=400):
        """Epoch, train loss and test loss of at most ``max_points`` evenly spaced rows (the last one kept)
        as a float64 (m, 3) array: what a live plot needs, without building the DataFrame."""
        rows = self.rows
        pick = np.unique(np.linspace(0, len(rows) - 1, min(len(rows), max_points)).astype(int))
        return np.array([rows[i][:3] for i in pick], np.float64).reshape(-1, 3)

    @property
    def history(self):
        """The rows as a DataFrame: ``HISTORY_COLUMNS``, then ``grad_1`` .. ``grad_L``, the mean |dL/dW| of
        each weight layer on the training set."""
        if self._history is None:
            self._history = pd.DataFrame(self.rows, columns=self.columns)
        return self._history
