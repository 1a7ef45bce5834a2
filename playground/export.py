"""Export a configuration as a standalone NumPy script, in the style of the original tutorial.

The script is built from the playground's own source, never from a copy: the
network, its losses, optimizers and training loop are ``reference.py`` (the
plain NumPy network that the tests hold equal to ``Network`` and ``Trainer``),
the data come from the dataset's generator in ``datasets.py`` and the inputs
from ``features.py`` (with ``formula.py``, the custom feature's interpreter).
The learning rate schedule and gradient clipping are ``schedules.py``'s.
Only the configuration's constants and a short main that trains and prints are
written here. It seeds, splits, initialises, shuffles, schedules, clips and
updates as ``Experiment`` and ``Trainer`` do, and stops where playing stops
(Stop at, Stop below loss, Patience, a divergence), so it prints the app's
losses and accuracies, and a student can read every step in one file.

A script holds a configuration, nothing more: what the app may hold beyond
its link (drawn or uploaded points, weights edited by hand or loaded, settings
changed while training) cannot travel, and the script's docstring says so and
names the model file (JSON) as the way to carry trained weights.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from urllib.parse import quote

from nn_core import datasets, features, formula, reference, schedules

from . import params
from .challenges import CHALLENGES

TEMPLATE = '''"""A neural network from scratch in NumPy, exported from the Neural Network Playground.

It rebuilds this configuration and trains it from epoch 0 as the app does
when Play is pressed on a fresh start: the same data, initial weights,
shuffling, dropout, learning rates and updates, stopping where the app stops
(Stop at, Stop below loss, Patience, a divergence), so it prints the same
numbers (to the last digits: the app sums in another order, and a large
learning rate can grow that difference over the epochs).  Paste these link
parameters after the app's address to open it there:
?{query}

What a link cannot hold does not travel here either: points drawn or uploaded
in the app, weights edited by hand or loaded from a model file, and settings
changed while training (this script uses the final ones from the start).  To
keep those, download the model file (JSON) in the app's Export panel, which
holds the trained weights and the epoch, and your points as CSV in Your data.
{notes}
The network below is the playground's reference network (reference.py):

{reference_doc}
"""

import numpy as np

N_SAMPLES, NOISE, SEED, TRAIN_RATIO = {n_samples}, {noise}, {seed}, {train_ratio}
FEATURE_NAMES = {features}
FORMULA = {formula!r}  # the feature "custom"
HIDDEN = {hidden}  # neurons per hidden layer
LAYER_ACTIVATIONS, INIT = {activations!r}, {init!r}  # one activation per hidden layer
OFF = {off!r}  # hidden neurons switched off (output held at 0): (layer, unit), counted from 1
DROPOUT = {dropout!r}  # the dropout rate of each hidden layer, in training only (empty: none)
N_OUTPUTS, OUTPUT, LOSS = {n_outputs}, {output!r}, {loss!r}
OPTIMIZER, LEARNING_RATE, BATCH_SIZE = {optimizer!r}, {learning_rate}, {batch_size}  # None: full batch
REGULARIZATION, REG_RATE = {regularization!r}, {reg_rate}
SCHEDULE, DECAY_EVERY, DECAY_FACTOR = {schedule!r}, {decay_every}, {decay_factor}  # each epoch's rate: rate()
CLIP_NORM = {clip_norm}  # the longest gradient allowed (0: no clipping)
EPOCHS, STOP_BELOW, PATIENCE = {epochs}, {stop_below}, {patience}  # Stop at; stop below test loss; patience (0: off)
CLASSIFICATION = {classification}  # False for regression: there is no accuracy, only the loss


# ---- the data: the playground's own generator and split ----

{dataset_source}

# ---- the input features (a custom one is a formula, checked and run by a small interpreter) ----

{formula_source}
{features_source}

# ---- the network ----

{reference_source}

# ---- the learning rate schedule and gradient clipping ----

{schedules_doc}

{schedules_source}

# ---- this configuration: data, network, training ----

def make_data():
    """Points from the dataset's generator, split into training and test points, as features."""
    X, y = {dataset}(N_SAMPLES, NOISE, np.random.default_rng(SEED){classes_arg})
    X_train, y_train, X_test, y_test = split(X, y, TRAIN_RATIO, np.random.default_rng(SEED + 1))
    return transform(X_train, FEATURE_NAMES, FORMULA), y_train, transform(X_test, FEATURE_NAMES, FORMULA), y_test


