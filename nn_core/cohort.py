"""Training alike networks together: one NumPy call per operation for all of them.

At playground sizes a mini-batch step costs NumPy's per-call overhead, not
arithmetic (``network.py``): a default network's step is about 24 calls on
arrays of a few dozen numbers.  A server where a class trains the same
network many times over can make each call once for all of them.  Trainers
that ``stack_key`` finds alike (the same layers, activations, loss,
optimizer, batch size and number of training points) train *together*:
their parameters, optimizer states and shuffled rows are stacked along a
first axis of ``k``, every product is one ``np.matmul`` over the stack and
every activation one ufunc call (``Network.forward_into`` and
``backward_into`` given stacked blocks and a stacked workspace).

Each network's numbers are exactly those it gets training alone:
``np.matmul`` multiplies each matrix of a stack as ``np.dot`` multiplies
one, elementwise operations act element by element (each trainer's own
learning rate a row of a column), each trainer shuffles with its own
generator and records its own epochs.  ``tests/test_cohort.py`` checks it
bit for bit, so a run replays the same whoever trained beside it.

What is not stacked trains alone (``stack_key`` is None): dropout,
switched-off neurons, gradient clipping (each network's norm), a pass
larger than a workspace chunk.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .network import _T
from .optimizers import add_penalty_gradient, make_optimizer


def stack_key(trainer):
    """What ``trainer`` must share with others to train together (equal keys), or None if it trains alone."""
    train, test = trainer._train, trainer._test
    n_test = test.n if test else 0
    if (trainer.dropout or trainer.net.off or trainer.clip_norm
            or max(trainer.batch_size, train.n, n_test) > trainer._chunk):  # every pass in one piece
        return None
    net = trainer.net
    penalty = trainer.regularization if trainer._regularize else "none"  # its rate may differ
    return (tuple(net.sizes), net.activations, net.output_activation, trainer.loss_name, trainer.optimizer.name,
            penalty, trainer.batch_size, train.n, n_test, train.labels is None)


class _Stack:
    """``k`` alike trainers' parameters, optimizer states, shuffled rows and pass buffers, stacked: row ``i``
    of each is trainer ``i``'s."""

    def __init__(self, trainers):
        first, k = trainers[0], len(trainers)
        net = first.net
        self.trainers = trainers
        self.params = np.empty((k, len(net.params)))
        self.mats = net.layer_views(self.params)
        self.grad = np.empty_like(self.params)
        self.grad_mats = net.layer_views(self.grad)
        self.optimizer = make_optimizer(first.optimizer.name, self.params.shape)
        self.rates = np.empty((k, 1))
        self.penalty = first.regularization if first._regularize else None
        self.rate_masks = np.stack([tr._rate_mask for tr in trainers]) if self.penalty else None
        self.tmp = np.empty_like(self.params)
        self.x = np.empty((k, *first._shuffled_x.shape))
        self.Y = np.empty((k, *first._shuffled_Y.shape))
        n, size, workspaces = first._train.n, first.batch_size, {}
        self.batches = []  # (inputs, targets, workspace) of each mini-batch, as Trainer._batch gives one
        for lo in range(0, n, size):
            hi = min(lo + size, n)
            if hi - lo not in workspaces:
                workspaces[hi - lo] = net.workspace(hi - lo, stack=(k,))
            self.batches.append((_T(self.x[:, lo:hi]), _T(self.Y[:, lo:hi]), workspaces[hi - lo]))
        # the splits an epoch's measures pass over (Trainer._measure): inputs, targets, workspace
        self.splits = [(np.stack([s.x_aug for s in splits]), np.stack([s.Y for s in splits]),
                        net.workspace(splits[0].n, stack=(k,)))
                       for splits in ([tr._train for tr in trainers], [tr._test for tr in trainers]) if splits[0]]
        self.eval_grad = np.empty_like(self.params)
        self.eval_grad_mats = net.layer_views(self.eval_grad)

    def train_epoch(self):
        """One epoch of every trainer: each shuffles its rows, then each mini-batch is one stacked step.  The
        new parameters and optimizer states go back to the trainers, which then record the epoch themselves."""
        trainers, opt = self.trainers, self.optimizer
        for tr in trainers:
            tr._shuffle()
        np.stack([tr._shuffled_x for tr in trainers], out=self.x)
        np.stack([tr._shuffled_Y for tr in trainers], out=self.Y)
        np.stack([tr.net.params for tr in trainers], out=self.params)
        for name, state in opt.state.items():
            np.stack([tr.optimizer.state[name] for tr in trainers], out=state)
        self.rates[:, 0] = [tr._lr for tr in trainers]
        net, loss = trainers[0].net, trainers[0]._loss
        for x, Y, ws in self.batches:
            net.forward_into(ws, x, self.mats)
            net.backward_into(ws, x, Y, loss, self.grad_mats, self.mats)
            if self.penalty:
                add_penalty_gradient(self.grad, self.params, self.penalty, self.rate_masks, self.tmp)
            opt.update(self.params, self.grad, self.rates)
        for i, (tr, measured) in enumerate(zip(trainers, self.measure())):
            np.copyto(tr.net.params, self.params[i])
            for name, state in opt.state.items():
                np.copyto(tr.optimizer.state[name], state[i])
            tr.steps += len(self.batches)
            tr._end_epoch(measured)

    def measure(self):
        """Each trainer's measures of its network now (``Trainer._measure``), the passes over the splits made
        together: the forward passes over the training and the test split, and backpropagation over the first."""
        trainers = self.trainers
        net, loss = trainers[0].net, trainers[0]._loss
        outputs = [(ws.z[-1], net.forward_into(ws, x, self.mats)) for x, _, ws in self.splits]
        x, Y, ws = self.splits[0]
        net.backward_into(ws, x, Y, loss, self.eval_grad_mats, self.mats)  # after the training split's forward
        np.abs(self.eval_grad, out=self.eval_grad)
        (z, out), (z_test, out_test) = outputs[0], outputs[-1]  # the test split's, if any
        for i, tr in enumerate(trainers):
            train = tr._scores(tr._train, z[i], out[i])
            test = tr._scores(tr._test, z_test[i], out_test[i]) if tr._test else (math.nan,) * 3
            yield train, test, tr.net.layer_weight_means(self.eval_grad[i])


