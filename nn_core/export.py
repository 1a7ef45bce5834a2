"""Export a configuration as a standalone NumPy script, in the style of the original tutorial.

The script rebuilds the data with the playground's own generator (its source
is copied in), initialises, shuffles and updates exactly as ``Trainer`` does,
and prints the same losses and accuracies, so a student can read every step
in one file and check it against the app.
"""

from __future__ import annotations

import inspect
import re

from . import datasets, features, params

ACTIVATION_CODE = {
    "relu": ("np.maximum(z, 0)", "(z > 0).astype(float)"),
    "tanh": ("np.tanh(z)", "1 - np.tanh(z) ** 2"),
    "sigmoid": ("1 / (1 + np.exp(-z))", "sigmoid(z) * (1 - sigmoid(z))"),
    "linear": ("z", "np.ones_like(z)"),
    "leaky_relu": ("np.maximum(z, 0.01 * z)", "np.where(z > 0, 1.0, 0.01)"),
}

TEMPLATE = '''"""A neural network from scratch in NumPy, exported from the Neural Network Playground.

It rebuilds and retrains this configuration and prints the same numbers as the
app.  Paste these link parameters after the app's address to open it there:
?{query}
"""

import numpy as np

N_SAMPLES, NOISE, SEED, TRAIN_RATIO = {n_samples}, {noise}, {seed}, {train_ratio}
FEATURE_NAMES = {features}
HIDDEN = {hidden}  # neurons per hidden layer
INIT = {init!r}
LOSS, OUTPUT = {loss!r}, {output!r}
OPTIMIZER, LEARNING_RATE, BATCH_SIZE = {optimizer!r}, {learning_rate}, {batch_size}  # None: full batch
REGULARIZATION, REG_RATE = {regularization!r}, {reg_rate}
EPOCHS = {epochs}


# ---- the data: the playground's own generator ----
{dataset_source}

# ---- the input features ----
{features_source}

def make_data():
    X, y = {dataset}(N_SAMPLES, NOISE, np.random.default_rng(SEED){classes_arg})
    order = np.random.default_rng(SEED + 1).permutation(len(X))
    n_train = min(max(round(TRAIN_RATIO * len(X)), 1), len(X) - 1)
    train, test = order[:n_train], order[n_train:]
    return transform(X[train], FEATURE_NAMES), y[train], transform(X[test], FEATURE_NAMES), y[test]


def targets(y, n_outputs):
    """Labels as a matrix: one-hot rows for several outputs, a column for one."""
    return np.eye(n_outputs)[y] if n_outputs > 1 else y.astype(float)[:, None]


# ---- activations: f(z) and its derivative f'(z), taken at the PRE-activation z ----
# (The classic tutorial applied sigmoid' to the output a = sigmoid(z), i.e. at the wrong point.)

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def activation(z):
    return {act_f}


def activation_derivative(z):
    return {act_df}


def output_activation(z):
    {out_f}


def output_derivative(z):
    {out_df}


# ---- the network ----

def initialize_network(sizes, rng):
    """Weights W (n_in, n_out) per layer, biases zero."""
    network = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        if INIT == "uniform":
            W = rng.uniform(-1.0, 1.0, (n_in, n_out))
        else:  # xavier (Glorot): variance 2/(n_in + n_out); he: 2/n_in
            W = rng.normal(0.0, np.sqrt(2.0 / n_in if INIT == "he" else 2.0 / (n_in + n_out)), (n_in, n_out))
        network.append({{"W": W, "b": np.zeros(n_out)}})
    return network


def forward_propagation(X, network):
    """z = a W + b and a = f(z), layer by layer; returns every z and a."""
    zs, activations = [], [X]
    for i, layer in enumerate(network):
        z = activations[-1] @ layer["W"] + layer["b"]
        zs.append(z)
        activations.append(output_activation(z) if i == len(network) - 1 else activation(z))
    return zs, activations


def loss_value(a, Y):
    """Mean loss over the samples."""
    {loss_value}


def backward_propagation(Y, network, zs, activations):
    """Gradients of the mean loss, from the output back to the first layer."""
    n = len(Y)
    a = activations[-1]
    {output_delta}
    grads = [None] * len(network)
    for i in reversed(range(len(network))):
        grads[i] = {{"W": activations[i].T @ delta, "b": delta.sum(axis=0)}}
        if i > 0:
            delta = (delta @ network[i]["W"].T) * activation_derivative(zs[i - 1])
    return grads


def update(network, grads, state, t):
    """One optimizer step on every weight and bias (regularisation on weights only)."""
    for layer, grad, s in zip(network, grads, state):
        for name in ("W", "b"):
            g = grad[name]
            if name == "W" and REGULARIZATION == "l2":
                g = g + REG_RATE * layer["W"]
            elif name == "W" and REGULARIZATION == "l1":
                g = g + REG_RATE * np.sign(layer["W"])
            if OPTIMIZER == "sgd":
                layer[name] = layer[name] - LEARNING_RATE * g
            elif OPTIMIZER == "momentum":
                s[name]["v"] = 0.9 * s[name]["v"] - LEARNING_RATE * g
                layer[name] = layer[name] + s[name]["v"]
            else:  # adam
                s[name]["m"] = 0.9 * s[name]["m"] + 0.1 * g
                s[name]["v"] = 0.999 * s[name]["v"] + 0.001 * g * g
                step = LEARNING_RATE * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                layer[name] = layer[name] - step * s[name]["m"] / (np.sqrt(s[name]["v"]) + 1e-8)


def predict(X, network):
    a = forward_propagation(X, network)[1][-1]
    return a.argmax(axis=1) if a.shape[1] > 1 else (a[:, 0] > 0.5).astype(int)


def evaluate(X, y, network):
    a = forward_propagation(X, network)[1][-1]
    loss = loss_value(a, targets(y, a.shape[1]))
    return loss, (np.mean(predict(X, network) == y) if {classification} else float("nan"))


def train_network():
    X_train, y_train, X_test, y_test = make_data()
    n_outputs = {n_outputs}
    network = initialize_network([X_train.shape[1], *HIDDEN, n_outputs], np.random.default_rng(SEED + 2))
    state = [{{k: {{"v": np.zeros_like(p), "m": np.zeros_like(p)}} for k, p in layer.items()}} for layer in network]
    Y_train = targets(y_train, n_outputs)
    rng = np.random.default_rng(SEED + 3)
    n, batch = len(X_train), min(BATCH_SIZE or len(X_train), len(X_train))
    t = 0
    for epoch in range(1, EPOCHS + 1):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            zs, activations = forward_propagation(X_train[rows], network)
            t += 1
            update(network, backward_propagation(Y_train[rows], network, zs, activations), state, t)
        train, test = evaluate(X_train, y_train, network), evaluate(X_test, y_test, network)
        if epoch % 10 == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch}}: train loss {{train[0]:.6f}}, test loss {{test[0]:.6f}}, "
                  f"train accuracy {{train[1]:.4f}}, test accuracy {{test[1]:.4f}}")
    print("final:", *(repr(float(v)) for v in (*train, *test)))
    return network


if __name__ == "__main__":
    train_network()
'''

