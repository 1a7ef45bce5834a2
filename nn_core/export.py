"""Export a configuration as a standalone NumPy script, in the style of the original tutorial.

The script is built from the playground's own source, never from a copy: the
network, its losses, optimizers and training loop are ``reference.py`` (the
plain NumPy network that the tests hold equal to ``Network`` and ``Trainer``),
the data come from the dataset's generator in ``datasets.py`` and the inputs
from ``features.py`` (with ``formula.py``, the custom feature's interpreter).
Only the configuration's constants and a short main that trains and prints are
written here. It seeds, splits, initialises, shuffles and updates as
``Experiment`` and ``Trainer`` do, so it prints the app's losses and
accuracies, and a student can read every step in one file.
"""

from __future__ import annotations

import inspect
import re
from urllib.parse import quote

from . import datasets, features, formula, params, reference

TEMPLATE = '''"""A neural network from scratch in NumPy, exported from the Neural Network Playground.

It rebuilds and retrains this configuration and prints the same numbers as the
app.  Paste these link parameters after the app's address to open it there:
?{query}

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
EPOCHS = {epochs}
CLASSIFICATION = {classification}  # False for regression: there is no accuracy, only the loss


# ---- the data: the playground's own generator and split ----

{dataset_source}

# ---- the input features (a custom one is a formula, checked and run by a small interpreter) ----

{formula_source}
{features_source}

# ---- the network ----

{reference_source}

# ---- this configuration: data, network, training ----

def make_data():
    """Points from the dataset's generator, split into training and test points, as features."""
    X, y = {dataset}(N_SAMPLES, NOISE, np.random.default_rng(SEED){classes_arg})
    X_train, y_train, X_test, y_test = split(X, y, TRAIN_RATIO, np.random.default_rng(SEED + 1))
    return transform(X_train, FEATURE_NAMES, FORMULA), y_train, transform(X_test, FEATURE_NAMES, FORMULA), y_test


def measure(net, X, y):
    """The loss, and for classification the number of points classified right."""
    loss = net.loss(X, targets(y, N_OUTPUTS), LOSS)
    return loss, (round(accuracy(net.predict(X), y) * len(y)) if CLASSIFICATION else None)


def describe(name, loss, right, n, loss_format=".4f"):
    """One part's figures in words, as the app shows them (``loss_format=""``: every digit)."""
    text = f"{{name}} loss {{loss:{{loss_format}}}}"
    return text if right is None else text + f", {{name}} accuracy {{right / n:.1%}} ({{right}} of {{n}} points)"


def main():
    X_train, y_train, X_test, y_test = make_data()
    sizes = [X_train.shape[1], *HIDDEN, N_OUTPUTS]
    net = Network(sizes, LAYER_ACTIVATIONS, OUTPUT, INIT, np.random.default_rng(SEED + 2), OFF)
    optimizer = Optimizer(OPTIMIZER, net, REGULARIZATION, REG_RATE)
    Y_train = targets(y_train, N_OUTPUTS)
    rng = np.random.default_rng(SEED + 3)  # the shuffling
    batch_size = min(BATCH_SIZE or len(X_train), len(X_train))
    for epoch in range(1, EPOCHS + 1):
        train_epoch(net, X_train, Y_train, LOSS, optimizer, LEARNING_RATE, batch_size, rng, DROPOUT)
        if epoch % 10 == 0 or epoch == EPOCHS:
            train, test = measure(net, X_train, y_train), measure(net, X_test, y_test)
            print(f"Epoch {{epoch}}: {{describe('train', *train, len(y_train))}}; "
                  f"{{describe('test', *test, len(y_test))}}")
    print(f"After {{EPOCHS}} epochs, every digit:")
    print(describe("train", *train, len(y_train), ""))
    print(describe("test", *test, len(y_test), ""))
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


def standalone_script(config, data_kind=None):
    """The text of a runnable script that rebuilds and retrains ``config`` with NumPy only."""
    c = params.validate(config)
    kind = data_kind or params.dataset_kind(c)
    n_classes = c["n_classes"] if kind == "multiclass" else 2
    output, n_outputs, loss = params.output_setup(kind, c["loss"], n_classes)
    ds = datasets.DATASETS[c["dataset"]]
    return TEMPLATE.format(
        query="&".join(f"{k}={quote(v, safe=',')}" for k, v in params.encode(c).items()),
        reference_doc=inspect.getdoc(reference),
        n_samples=c["n_samples"], noise=c["noise"], seed=c["seed"], train_ratio=c["train_ratio"],
        features=list(c["features"]), formula=c["formula"], hidden=list(c["hidden"]),
        activations=list(params.hidden_activations(c)), off=list(c["off"]), dropout=list(c["dropout"]),
        init=c["init"],
        n_outputs=n_outputs, output=output, loss=loss, optimizer=c["optimizer"],
        learning_rate=c["learning_rate"], batch_size=None if c["full_batch"] else c["batch_size"],
        regularization=c["regularization"], reg_rate=c["reg_rate"], epochs=c["epochs"],
        classification=kind != "regression", dataset_source=_dataset_source(c["dataset"]),
        formula_source=_source_without_header(formula), features_source=_source_without_header(features),
        reference_source=_source_without_header(reference),
        dataset=ds.make.__name__, classes_arg=f", n_classes={c['n_classes']}" if ds.kind == "multiclass" else "",
    )
