"""A neural network in plain NumPy, written the way a textbook writes it.

This is the playground's network to read.  ``network.py`` computes the same
numbers faster (one flat parameter vector, transposed buffers, fused
operations) and is harder to learn from; here every step is in sight: a list
of weight matrices and a list of bias vectors, a forward pass that keeps the
pre-activation z and the activation a of every layer, and backpropagation
that walks the layers backwards with the chain rule.  Tests check that both
give the same losses, gradients and training to 1e-10, and the script the app
exports is this file plus the code that makes the data.

It imports NumPy only, so it can be copied into a notebook as it is.

Shapes: X is (n, n_features), one row per example; layer l has weights W[l]
of shape (n_in, n_out) and biases b[l] of shape (n_out,):

    z[l] = a[l] @ W[l] + b[l],    a[l + 1] = f(z[l]),    a[0] = X

Backpropagation, for the mean loss L over the n examples of a batch:

    delta[last] = dL/dz[last] = dL/da * f'(z[last])    ((a - y) / n for the matched pairs)
    dL/dW[l] = a[l].T @ delta[l],    dL/db[l] = delta[l] summed over the examples
    delta[l - 1] = (delta[l] @ W[l].T) * f'(z[l - 1])

f'(z) is the slope at the PRE-activation z.  (The classic tutorial applied
sigmoid' to the output a = sigmoid(z), the slope at the wrong point.)

Each hidden layer may have its own activation.  A hidden layer's activations
may be multiplied by a mask m, a = m f(z): 0 for a neuron switched off, and in
training with dropout 0 for a dropped unit, 1 / (1 - p) for a kept one
(inverted dropout: the expected activation stays f(z), so measuring needs no
mask).  The chain rule then multiplies delta by the same m:

    delta[l - 1] = (delta[l] @ W[l].T) * f'(z[l - 1]) * m[l - 1]
"""

import numpy as np

# ---- activations: a = f(z), and the derivative f'(z) at the pre-activation z ----


