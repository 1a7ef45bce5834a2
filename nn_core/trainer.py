"""Training: a network, data, a loss and an optimizer; steps, epochs, history, going back.

One *step* is one mini-batch update; one *epoch* is one shuffled pass over
the training set (a full batch when ``batch_size`` is None or >= n_train).
After every epoch the trainer measures train/test loss and accuracy and
hands them to its ``records`` (``records.py``: the history, and now and then a
*snapshot* that ``restore`` returns to, so training can resume from an earlier
epoch and replay exactly; both bounded however long the run).

The learning rate may follow a schedule over epochs and the gradient may be
clipped by its global norm (see ``schedules.py``); the history records the
rate each epoch was trained with.

Dropout (a rate p per hidden layer) is inverted dropout, in training steps
only: each mini-batch draws its masks from the trainer's generator (after the
epoch's shuffle, as ``reference.train_epoch``), so a seed replays a run
exactly; losses, accuracies, gradient magnitudes and pictures are those of
the network without dropout (whose expected activations the masks keep).  ``stop_reason`` says when a stop condition
(a target test loss, or no improvement for some epochs) is met, and why; ``run_until`` asks its ``after_epoch``
after every epoch, so a turn that finds a stop condition ends at that very epoch, however long turns last.
``milestones`` (the records') keeps the first epoch at which a named goal was met (an app's challenge).

If the loss or a parameter becomes NaN or infinite, the epoch is undone, the
trainer stops with ``diverged`` set and a message in ``status``; nothing NaN
is ever left in the network.

Memory is bounded whatever the user does.  With ``U`` the units after the
input layer (``sum(net.sizes[1:])``), ``P`` the parameters, ``n`` the training
and ``m`` the test samples, a trainer holds about

- workspaces (``network.Workspace``, 4 float64 rows per unit and sample, 5 in a masked layer) of at most
  ``chunk = WORKSPACE_BYTES / (32·U)`` samples each: a pass over more samples (a large batch, evaluating
  a split) is made chunk by chunk, the gradient summed and the outputs gathered; at most five sizes (a
  chunk, and what is left of the batch, the last short batch and each split): <= 5·WORKSPACE_BYTES;
  changing the batch size drops the old size's buffers;
- two shuffled and two plain copies of the data: 32·n·(n_features + 1 + n_outputs) bytes,
  and one cached view per mini-batch of the current size (at most ``n``, ~250 bytes each);
- at most ``max_snapshots + 1`` snapshots of 8·P·(1 + optimizer state vectors) bytes each,
  and at most ``max_history + 1`` history rows (about 32 bytes a column; see ``records.py``).

The default network never needs a chunk (its workspaces take 0.06 MB on 500 points); the largest (8 hidden
layers of 16, 2000 points, 90 % training, Adam) passes over chunks of 127 samples, with 1 MB of workspaces,
at most 21 snapshots (1 MB) and 1,927 history rows.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

from .formula import LIMIT
from .losses import get_loss, targets
from .metrics import confusion_matrix, predicted_classes, r2_score
from .network import augment
from .optimizers import REGULARIZATIONS, add_penalty_gradient, make_optimizer
from .records import HISTORY_COLUMNS, Records, history_row
from .reference import dropout_masks
from .schedules import SCHEDULES, clip_by_norm
from .schedules import rate as scheduled_rate
from .text import shown

WORKSPACE_BYTES = 512 * 1024  # a pass over more samples than buffers of this size hold is made in chunks

class _Split:
    """One data split, prepared once: transposed bias-augmented inputs and targets, labels.

    Columns are samples (see ``network.Workspace``): ``x_aug`` is
    ``(n_features + 1, n)`` and ``Y`` is ``(n_outputs, n)``.
    """

    def __init__(self, net, X, y):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != net.sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {net.sizes[0]}); got {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"y must have one entry per sample ({len(X)}); got {len(y)}")
        self.x_aug = augment(X)
        self.Y = np.ascontiguousarray(targets(y, net.sizes[-1]).T)
        y = np.asarray(y)
        self.labels = y if np.issubdtype(y.dtype, np.integer) else None
        self.n = len(X)


class Trainer:
    """Train ``net`` on ``(X_train, y_train)``, tracking ``(X_test, y_test)`` too.

    Parameters
    ----------
    net : Network
    X_train, y_train, X_test, y_test : arrays
        Inputs ``(n, n_features)``; labels (int, for classification, which
        also yields accuracy) or targets (float).  The test set is optional.
    loss : str
        mse, bce or cross_entropy (must suit the network's output activation).
    optimizer, learning_rate, batch_size, regularization, reg_rate, schedule, decay_every, decay_factor, clip_norm,
    dropout
        See ``configure``.
    seed : int
        Seed of the shuffling.
    max_snapshots, max_history : int, optional
        Caps on the snapshots and history rows kept (default: what ``memory_share`` of
        ``records.SNAPSHOT_BYTES`` and ``records.HISTORY_BYTES`` holds, at most 200 and 10,000).
    memory_share : float
        The share of those budgets, and of ``WORKSPACE_BYTES``, this trainer may use (a race's racers share
        one network's).
    workspaces : dict, optional
        Shared by trainers that never train at the same time (a race's racers), so that those of equal layer
        sizes share their workspaces.
    start_epoch : int
        Epochs the network was already trained for elsewhere (a loaded model):
        the epoch counter, the history and the snapshots start there.

    Attributes
    ----------
    records : Records
        What the run keeps of its past (``records.py``): history rows, snapshots, the best loss,
        milestones.  ``history``, ``latest``, ``loss_curve``, ``snapshot_epochs``, ``params_at``,
        ``milestones`` and ``max_loss_gap`` read it.
    """

    def __init__(self, net, X_train, y_train, X_test=None, y_test=None, loss="bce", optimizer="sgd",
                 learning_rate=0.03, batch_size=10, regularization=None, reg_rate=0.0, seed=0,
                 max_snapshots=None, max_history=None, schedule="constant", decay_every=100, decay_factor=0.5,
                 clip_norm=0.0, start_epoch=0, dropout=(), memory_share=1.0, workspaces=None):
        self.net = net
        self.loss_name = loss
        self._data = (X_train, y_train, X_test, y_test)
        self._loss = get_loss(loss, net.output_activation)
        self._train = _Split(net, X_train, y_train)
        if self._train.n == 0:
            raise ValueError("X_train must hold at least one sample")
        self._test = None if X_test is None or len(X_test) == 0 else _Split(net, X_test, y_test)
        self._rng = np.random.default_rng(seed)
        n_params = len(net.params)
        # Passes over more samples than this are made chunk by chunk (see the module's docstring).
        self._chunk = max(1, int(WORKSPACE_BYTES * memory_share) // (32 * sum(net.sizes[1:])))
        self._chunk_grad, self._chunk_grad_mats = net.gradient_buffer()

        self._grad, self._grad_mats = net.gradient_buffer()
        self._eval_grad, self._eval_grad_mats = net.gradient_buffer()
        self._tmp = np.empty(n_params)
        self._weight_mask = net.weight_mask()
        # Shuffled copies, one row per sample, so that a mini-batch is a contiguous block of rows
        # whose transpose is the (n_features + 1, batch) operand the network wants.
        self._sample_x = np.ascontiguousarray(self._train.x_aug.T)
        self._sample_Y = np.ascontiguousarray(self._train.Y.T)
        self._shuffled_x = self._sample_x.copy()
        self._shuffled_Y = self._sample_Y.copy()
        self._workspaces = ({} if workspaces is None else workspaces).setdefault(tuple(net.sizes[1:]), {})
        self._good_params = net.params.copy()

        self.optimizer = None
        self.diverged = False
        if not (isinstance(start_epoch, (int, np.integer)) and start_epoch >= 0):
            raise ValueError(f"start_epoch must be an integer >= 0; got {start_epoch!r}")
        self.epoch = int(start_epoch)  # completed epochs
        self.configure(optimizer=optimizer, learning_rate=learning_rate, batch_size=batch_size,
                       regularization=regularization, reg_rate=reg_rate, schedule=schedule,
                       decay_every=decay_every, decay_factor=decay_factor, clip_norm=clip_norm, dropout=dropout)
        self.steps = 0  # mini-batch updates so far
        self._pos = 0  # position of the next mini-batch within the current epoch
        self.status = "ready"
        self.records = Records(net.n_layers, n_params, self.epoch, self._test is not None, max_snapshots,
                               max_history, memory_share)
        self._record_epoch()

    # -- configuration --

    def configure(self, *, optimizer=None, learning_rate=None, batch_size=0, regularization=0, reg_rate=None,
                  schedule=None, decay_every=None, decay_factor=None, clip_norm=None, dropout=None):
        """Change training hyperparameters between steps; the network is kept.

        optimizer : sgd, momentum or adam (a change starts with fresh optimizer state)
        learning_rate : float > 0, the base rate of the schedule
        batch_size : int >= 1, or None for full batch
        regularization : None/"none", "l1" or "l2";  reg_rate : float >= 0
        schedule : constant, step or cosine; decay_every : int >= 1; decay_factor : in (0, 1]
        clip_norm : float >= 0, the largest gradient norm (0: no clipping)
        dropout : a rate p in [0, 1) per hidden layer, or empty for none
        Arguments left out keep their value (0 means "unchanged" for batch_size
        and regularization, because None is meaningful there).
        """
        if optimizer is not None and (self.optimizer is None or optimizer != self.optimizer.name):
            self.optimizer = make_optimizer(optimizer, len(self.net.params))
            self._good_opt = {k: v.copy() for k, v in self.optimizer.state.items()}
        if learning_rate is not None:
            if not (isinstance(learning_rate, (int, float)) and 0 < learning_rate < math.inf):
                raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}")
            self.learning_rate = float(learning_rate)
        if batch_size != 0:
            if batch_size is not None and not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
                raise ValueError(f"batch_size must be a positive integer or None (full batch); got {batch_size!r}")
            self.batch_size = self._train.n if batch_size is None else min(int(batch_size), self._train.n)
            self._batches = {}
            evaluation = self._pass_sizes(self._train.n) | self._pass_sizes(self._test.n if self._test else 0)
            for n in set(self._workspaces) - evaluation:  # in place: racers may share the dict
                del self._workspaces[n]
        if regularization != 0:
            regularization = regularization or "none"
            if regularization not in REGULARIZATIONS:
                raise ValueError(f"regularization must be one of None, {', '.join(REGULARIZATIONS[1:])}; "
                                 f"got {regularization!r}")
            self.regularization = regularization
        if reg_rate is not None:
            if not (isinstance(reg_rate, (int, float)) and 0 <= reg_rate < math.inf):
                raise ValueError(f"reg_rate must be a number >= 0; got {reg_rate!r}")
            self.reg_rate = float(reg_rate)
        if schedule is not None or decay_every is not None or decay_factor is not None:
            new = tuple(getattr(self, name) if v is None else v for name, v in
                        (("schedule", schedule), ("decay_every", decay_every), ("decay_factor", decay_factor)))
            if new[0] not in SCHEDULES:
                raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {new[0]!r}")
            scheduled_rate(new[0], 1.0, 0, *new[1:])  # ValueError if they do not fit
            self.schedule, self.decay_every, self.decay_factor = new
        if clip_norm is not None:
            if not (isinstance(clip_norm, (int, float)) and 0 <= clip_norm < math.inf):
                raise ValueError(f"clip_norm must be a number >= 0 (0: no clipping); got {clip_norm!r}")
            self.clip_norm = float(clip_norm)
        if dropout is not None:
            dropout = tuple(dropout)
            if not ((not dropout or len(dropout) == len(self.net.sizes) - 2)
                    and all(isinstance(p, (int, float)) and 0 <= p < 1 for p in dropout)):
                raise ValueError(f"dropout must be empty or a rate in [0, 1) per hidden layer "
                                 f"({len(self.net.sizes) - 2}); got {dropout!r}")
            self.dropout = tuple(float(p) for p in dropout) if any(dropout) else ()
        self._set_epoch_rate()
        self._rate_mask = self._weight_mask * self.reg_rate
        self._regularize = self.regularization != "none" and self.reg_rate > 0
        if self.diverged and (learning_rate is not None or optimizer is not None):
            self.diverged, self.status = False, "ready"

    def _set_epoch_rate(self):
        """The rate of the epoch about to be trained, by the schedule (a 0-d array: a fast operand)."""
        self._lr = np.array(scheduled_rate(self.schedule, self.learning_rate, self.epoch, self.decay_every,
                                 self.decay_factor))

    @property
    def current_learning_rate(self):
        """The rate the current epoch trains with (the base ``learning_rate`` unless a schedule changes it)."""
        return float(self._lr)

    # -- training --

    def _pass_sizes(self, n):
        """The workspace sizes a pass over ``n`` samples uses (in chunks beyond ``_chunk``)."""
        return {n} if n <= self._chunk else {self._chunk, n % self._chunk} - {0}

    def _workspace(self, n):
        ws = self._workspaces.get(n)
        if ws is None:
            ws = self._workspaces[n] = self.net.workspace(n)
        return ws

    def _batch(self, lo):
        """The mini-batch starting at sample ``lo``: ``(x, Y, workspace, hi)``, cached.

        ``x`` and ``Y`` are views of the shuffled copies, which each epoch
        refills in place, so a batch's views stay valid until the batch size changes.
        The workspace is None for a batch larger than a chunk (its pass is made chunk by chunk).
        """
        batch = self._batches.get(lo)
        if batch is None:
            hi = min(lo + self.batch_size, self._train.n)
            batch = self._batches[lo] = (self._shuffled_x[lo:hi].T, self._shuffled_Y[lo:hi].T,
                                         self._workspace(hi - lo) if hi - lo <= self._chunk else None, hi)
        return batch

    def _shuffle(self):
        """An epoch's start: the training rows in a new order from the trainer's generator (unless one
        batch takes them all)."""
        if self.batch_size < self._train.n:
            order = self._rng.permutation(self._train.n)
            np.take(self._sample_x, order, axis=0, out=self._shuffled_x)
            np.take(self._sample_Y, order, axis=0, out=self._shuffled_Y)

    def _step(self):
        """One mini-batch update (no checks: the hot path)."""
        if self._pos == 0:
            self._shuffle()
        x, Y, ws, hi = self._batch(self._pos)
        net = self.net
        masks = self._dropout_masks(hi - self._pos) if self.dropout else None
        if ws is None:
            self._chunked_gradient(x, Y, self._grad, masks)
        else:
            net.forward_into(ws, x, masks=masks)
            net.backward_into(ws, x, Y, self._loss, self._grad_mats)
        if self.clip_norm:  # the loss's gradient, before the penalty's (as torch's clip_grad_norm_ and weight_decay)
            clip_by_norm(self._grad, self.clip_norm)
        if self._regularize:
            add_penalty_gradient(self._grad, net.params, self.regularization, self._rate_mask, self._tmp)
        self.optimizer.update(net.params, self._grad, self._lr)
        self.steps += 1
        self._pos = hi

    def _chunked_gradient(self, x, Y, grad, masks=None):
        """The mean loss's gradient over the columns of ``x`` (``Y``, ``masks``: theirs) into ``grad``, summed
        over chunks of at most ``_chunk`` columns."""
        n = x.shape[1]
        grad[:] = 0.0
        for lo in range(0, n, self._chunk):
            hi = min(lo + self._chunk, n)
            part = None if masks is None else [m if m is None or m.shape[1] == 1 else m[:, lo:hi] for m in masks]
            ws = self._workspace(hi - lo)
            self.net.forward_into(ws, x[:, lo:hi], masks=part)
            self.net.backward_into(ws, x[:, lo:hi], Y[:, lo:hi], self._loss, self._chunk_grad_mats)
            self._chunk_grad *= (hi - lo) / n
            grad += self._chunk_grad

    def _dropout_masks(self, n):
        """A batch of ``n``'s masks: dropout's (drawn as ``reference.dropout_masks``, transposed) and ``net.off``'s."""
        drawn = dropout_masks(self.dropout, n, self.net.sizes[1:-1], self._rng)
        return self.net.masks_with([None if m is None else m.T for m in drawn])

    def train_step(self):
        """One mini-batch update; finishing the epoch records it.  Returns False once diverged."""
        if self.diverged:
            return False
        with np.errstate(all="ignore"):
            self._step()
            if self._pos >= self._train.n:
                self._end_epoch()
            elif not math.isfinite(float(np.add.reduce(self.net.params))):
                self._diverge()
        return not self.diverged

    def train_epoch(self):
        """Finish the current epoch (a full shuffled pass).  Returns False once diverged."""
        if self.diverged:
            return False
        n = self._train.n
        with np.errstate(all="ignore"):
            while self._pos < n:
                self._step()
            self._end_epoch()
        return not self.diverged

    def run(self, n_epochs):
        """Train ``n_epochs`` epochs or until divergence; returns the number completed."""
        for done in range(n_epochs):
            if not self.train_epoch():
                return done
        return n_epochs

    def run_until(self, deadline, max_epochs, after_epoch=None, clock=time.monotonic):
        """Train at most ``max_epochs`` epochs, stopping at the first mini-batch that ends after ``deadline``.

        A time-bounded turn: however slow an epoch is (a big network, batch
        size 1), the work stops within one mini-batch of ``deadline`` (a
        ``clock()`` time), and the next call carries on mid-epoch.
        ``after_epoch()`` is called after each completed epoch; a true result
        (a stop condition met) ends the turn there, at that whole epoch, so
        where training stops does not depend on how fast the machine is.
        Returns the number of epochs completed (0 if the time ran out first, or once diverged).
        """
        done = 0
        n = self._train.n
        with np.errstate(all="ignore"):
            while done < max_epochs and not self.diverged:
                self._step()
                if self._pos >= n:
                    self._end_epoch()
                    if self.diverged:
                        break
                    done += 1
                    if after_epoch is not None and after_epoch():
                        break
                if clock() >= deadline:
                    break
            # an epoch's end checks its network; a turn ending mid-epoch checks it here, once, not every batch
            if self._pos and not math.isfinite(float(np.add.reduce(self.net.params))):
                self._diverge()
        return done

    def set_parameter(self, index, value):
        """Set entry ``index`` of ``net.params`` (a weight or a bias, by hand) and record the result.

        The latest history row and snapshot are replaced by the edited
        network's, so its losses show at once and *Step back in time* returns
        to it.  Training goes on from it with the optimizer's state kept.  ``value`` is at most
        ``formula.LIMIT`` in size, the largest value a formula feature may take: a typed number is a teaching
        experiment, not a way to overflow the network.
        """
        if not (isinstance(index, (int, np.integer)) and not isinstance(index, bool)
                and 0 <= index < len(self.net.params)):
            raise ValueError(f"index must be an integer in [0, {len(self.net.params)}); got {shown(index)}")
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and -LIMIT <= value <= LIMIT):
            raise ValueError(f"value must be a number from {-LIMIT:,.0f} to {LIMIT:,.0f}; got {shown(value)}")
        self.net.params[index] = value
        self._record_change()

    def switch_off(self, neurons):
        """Hold the hidden ``neurons`` ((layer, unit) pairs, 1-based: ``net.off``) at 0 from now on, the others
        on; the weights, the optimizer's state and the epoch are kept, the result recorded (as ``set_parameter``)."""
        self.net.off = neurons
        self._record_change()

    def _record_change(self):
        """The network was changed by hand: its numbers replace the latest history row and snapshot."""
        self.records.drop_latest(self.epoch)
        self._record_epoch()
        self.diverged = False

    def _end_epoch(self, measured=None):
        """The epoch is over: count and record it (``measured``: see ``_record_epoch``)."""
        self._pos = 0
        self.epoch += 1
        if not self._record_epoch(measured):
            self.records.drop_latest(self.epoch)
            self.epoch -= 1
            self._diverge()
        elif self.schedule != "constant":
            self._set_epoch_rate()

    def _diverge(self):
        """Undo the epoch in progress and stop with a clear status."""
        np.copyto(self.net.params, self._good_params)
        for k, v in self._good_opt.items():
            np.copyto(self.optimizer.state[k], v)
        self._pos = 0
        self.diverged = True
        self.status = (f"Training diverged during epoch {self.epoch + 1}: the loss became NaN or infinite. "
                       f"The network is kept as it was after epoch {self.epoch}. "
                       "Lower the learning rate, then resume, or reset.")

    # -- evaluation and history --

    def evaluate(self, split):
        """Mean loss, accuracy (NaN for regression) and R² (NaN for classes) of the current network on a split."""
        return self._scores(split, *self._outputs(split))

    def _scores(self, split, z, out):
        """``evaluate``'s numbers from the output layer's pre-activations ``z`` and activations ``out`` over
        ``split``, each ``(n_outputs, n)``."""
        loss = self._loss.value(z.T, out.T, split.Y.T)  # from z: exact for every logit
        if split.labels is None:
            return loss, math.nan, r2_score(split.Y.T, out.T)
        pred = out.argmax(axis=0) if len(out) > 1 else (out[0] > 0.5)
        return loss, np.count_nonzero(pred == split.labels) / split.n, math.nan

    def _outputs(self, split):
        """The output layer's pre-activations and activations over a split, each ``(n_outputs, n)``: one
        pass, or chunk by chunk, gathered (then fresh arrays)."""
        if split.n <= self._chunk:
            ws = self._workspace(split.n)
            return ws.z[-1], self.net.forward_into(ws, split.x_aug)
        z, out = np.empty_like(split.Y), np.empty_like(split.Y)
        for lo in range(0, split.n, self._chunk):
            hi = min(lo + self._chunk, split.n)
            ws = self._workspace(hi - lo)
            out[:, lo:hi] = self.net.forward_into(ws, split.x_aug[:, lo:hi])
            z[:, lo:hi] = ws.z[-1]
        return z, out

    def _evaluate_test(self):
        return self.evaluate(self._test) if self._test else (math.nan,) * 3

    def _record_epoch(self, measured=None):
        """Measure the network (``_measure``, unless given its result as ``measured``: trainers measured
        together, ``cohort.py``) and record the row; if it is healthy (finite), keep the network as what a
        divergence returns to and, when one is due, as a snapshot.  Returns whether it was healthy."""
        with np.errstate(all="ignore"):
            train, test, grads = self._measure() if measured is None else measured
            row = history_row(self.epoch, train, test, float(self._lr), grads)
        self.records.add(row)
        healthy = math.isfinite(row[1]) and bool(np.isfinite(self.net.params).all())
        if healthy:
            self.records.note(row)
            np.copyto(self._good_params, self.net.params)
            self._good_opt = {k: v.copy() for k, v in self.optimizer.state.items()}
            if self.records.snapshot_due(self.epoch):
                self.records.keep_snapshot(self.epoch, self.net.params, self.optimizer.state,
                                           self._rng.bit_generator.state)
            self.status = f"epoch {self.epoch}"
        return healthy

    def _measure(self):
        """An epoch's measures: ``evaluate`` on the training and the test split (NaNs without one) and
        ``_gradient_magnitudes``."""
        train = self.evaluate(self._train)
        grads = self._gradient_magnitudes()  # right after evaluate(train), whose forward pass it reuses
        return train, self._evaluate_test(), grads

    def _gradient_magnitudes(self):
        """Mean |dL/dW| per layer on the whole training set, right after ``evaluate(train)``.

        Watching these over epochs shows vanishing gradients: with sigmoid in a
        deep network the first layers' values are orders of magnitude smaller.
        """
        split = self._train
        if split.n <= self._chunk:  # evaluate's forward pass is still in the workspace
            self.net.backward_into(self._workspace(split.n), split.x_aug, split.Y, self._loss, self._eval_grad_mats)
        else:
            self._chunked_gradient(split.x_aug, split.Y, self._eval_grad)
        return self.net.layer_weight_means(np.abs(self._eval_grad, out=self._tmp))

    @property
    def latest(self):
        """The metrics of the network now, as a dict of ``HISTORY_COLUMNS``, without building the DataFrame.

        Between epochs (after a Step batch) they are evaluated afresh, not recorded: the history keeps
        whole epochs only.
        """
        if self._pos == 0:
            return self.records.latest
        with np.errstate(all="ignore"):
            row = history_row(self.epoch, self.evaluate(self._train), self._evaluate_test(), float(self._lr))
        return dict(zip(HISTORY_COLUMNS, row))

    @property
    def batch_progress(self):
        """``(done, per_epoch)``: mini-batches done in the current epoch, and how many an epoch has."""
        size = self.batch_size
        return -(-self._pos // size), -(-self._train.n // size)

    def stable_learning_rate(self, rates, epochs, seconds=0.5):
        """The first of ``rates`` with which ``epochs`` epochs from the current state do not diverge, or None.

        Each rate is tried on a twin in exactly this state (network, optimizer, shuffling), so the answer
        holds for what a resume will do; all trying stops within one mini-batch of ``seconds`` (then None:
        nothing was verified).
        """
        deadline = time.monotonic() + seconds
        for rate in rates:
            trial = self._twin()
            trial.configure(learning_rate=rate)
            if trial.run_until(deadline, epochs) == epochs:
                return rate
            if time.monotonic() > deadline:
                break
        return None

    def stop_reason(self, stop_below=0.0, patience=0, since=0):
        """Why training should stop now, in plain words, or None.

        stop_below : the watched loss (test loss, or train loss without a test set) is below it (0: off)
        patience : it has not improved on its best for this many epochs (0: off), counting from the
            best epoch or from ``since`` (e.g. the epoch Play was pressed at), whichever is later
        """
        which = "test" if self._test else "training"
        watched = self.records.watched_loss
        if stop_below > 0 and watched < stop_below:
            return (f"Stopped at epoch {self.epoch:,}: the {which} loss {watched:.4g} is below the target "
                    f"{stop_below:g}.")
        best, best_epoch = self.records.best
        if patience > 0 and self.epoch - max(best_epoch, since) >= patience:
            return (f"Stopped at epoch {self.epoch:,}: the {which} loss has not improved for {patience:,} epochs "
                    f"(best {best:.4g} at epoch {best_epoch:,}).")
        return None

    def confusion(self, test=True):
        """The confusion matrix (``metrics.confusion_matrix``) on the test (or training) split, or None
        for regression or without test points."""
        split = self._test if test else self._train
        if split is None or split.labels is None:
            return None
        with np.errstate(all="ignore"):
            out = self._outputs(split)[1]
            predicted = predicted_classes(out.T)
        return confusion_matrix(split.labels.astype(np.int64), predicted, max(self.net.sizes[-1], 2))

    def _twin(self):
        """An independent trainer in this trainer's state: the same next steps, without its history."""
        twin = Trainer(self.net.copy(), *self._data, loss=self.loss_name, optimizer=self.optimizer.name,
                       learning_rate=self.learning_rate, batch_size=self.batch_size,
                       regularization=self.regularization, reg_rate=self.reg_rate, schedule=self.schedule,
                       decay_every=self.decay_every, decay_factor=self.decay_factor, clip_norm=self.clip_norm,
                       dropout=self.dropout)
        for k, v in self.optimizer.state.items():
            np.copyto(twin.optimizer.state[k], v)
        twin._rng.bit_generator.state = self._rng.bit_generator.state
        np.copyto(twin._shuffled_x, self._shuffled_x)
        np.copyto(twin._shuffled_Y, self._shuffled_Y)
        twin.epoch, twin.steps, twin._pos = self.epoch, self.steps, self._pos
        twin._set_epoch_rate()
        return twin

    # -- the records (records.py), read through the trainer --

    @property
    def history(self):
        """Per-epoch history as a DataFrame (``Records.history``): ``HISTORY_COLUMNS``, then ``grad_1`` ..
        ``grad_L``, the mean |dL/dW| of each weight layer on the training set."""
        return self.records.history

    def loss_curve(self, max_points=400):
        """Epoch, train loss and test loss of at most ``max_points`` history rows (``Records.loss_curve``)."""
        return self.records.loss_curve(max_points)

    @property
    def milestones(self):
        """Goal name -> (epoch, note): the first epoch a named goal was met (``Records.milestones``)."""
        return self.records.milestones

    @property
    def max_loss_gap(self):
        """The largest test loss - training loss of the recorded epochs (NaN without test points): how far the
        network overfitted at worst."""
        return self.records.max_loss_gap

    @property
    def snapshot_epochs(self):
        """Epochs that ``restore`` and ``params_at`` can return to exactly."""
        return self.records.snapshot_epochs

    def params_at(self, epoch):
        """A copy of the parameters as they were after ``epoch`` (nearest earlier snapshot)."""
        return self.records.params_at(epoch)

    # -- going back in time --

    def restore(self, epoch):
        """Go back to the snapshot at or before ``epoch``; later history is dropped.

        Training resumes from there and, with the same settings, replays the
        same steps (the shuffling random state is restored too).  Milestones
        after it are dropped with the history.  Returns the epoch actually restored.
        """
        snap = self.records.snapshot_at(epoch)
        np.copyto(self.net.params, snap.params)
        if set(snap.opt_state) == set(self.optimizer.state):
            for k, v in snap.opt_state.items():
                np.copyto(self.optimizer.state[k], v)
        self._rng.bit_generator.state = snap.rng_state
        self.epoch, self._pos = snap.epoch, 0
        self.records.go_back(snap.epoch)
        np.copyto(self._good_params, snap.params)
        self._good_opt = {k: v.copy() for k, v in self.optimizer.state.items()}
        self.diverged, self.status = False, f"epoch {self.epoch}"
        self._set_epoch_rate()
        return snap.epoch