def train_together(jobs, deadline, clock=time.monotonic):
    """Train each of ``jobs``, ``(trainer, max_epochs, after_epoch)`` with alike trainers (``stack_key``), as
    ``trainer.run_until(deadline, max_epochs, after_epoch)`` would, but all together, epoch by epoch.

    A trainer mid-epoch first finishes that epoch alone; a diverged one does not train.  Each trainer stops
    at its ``max_epochs``, its divergence or the first epoch its ``after_epoch()`` (None: none) is true at;
    all stop at the first epoch that ends after ``deadline`` (a ``clock()`` time).  The last one left trains
    on alone (its ``run_until``).  Returns the epochs each trained, in order.
    """
    keys = {stack_key(tr) for tr, _, _ in jobs}
    if None in keys or len(keys) > 1:
        raise ValueError("train_together trains alike trainers only (equal stack_key)")
    done = [0] * len(jobs)

    def trains_on(j):
        """After job ``j``'s trainer ended an epoch: count it; whether the trainer goes on."""
        tr, most, after = jobs[j]
        if tr.diverged:
            return False
        done[j] += 1
        return not (after is not None and after()) and done[j] < most

    with np.errstate(all="ignore"):
        going = [j for j, (tr, most, _) in enumerate(jobs)
                 if most > 0 and not tr.diverged and (not tr._pos or tr.train_epoch() and trains_on(j))]
        stack = None
        while len(going) > 1:
            trainers = [jobs[j][0] for j in going]
            if stack is None or stack.trainers != trainers:
                stack = _Stack(trainers)
            stack.train_epoch()
            going = [j for j in going if trains_on(j)]
            if clock() >= deadline:
                return done
        for j in going:
            tr, most, after = jobs[j]
            done[j] += tr.run_until(deadline, most - done[j], after, clock)
    return done


__all__ = ["stack_key", "train_together"]