LOSS_CODE = {
    "mse": "return 0.5 * np.sum((a - Y) ** 2) / len(a)",
    "bce": "a = np.clip(a, 1e-12, 1 - 1e-12)\n    return -np.sum(Y * np.log(a) + (1 - Y) * np.log1p(-a)) / len(a)",
    "cross_entropy": "return -np.sum(Y * np.log(np.maximum(a, 1e-12))) / len(a)",
}


def _source_without_header(obj):
    """A function's or module's source, without module docstring, __future__ and NumPy imports."""
    src = inspect.getsource(obj)
    if inspect.ismodule(obj):
        src = re.sub(r'^""".*?"""\n', "", src, flags=re.S)
        src = "\n".join(line for line in src.splitlines()  # the script imports NumPy once, at its top
                        if not line.startswith(("from __future__", "import numpy"))).strip()
    return src + "\n"


def _dataset_source(name):
    """Source of the dataset's generator and of the private helpers it calls."""
    fn = datasets.DATASETS[name].make
    src = _source_without_header(fn)
    helpers = [h for h in ("_per_class", "_gaussian_clouds", "_spirals") if h + "(" in src]
    for h in list(helpers):  # helpers calling helpers
        helpers += [g for g in ("_per_class",) if g + "(" in inspect.getsource(getattr(datasets, h))
                    and g not in helpers]
    return "\n\n".join(_source_without_header(getattr(datasets, h)) for h in helpers + []) + "\n\n" + src


def standalone_script(config, data_kind=None):
    """The text of a runnable script that rebuilds and retrains ``config`` with NumPy only."""
    c = params.validate(config)
    kind = data_kind or params.dataset_kind(c)
    n_classes = c["n_classes"] if kind == "multiclass" else 2
    output, n_outputs, loss = params.output_setup(kind, c["loss"], n_classes)
    act_f, act_df = ACTIVATION_CODE[c["activation"]]
    if output == "softmax":
        out_f = "e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)"
        out_df = 'raise NotImplementedError("softmax is only used with cross-entropy: delta = a - y")'
    else:
        out_f, out_df = (f"return {code}" for code in ACTIVATION_CODE[output])
    matched = (output, loss) in {("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse")}
    output_delta = ("delta = (a - Y) / n  # the loss and f'(z) cancel for this pair" if matched
                    else "delta = (a - Y) * output_derivative(zs[-1]) / n  # dL/da * f'(z)")
    ds = datasets.DATASETS[c["dataset"]]
    return TEMPLATE.format(
        query="&".join(f"{k}={v}" for k, v in params.encode(c).items()),
        n_samples=c["n_samples"], noise=c["noise"], seed=c["seed"], train_ratio=c["train_ratio"],
        features=list(c["features"]), hidden=list(c["hidden"]), init=c["init"], loss=loss, output=output,
        optimizer=c["optimizer"], learning_rate=c["learning_rate"],
        batch_size=None if c["full_batch"] else c["batch_size"], regularization=c["regularization"],
        reg_rate=c["reg_rate"], epochs=c["epochs"], dataset_source=_dataset_source(c["dataset"]),
        features_source=_source_without_header(features), dataset=ds.make.__name__,
        classes_arg=", n_classes=N_CLASSES" if ds.kind == "multiclass" else "",
        act_f=act_f, act_df=act_df, out_f=out_f, out_df=out_df, loss_value=LOSS_CODE[loss],
        output_delta=output_delta, classification=kind != "regression", n_outputs=n_outputs,
    ).replace("N_CLASSES", str(c["n_classes"]))
