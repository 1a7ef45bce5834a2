"""Core benchmark: nn_core against a plain float64 NumPy MLP written here, in one process.

Cases (sigmoid output, binary cross-entropy, SGD, learning rate 0.03, batch 10;
the circle dataset, 500 points, half for training):

* W1 step / epoch: 2-4-2-1 tanh on (x1, x2);
* W2 step / epoch: 7 features, 6 hidden layers of 8, relu;
* grid: every layer's activations of a 2-[8x6]-1 tanh net over 200 x 200 points;
* W1 together: an epoch of each of 30 W1 trainers trained together (``nn_core.cohort.train_together``, as a
  server trains its sessions' alike networks), per trainer, against the reference's epoch.  Before
  timing, the benchmark asserts that one of them ends exactly, bit for bit, where it ends trained alone.

Ours is the public API: ``Trainer.train_step``, ``Trainer.train_epoch`` and
``Grid(features, res=200).activations(net)``.  The reference (``Reference``,
``reference_activations``) is the MLP anyone would write: lists of W and b,
``a @ W + b``, the usual deltas, a fresh permutation per epoch and fancy-indexed
mini-batches, the train/test loss and accuracy after each epoch.  Both start
from the same weights and shuffle with the same seed, and before timing the
benchmark asserts they compute the same thing: parameters after one step and
after one epoch agree to 1e-10, grid activations to float32 precision.

Every call is timed on its own and the median kept, so a step is a typical
step, not the epoch-ending one.  Ours and the reference alternate so that
machine noise hits both: steps in runs of 50 calls and epochs in runs of 5
(each run a few milliseconds), so that each side works with its own code and
data in cache, as in a training loop; grids call by call.  Each ratio is
ours / reference.  Run as a script, the benchmark asks BLAS for one thread
(unless OPENBLAS_NUM_THREADS etc. are set): on this 2-core machine, when other
processes are busy, OpenBLAS's two threads make the grid's products several
times slower and erratic, for both sides alike.

    python bench/core.py            # table
    python bench/core.py --json     # JSON
    python bench/core.py --quick    # fewer repeats (a few seconds)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # before NumPy loads (see the module docstring)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_core import FEATURES, Grid, Network, Trainer, make_dataset, split, transform  # noqa: E402
from nn_core.cohort import train_together  # noqa: E402

LEARNING_RATE = 0.03
BATCH_SIZE = 10
TARGETS = {"step": 0.5, "epoch": 0.5, "grid": 0.2, "together": 0.2}  # ours / reference, at most
TRAINING_CASES = {
    "W1": {"sizes": [2, 4, 2, 1], "activation": "tanh", "init": "xavier", "features": ["x1", "x2"]},
    "W2": {"sizes": [7, 8, 8, 8, 8, 8, 8, 1], "activation": "relu", "init": "he",
           "features": [f for f in FEATURES if f != "custom"]},
}
GRID_SIZES = [2, 8, 8, 8, 8, 8, 8, 1]
GRID_RES = 200
REPEATS = {"step": 4000, "epoch": 600, "grid": 60, "together": 100}  # timed calls of each side; --quick: a tenth
RUNS = {"step": 50, "epoch": 5, "grid": 1, "together": 1}  # consecutive calls of one side before the other's turn
TOGETHER = 30  # W1 trainers in the "together" case


# -- the reference: a plain float64 NumPy MLP --

def sigmoid(z):
    """1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