class ClippingOptimizer(Optimizer):
    """The optimizer, with the loss's gradient first clipped by its global norm (``clip_by_norm``) over
    every weight and bias, before the penalty's gradient is added, as the app clips (0: no clipping)."""

    def __init__(self, name, net, regularization, reg_rate, clip_norm):
        super().__init__(name, net, regularization, reg_rate)
        self.clip_norm = clip_norm

    def step(self, net, dW, db, learning_rate):
        if self.clip_norm:
            grads = dW + db
            flat = np.concatenate([g.ravel() for g in grads])  # one vector, so its norm is the global norm
            clip_by_norm(flat, self.clip_norm)
            parts = np.split(flat, np.cumsum([g.size for g in grads])[:-1])
            grads = [part.reshape(g.shape) for part, g in zip(parts, grads)]
            dW, db = grads[:len(dW)], grads[len(dW):]
        super().step(net, dW, db, learning_rate)


def measure(net, X, y):
    """The loss, the number of points classified right (None for regression) and the number of points."""
    loss = net.loss(X, targets(y, N_OUTPUTS), LOSS)
    return loss, (round(accuracy(net.predict(X), y) * len(y)) if CLASSIFICATION else None), len(y)


def describe(name, loss, right, n, loss_format=".4f"):
    """One part's figures in words, as the app shows them (``loss_format=""``: every digit)."""
    text = f"{{name}} loss {{loss:{{loss_format}}}}"
    return text if right is None else text + f", {{name}} accuracy {{right / n:.1%}} ({{right}} of {{n}} points)"


def progress(epoch, train, test):
    """The line printed after an epoch: both parts' figures (``measure``'s), the losses to 4 decimals."""
    return f"Epoch {{epoch}}: {{describe('train', *train)}}; {{describe('test', *test)}}"


def stop_reason(epoch, test_loss, best_epoch):
    """Why playing stops after ``epoch``, as the app checks it at every epoch's end, or None.

    The epoch limit (Stop at), the test loss below STOP_BELOW, or its best (lowest) value, reached at
    ``best_epoch``, PATIENCE epochs old; 0 turns either of the last two off.
    """
    if epoch == EPOCHS:
        return "the limit set in Stop at"
    if STOP_BELOW > 0 and test_loss < STOP_BELOW:
        return f"the test loss {{test_loss:.4g}} is below the target {{STOP_BELOW:g}}"
    if PATIENCE > 0 and epoch - best_epoch >= PATIENCE:
        return f"the test loss has not improved for {{PATIENCE}} epochs (best at epoch {{best_epoch}})"
    return None


def main():
    X_train, y_train, X_test, y_test = make_data()
    sizes = [X_train.shape[1], *HIDDEN, N_OUTPUTS]
    net = Network(sizes, LAYER_ACTIVATIONS, OUTPUT, INIT, np.random.default_rng(SEED + 2), OFF)
    optimizer = ClippingOptimizer(OPTIMIZER, net, REGULARIZATION, REG_RATE, CLIP_NORM)
    Y_train = targets(y_train, N_OUTPUTS)
    rng = np.random.default_rng(SEED + 3)  # the shuffling and the dropout masks
    batch_size = min(BATCH_SIZE or len(X_train), len(X_train))
    epoch, train, test = 0, measure(net, X_train, y_train), measure(net, X_test, y_test)
    best, best_epoch = test[0], 0
    print(progress(epoch, train, test))
    reason = None
    while reason is None:
        kept = [p.copy() for p in net.weights + net.biases]
        learning_rate = rate(SCHEDULE, LEARNING_RATE, epoch, DECAY_EVERY, DECAY_FACTOR)  # epoch: those done
        train_epoch(net, X_train, Y_train, LOSS, optimizer, learning_rate, batch_size, rng, DROPOUT)
        trained = measure(net, X_train, y_train)
        if not (np.isfinite(trained[0]) and all(np.isfinite(p).all() for p in net.weights + net.biases)):
            for p, k in zip(net.weights + net.biases, kept):
                p[...] = k
            print(f"Training diverged during epoch {{epoch + 1}}: the loss became NaN or infinite; "
                  f"the network is kept as it was after epoch {{epoch}}. Lower the learning rate.")
            break
        epoch, train, test = epoch + 1, trained, measure(net, X_test, y_test)
        if test[0] < best:
            best, best_epoch = test[0], epoch
        reason = stop_reason(epoch, test[0], best_epoch)
        if epoch % 10 == 0 or reason:
            print(progress(epoch, train, test))
    if reason:
        print(f"Stopped at epoch {{epoch}}: {{reason}}.")
    print(f"After {{epoch}} epochs, every digit:")
    print(describe("train", *train, ""))
    print(describe("test", *test, ""))
    return net