def relu(z):
    """max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_derivative(z):
    """1 where z > 0, else 0."""
    return (z > 0).astype(float)


def leaky_relu(z):
    """max(z, 0.01 z): like ReLU, but a small slope keeps negative neurons learning."""
    return np.maximum(z, 0.01 * z)


def leaky_relu_derivative(z):
    """1 where z > 0, else 0.01."""
    return np.where(z > 0, 1.0, 0.01)


def tanh(z):
    """(e^z - e^-z) / (e^z + e^-z), between -1 and 1."""
    return np.tanh(z)


def tanh_derivative(z):
    """1 - tanh(z)^2."""
    return 1 - np.tanh(z) ** 2


def sigmoid(z):
    """1 / (1 + e^-z), between 0 and 1, computed as (1 + tanh(z / 2)) / 2, which never overflows."""
    return 0.5 * (1 + np.tanh(0.5 * z))


def sigmoid_derivative(z):
    """sigmoid(z) (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def linear(z):
    """z itself (for regression outputs)."""
    return z


def linear_derivative(z):
    """1."""
    return np.ones_like(z)


def softmax(z):
    """e^z_k / sum_j e^z_j over each row's outputs: probabilities that sum to 1.

    Subtracting the row's largest z first changes nothing but keeps e^z from
    overflowing.  Its derivative is not elementwise; it is only used with
    cross-entropy, where dL/dz = (a - y) / n (see ``output_delta``).
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Activation:
    """An activation as a named pair: its ``output`` f(z) and its ``derivative`` f'(z), both functions of z."""

    def __init__(self, output, derivative):
        self.output = output
        self.derivative = derivative


ACTIVATIONS = {
    "relu": Activation(relu, relu_derivative),
    "leaky_relu": Activation(leaky_relu, leaky_relu_derivative),
    "tanh": Activation(tanh, tanh_derivative),
    "sigmoid": Activation(sigmoid, sigmoid_derivative),
    "linear": Activation(linear, linear_derivative),
    "softmax": Activation(softmax, None),  # not elementwise: used with cross-entropy only (see output_delta)
}


# ---- losses: the mean over the examples, computed from the output's z ----


def squared_error(z, a, Y):
    """1/n sum over examples of 1/2 ||a - y||^2."""
    return 0.5 * np.sum((a - Y) ** 2) / len(a)


def binary_cross_entropy(z, a, Y):
    """-1/n sum y log a + (1 - y) log(1 - a), with a = sigmoid(z).

    Written with z it is 1/n sum log(1 + e^z) - y z, and log(1 + e^z) is
    np.logaddexp(0, z), exact even where e^z overflows.  From a it would be
    log 0 as soon as sigmoid(z) rounds to 1 (z > 37).
    """
    return np.sum(np.logaddexp(0, z) - Y * z) / len(z)


def cross_entropy(z, a, Y):
    """-1/n sum over examples of sum_k y_k log a_k, with a = softmax(z).

    log softmax(z)_k = z_k - log sum_j e^z_j, and log sum_j e^z_j is computed
    as m + log sum_j e^(z_j - m) with m the largest z: exact for every logit.
    """
    m = z.max(axis=1, keepdims=True)
    log_sum_exp = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.sum(Y * (log_sum_exp - z)) / len(z)


LOSSES = {"mse": squared_error, "bce": binary_cross_entropy, "cross_entropy": cross_entropy}

# Output activation and loss whose dL/da * f'(z) simplifies to (a - y) / n.
MATCHED = {("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse")}


def output_delta(z, a, Y, output_activation, loss):
    """dL/dz of the output layer for the mean loss over the n examples.

    For the matched pairs the chain rule collapses: with sigmoid and bce,
    dL/da = (a - y) / (a (1 - a)) / n and f'(z) = a (1 - a), so dL/dz = (a - y) / n;
    softmax with cross-entropy and linear with squared error give the same.
    bce and cross-entropy are only used with their matched output; the other
    pairs are squared error (dL/da = (a - y) / n) with sigmoid or tanh, times f'(z).
    """
    n = len(Y)
    if (output_activation, loss) in MATCHED:
        return (a - Y) / n
    if loss != "mse":
        raise ValueError(f"{loss} needs the output activation it is matched with")
    return (a - Y) / n * ACTIVATIONS[output_activation].derivative(z)


def targets(y, n_outputs):
    """Labels or targets as an (n, n_outputs) matrix: one-hot rows for several outputs, a column for one."""
    return np.eye(n_outputs)[y] if n_outputs > 1 else np.asarray(y, dtype=float)[:, None]


# ---- the network ----


class Network:
    """A fully connected network: ``weights[l]`` (n_in, n_out) and ``biases[l]`` (n_out,) per layer.

    ``sizes`` lists the units per layer, inputs first: [2, 4, 1] has one
    hidden layer of 4.  ``activation`` is one name for every hidden layer or
    a list, one per hidden layer.  ``init`` draws the first weights: "xavier"
    (normal, variance 2 / (n_in + n_out), suits tanh and sigmoid), "he"
    (normal, variance 2 / n_in, suits ReLU) or "uniform" (between -1 and 1).
    Biases start at zero.  ``off`` lists hidden neurons switched off, as
    (layer, unit) counted from 1: (1, 2) is the second neuron of the first
    hidden layer.
    """

    def __init__(self, sizes, activation="tanh", output_activation="sigmoid", init="xavier", rng=None, off=()):
        rng = rng if rng is not None else np.random.default_rng(0)
        hidden = sizes[1:-1]
        self.activations = [activation] * len(hidden) if isinstance(activation, str) else list(activation)
        self.output_activation = output_activation
        self.on = [np.ones(k) for k in hidden]  # per hidden layer: 1 for a neuron on, 0 for one off
        for layer, unit in off:
            self.on[layer - 1][unit - 1] = 0.0
        self.weights, self.biases = [], []
        for n_in, n_out in zip(sizes, sizes[1:]):
            if init == "uniform":
                W = rng.uniform(-1.0, 1.0, (n_in, n_out))
            else:
                variance = 2.0 / n_in if init == "he" else 2.0 / (n_in + n_out)
                W = rng.normal(0.0, np.sqrt(variance), (n_in, n_out))
            self.weights.append(W)
            self.biases.append(np.zeros(n_out))

    def masks(self, dropout=None):
        """What multiplies each hidden layer's activations: ``on``, times the dropout mask where one is given."""
        dropout = dropout or [None] * len(self.on)
        return [on if d is None else on * d for on, d in zip(self.on, dropout)]

    def forward(self, X, masks=None):
        """The pre-activations [z0, z1, ...] and activations [X, a1, ..., output] of every layer.

        ``masks`` (``self.masks(...)``, by default without dropout) multiply the hidden activations.
        """
        masks = self.masks() if masks is None else masks
        zs, activations = [], [X]
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = activations[-1] @ W + b
            zs.append(z)
            if l == last:
                activations.append(ACTIVATIONS[self.output_activation].output(z))
            else:
                activations.append(ACTIVATIONS[self.activations[l]].output(z) * masks[l])
        return zs, activations

    def predict(self, X):
        """The output, (n, n_outputs)."""
        return self.forward(X)[1][-1]

    def loss(self, X, Y, loss):
        """The mean loss over the examples (no regularisation term)."""
        zs, activations = self.forward(X)
        return LOSSES[loss](zs[-1], activations[-1], Y)

    def backprop(self, X, Y, loss, dropout=None):
        """Gradients (dW, db) of the mean loss, by the chain rule from the output back to the first layer.

        ``dropout``: per hidden layer None or its dropout mask (n, n_units), as ``train_epoch`` draws them.
        """
        masks = self.masks(dropout)
        zs, activations = self.forward(X, masks)
        delta = output_delta(zs[-1], activations[-1], Y, self.output_activation, loss)
        dW, db = [None] * len(self.weights), [None] * len(self.weights)
        for l in reversed(range(len(self.weights))):
            dW[l] = activations[l].T @ delta
            db[l] = delta.sum(axis=0)
            if l > 0:
                derivative = ACTIVATIONS[self.activations[l - 1]].derivative
                delta = (delta @ self.weights[l].T) * derivative(zs[l - 1]) * masks[l - 1]
        return dW, db


# ---- optimizers and regularisation ----

MOMENTUM = 0.9
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8  # Adam's


class Optimizer:
    """Gradient descent by "sgd", "momentum" or "adam", as PyTorch's torch.optim computes them.

    For every weight matrix and bias vector p with gradient g, at step t = 1, 2, ...:

        sgd:       p -= lr g
        momentum:  v = 0.9 v + g;  p -= lr v          (v: a running sum of gradients)
        adam:      m = 0.9 m + 0.1 g;  v = 0.999 v + 0.001 g^2
                   p -= lr m_hat / (sqrt(v_hat) + 1e-8),  m_hat = m / (1 - 0.9^t),  v_hat = v / (1 - 0.999^t)

    m and v start at zero, so early on they are too small; m_hat and v_hat
    correct that.  Regularisation ("l1" or "l2", strength ``reg_rate`` = lambda)
    adds the penalty's gradient to the weights' gradients, never to the
    biases': lambda w for L2 (penalty lambda/2 sum w^2), lambda sign(w) for L1
    (penalty lambda sum |w|).
    """

    def __init__(self, name, net, regularization="none", reg_rate=0.0):
        self.name, self.regularization, self.reg_rate = name, regularization, reg_rate
        params = net.weights + net.biases
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, net, dW, db, learning_rate):
        """Update ``net``'s weights and biases in place from the gradients (dW, db)."""
        if self.regularization == "l2":
            dW = [g + self.reg_rate * W for g, W in zip(dW, net.weights)]
        elif self.regularization == "l1":
            dW = [g + self.reg_rate * np.sign(W) for g, W in zip(dW, net.weights)]
        self.t += 1
        for i, (p, g) in enumerate(zip(net.weights + net.biases, dW + db)):
            if self.name == "sgd":
                p -= learning_rate * g
            elif self.name == "momentum":
                self.v[i] = MOMENTUM * self.v[i] + g
                p -= learning_rate * self.v[i]
            else:  # adam
                self.m[i] = BETA1 * self.m[i] + (1 - BETA1) * g
                self.v[i] = BETA2 * self.v[i] + (1 - BETA2) * g**2
                m_hat = self.m[i] / (1 - BETA1**self.t)
                v_hat = self.v[i] / (1 - BETA2**self.t)
                p -= learning_rate * m_hat / (np.sqrt(v_hat) + EPSILON)