REFERENCE_ACTIVATIONS = {  # name -> (f(z), f'(z) given z and a = f(z))
    "tanh": (np.tanh, lambda z, a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
}


class Reference:
    """A straightforward MLP trainer: sigmoid output, binary cross-entropy, SGD on shuffled mini-batches.

    Parameters
    ----------
    weights, biases : sequences of arrays
        Initial ``(n_in, n_out)`` weights and ``(n_out,)`` biases (copied).
    activation : str
        Hidden activation, a key of ``REFERENCE_ACTIVATIONS``.
    X_train, y_train, X_test, y_test : arrays
        Inputs ``(n, n_features)`` and 0/1 labels ``(n,)``.
    seed : int
        Seed of the shuffling: a new permutation at the start of every epoch.
    """

    def __init__(self, weights, biases, activation, X_train, y_train, X_test, y_test, seed=0):
        self.W = [np.array(w, dtype=float) for w in weights]
        self.b = [np.array(b, dtype=float) for b in biases]
        self.f, self.df = REFERENCE_ACTIVATIONS[activation]
        self.X, self.y = X_train, y_train.reshape(-1, 1).astype(float)
        self.X_test, self.y_test = X_test, y_test.reshape(-1, 1).astype(float)
        self.rng = np.random.default_rng(seed)
        self.pos = 0
        self.history = []

    def forward(self, X):
        """Pre-activations ``[z1, ..., zL]`` and activations ``[X, a1, ..., aL]``."""
        zs, acts = [], [X]
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W + b
            zs.append(z)
            acts.append(self.f(z) if l < len(self.W) - 1 else sigmoid(z))
        return zs, acts

    def gradients(self, X, y):
        """dL/dW and dL/db of the mean loss: delta = (a - y) / n at the output, then backwards."""
        zs, acts = self.forward(X)
        delta = (acts[-1] - y) / len(X)
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            dW[l] = acts[l].T @ delta
            db[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.W[l].T) * self.df(zs[l - 1], acts[l])
        return dW, db

    def train_step(self):
        """One mini-batch update; the last batch of an epoch records the epoch."""
        if self.pos == 0:
            self.order = self.rng.permutation(len(self.X))
        idx = self.order[self.pos:self.pos + BATCH_SIZE]
        dW, db = self.gradients(self.X[idx], self.y[idx])
        for W, b, gW, gb in zip(self.W, self.b, dW, db):
            W -= LEARNING_RATE * gW
            b -= LEARNING_RATE * gb
        self.pos += BATCH_SIZE
        if self.pos >= len(self.X):
            self.pos = 0
            self.history.append(self.evaluate(self.X, self.y) + self.evaluate(self.X_test, self.y_test))

    def train_epoch(self):
        """Finish the current epoch."""
        self.train_step()
        while self.pos:
            self.train_step()

    def evaluate(self, X, y):
        """Mean binary cross-entropy and accuracy."""
        a = np.clip(self.forward(X)[1][-1], 1e-12, 1 - 1e-12)
        return -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)), np.mean((a > 0.5) == y)


def reference_grid(features, res=GRID_RES):
    """The ``(res * res, n_features)`` inputs of the grid, row by row (x2 outer, x1 inner)."""
    coords = np.linspace(-6.0, 6.0, res)
    x1, x2 = np.meshgrid(coords, coords)
    return transform(np.column_stack([x1.ravel(), x2.ravel()]), features)


def reference_activations(weights, biases, points, activation, res=GRID_RES):
    """Every layer's activations over the grid, ``[inputs, hidden..., output]``, each ``(res, res, n_units)``."""
    f = REFERENCE_ACTIVATIONS[activation][0]
    acts = [points]
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = acts[-1] @ W + b
        acts.append(f(z) if l < len(weights) - 1 else sigmoid(z))
    return [a.reshape(res, res, -1) for a in acts]


# -- the cases: ours and the reference, side by side --

def training_pair(case, seed=0):
    """A fresh ``(Trainer, Reference)`` pair for a key of ``TRAINING_CASES``, with identical weights."""
    c = TRAINING_CASES[case]
    X, y = make_dataset("circle", 500, seed=seed)
    X_train, y_train, X_test, y_test = split(X, y, 0.5, np.random.default_rng(seed))
    X_train, X_test = transform(X_train, c["features"]), transform(X_test, c["features"])
    net = Network(c["sizes"], activation=c["activation"], output_activation="sigmoid", init=c["init"], seed=seed)
    ours = Trainer(net, X_train, y_train, X_test, y_test, loss="bce", optimizer="sgd",
                   learning_rate=LEARNING_RATE, batch_size=BATCH_SIZE, seed=seed)
    ref = Reference(net.weights, net.biases, c["activation"], X_train, y_train, X_test, y_test, seed=seed)
    return ours, ref


def params_gap(ours, ref):
    """Largest absolute difference between the two sides' weights and biases."""
    return max(float(np.max(np.abs(mine - theirs)))
               for mine, theirs in zip(ours.net.weights + ours.net.biases, ref.W + ref.b))


def assert_same_params(case, ours, ref, after):
    """Assert that both sides hold the same parameters (to 1e-10); return the gap."""
    gap = params_gap(ours, ref)
    assert gap < 1e-10, f"{case}: parameters differ by {gap:.1e} after {after}"
    return gap


def check_training(case):
    """Assert that a step, then the rest of an epoch, leave the same parameters on both sides."""
    ours, ref = training_pair(case)
    ours.train_step()
    ref.train_step()
    gap = assert_same_params(case, ours, ref, "one step")
    ours.train_epoch()
    ref.train_epoch()
    return max(gap, assert_same_params(case, ours, ref, "one epoch"))


def grid_pair(seed=0):
    """Ours ``(grid, net)`` and the reference's float64 inputs, for the grid case."""
    net = Network(GRID_SIZES, activation="tanh", output_activation="sigmoid", seed=seed)
    return Grid(("x1", "x2"), res=GRID_RES), net, reference_grid(("x1", "x2"))