if __name__ == "__main__":
    main()
'''


def _source_without_header(obj):
    """A function's or module's source, without module docstring, __future__, NumPy and package imports."""
    src = inspect.getsource(obj)
    if inspect.ismodule(obj):
        src = re.sub(r'^""".*?"""\n', "", src, flags=re.S)
        src = "\n".join(line for line in src.splitlines()  # the script imports NumPy once, at its top
                        if not line.startswith(("from __future__", "import numpy", "from .")))
    return src.strip() + "\n"


def _dataset_source(name):
    """Source of the dataset's generator, the private helpers it calls (transitively) and ``split``."""
    fn = datasets.DATASETS[name].make
    needed, todo = [], [fn]
    while todo:
        src = inspect.getsource(todo.pop())
        for helper in re.findall(r"\b(_\w+)\(", src):
            obj = getattr(datasets, helper, None)
            if inspect.isfunction(obj) and obj not in needed:
                needed.append(obj)
                todo.append(obj)
    return "\n\n".join(_source_without_header(f) for f in [*needed[::-1], fn, datasets.split])


def _notes(c):
    """Sentences for the script's docstring about what in ``c`` the script does not do: a race, a challenge."""
    notes = []
    if c["race"]:
        setting, values = c["race"].split(":", 1)
        notes.append(f"This link races {setting} ({values}), a network per value; this script trains one, the "
                     f"configuration's own ({setting} {params.PARAMS[setting].format(c[setting])}).  To train a "
                     f"racer here, pin the race in Compare runs, restore the racer and export its script.")
    if c["challenge"] != "none":
        notes.append(f"The goals of the challenge \"{CHALLENGES[c['challenge']].title}\" are graded in the app, "
                     "not here.")
    return "".join(f"\n{textwrap.fill(n, 78)}\n" for n in notes)


def standalone_script(config):
    """The text of a runnable script that rebuilds and retrains ``config`` with NumPy only."""
    c = params.validate(config)
    kind = params.dataset_kind(c)
    n_classes = c["n_classes"] if kind == "multiclass" else 2
    output, n_outputs, loss = params.output_setup(kind, c["loss"], n_classes)
    ds = datasets.DATASETS[c["dataset"]]
    return TEMPLATE.format(
        query="&".join(f"{k}={quote(v, safe=',')}" for k, v in params.encode(c).items()),
        notes=_notes(c), reference_doc=inspect.getdoc(reference),
        n_samples=c["n_samples"], noise=c["noise"], seed=c["seed"], train_ratio=c["train_ratio"],
        features=list(c["features"]), formula=c["formula"], hidden=list(c["hidden"]),
        activations=list(params.hidden_activations(c)), off=list(c["off"]), dropout=list(c["dropout"]),
        init=c["init"],
        n_outputs=n_outputs, output=output, loss=loss, optimizer=c["optimizer"],
        learning_rate=c["learning_rate"], batch_size=None if c["full_batch"] else c["batch_size"],
        regularization=c["regularization"], reg_rate=c["reg_rate"], schedule=c["schedule"],
        decay_every=c["decay_every"], decay_factor=c["decay_factor"], clip_norm=c["clip_norm"],
        epochs=c["epochs"], stop_below=c["stop_below"], patience=c["patience"],
        classification=kind != "regression", dataset_source=_dataset_source(c["dataset"]),
        formula_source=_source_without_header(formula), features_source=_source_without_header(features),
        schedules_doc=textwrap.indent(inspect.getdoc(schedules), "# ", lambda line: True).replace("# \n", "#\n"),
        schedules_source=_source_without_header(schedules), reference_source=_source_without_header(reference),
        dataset=ds.make.__name__, classes_arg=f", n_classes={c['n_classes']}" if ds.kind == "multiclass" else "",
    )