# ---- training and measuring ----


def dropout_masks(rates, n, sizes, rng):
    """Inverted dropout's masks for a batch of n examples: per hidden layer of k units with rate p > 0,
    an (n, k) array of 0 (dropped, with probability p) and 1 / (1 - p) (kept); None where p is 0."""
    return [(rng.random((n, k)) >= p) / (1 - p) if p > 0 else None for p, k in zip(rates, sizes)]


def train_epoch(net, X, Y, loss, optimizer, learning_rate, batch_size, rng, dropout=()):
    """One pass over the training set (X, Y) in mini-batches of ``batch_size`` examples.

    The examples are shuffled by a fresh permutation from ``rng`` each epoch
    (not when one batch holds them all: then the order changes nothing); the
    last batch holds what is left.  ``dropout`` lists a rate per hidden layer
    (empty: none); each batch draws its masks from ``rng`` after the shuffle.
    """
    n = len(X)
    order = rng.permutation(n) if batch_size < n else np.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        masks = dropout_masks(dropout, len(rows), [len(on) for on in net.on], rng) if any(dropout) else None
        dW, db = net.backprop(X[rows], Y[rows], loss, masks)
        optimizer.step(net, dW, db, learning_rate)


def accuracy(output, labels):
    """Share of examples whose predicted class is the label: the largest output, or output > 0.5 for one."""
    predicted = output.argmax(axis=1) if output.shape[1] > 1 else (output[:, 0] > 0.5).astype(int)
    return np.mean(predicted == labels)