def check_grid(seed=0):
    """Assert that both sides' grid activations agree to float32 precision."""
    grid, net, points = grid_pair(seed)
    mine = grid.activations(net)
    theirs = reference_activations(net.weights, net.biases, points, "tanh")
    assert len(mine) == len(theirs), "grid: different numbers of layers"
    gap = max(float(np.max(np.abs(m - t))) for m, t in zip(mine, theirs))
    assert gap < 1e-5, f"grid: activations differ by {gap:.1e}"
    return gap


def together_case(epochs=3):
    """``TOGETHER`` W1 trainers (seeds 0, 1, ...) and a function training them an epoch together, after
    asserting that ``epochs`` epochs together leave the first exactly as they leave it alone."""
    trainers = [training_pair("W1", seed)[0] for seed in range(TOGETHER)]
    train_together([(tr, epochs, None) for tr in trainers], math.inf)
    alone = training_pair("W1", 0)[0]
    alone.run(epochs)
    assert np.array_equal(trainers[0].net.params, alone.net.params), "W1 together: not as alone"
    return lambda: train_together([(tr, 1, None) for tr in trainers], math.inf)


# -- timing --

def time_alternating(ours, ref, repeats, warmup, run=1):
    """Median seconds per call of ``ours()`` and ``ref()``, ``repeats`` calls each.

    The two alternate in runs of ``run`` calls (who goes first swaps), after
    ``warmup`` calls each.
    """
    for _ in range(warmup):
        ours()
        ref()
    times = {ours: [], ref: []}
    clock = time.perf_counter
    for i in range(max(repeats // run, 1)):
        for fn in (ours, ref) if i % 2 == 0 else (ref, ours):
            spent = times[fn]
            for _ in range(run):
                t0 = clock()
                fn()
                spent.append(clock() - t0)
    return statistics.median(times[ours]), statistics.median(times[ref])


def result(kind, mine, theirs):
    """One table row: times in microseconds, the ratio, its target and whether it is met."""
    ratio = mine / theirs
    return {"ours_us": mine * 1e6, "reference_us": theirs * 1e6, "ratio": ratio, "target": TARGETS[kind],
            "ok": ratio <= TARGETS[kind]}


def run(repeats=REPEATS):
    """Check and time every case; ``{case: result(...)}``.

    ``repeats`` gives the timed calls per side for step, epoch and grid; a
    tenth as many warm up first.  The training cases also check, after
    timing, that both sides still hold the same parameters.
    """
    results = {}
    for case in TRAINING_CASES:
        check_training(case)
        for kind in ("step", "epoch"):
            ours, ref = training_pair(case)
            n = repeats[kind]
            timings = time_alternating(getattr(ours, f"train_{kind}"), getattr(ref, f"train_{kind}"), n,
                                       max(n // 10, 1), RUNS[kind])
            assert_same_params(case, ours, ref, f"the timed {kind}s")
            results[f"{case} {kind}"] = result(kind, *timings)
    together, ref = together_case(), training_pair("W1")[1]
    n = repeats["together"]
    mine, theirs = time_alternating(together, ref.train_epoch, n, max(n // 10, 1), RUNS["together"])
    results["W1 together"] = result("together", mine / TOGETHER, theirs)
    check_grid()
    grid, net, points = grid_pair()
    n = repeats["grid"]
    results[f"grid {GRID_RES}x{GRID_RES}"] = result("grid", *time_alternating(
        lambda: grid.activations(net), lambda: reference_activations(net.weights, net.biases, points, "tanh"),
        n, max(n // 10, 1), RUNS["grid"]))
    return results


def table(results):
    """The results as a fixed-width text table."""
    lines = [f"{'case':<14}{'ours µs':>10}{'ref µs':>10}{'ratio':>8}{'target':>8}  status", "-" * 56]
    for name, r in results.items():
        lines.append(f"{name:<14}{r['ours_us']:>10.1f}{r['reference_us']:>10.1f}{r['ratio']:>8.3f}"
                     f"{r['target']:>8.2f}  {'ok' if r['ok'] else 'OVER'}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON dict instead of a table")
    parser.add_argument("--quick", action="store_true", help="a tenth of the repeats")
    args = parser.parse_args()
    results = run({kind: n // 10 for kind, n in REPEATS.items()} if args.quick else REPEATS)
    print(json.dumps(results, indent=2) if args.json else table(results))
    over = [name for name, r in results.items() if not r["ok"]]
    if over and not args.json:
        print(f"\nOVER TARGET: {', '.join(over)}")


if __name__ == "__main__":
    main()
