"""The seed tutorial, "Creating a Neural Network from Scratch in Python", corrected.

Five functions, one hidden layer, sigmoid everywhere, squared error and
full-batch gradient descent: the smallest complete neural network.  Kept
beside the general ``Network`` for side-by-side teaching; a test proves the
two give the same weights.

The fix.  The tutorial computed ``output = sigmoid(z)`` and then
``sigmoid_derivative(output)`` with ``sigmoid_derivative(x) =
sigmoid(x) * (1 - sigmoid(x))``: it squashed the output a second time and took
the slope at the wrong place.  The chain rule needs the slope at the
pre-activation, ``sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)) = a (1 - a)``.
Below, ``sigmoid_derivative`` takes ``z`` and the caller passes ``z``.

Shapes: X (n, n_inputs), y (n, n_outputs), W1 (n_inputs, n_hidden), b1 (n_hidden,),
W2 (n_hidden, n_outputs), b2 (n_outputs,).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z), computed without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z):
    """d sigma / dz at the PRE-activation z: sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def initialize_network(n_inputs, n_hidden, n_outputs, seed=0):
    """Weights uniform in [-1, 1], biases zero (as ``Network(init="uniform")``)."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.uniform(-1.0, 1.0, (n_inputs, n_hidden)), "b1": np.zeros(n_hidden),
        "W2": rng.uniform(-1.0, 1.0, (n_hidden, n_outputs)), "b2": np.zeros(n_outputs),
    }


def forward_propagation(X, network):
    """z1 = X W1 + b1, a1 = sigma(z1), z2 = a1 W2 + b2, a2 = sigma(z2); returns all four."""
    z1 = X @ network["W1"] + network["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ network["W2"] + network["b2"]
    a2 = sigmoid(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2}


def backward_propagation(X, y, network, cache):
    """Gradients of E = 1/n sum 1/2 (a2 - y)^2 by the chain rule.

    delta2 = (a2 - y) sigma'(z2) / n;  dW2 = a1^T delta2;  db2 = sum delta2
    delta1 = (delta2 W2^T) sigma'(z1); dW1 = X^T delta1;   db1 = sum delta1
    """
    delta2 = (cache["a2"] - y) * sigmoid_derivative(cache["z2"]) / len(X)
    delta1 = (delta2 @ network["W2"].T) * sigmoid_derivative(cache["z1"])
    return {
        "W1": X.T @ delta1, "b1": delta1.sum(axis=0),
        "W2": cache["a1"].T @ delta2, "b2": delta2.sum(axis=0),
    }


def train_network(X, y, n_hidden, epochs, learning_rate, seed=0, network=None):
    """Full-batch gradient descent for ``epochs`` epochs; returns (network, losses per epoch)."""
    network = network or initialize_network(X.shape[1], n_hidden, y.shape[1], seed)
    losses = []
    for _ in range(epochs):
        cache = forward_propagation(X, network)
        losses.append(0.5 * np.mean(np.sum((cache["a2"] - y) ** 2, axis=1)))
        grads = backward_propagation(X, y, network, cache)
        for name in network:
            network[name] = network[name] - learning_rate * grads[name]
    return network, losses


def predict(X, network):
    """Class 1 where the output exceeds 0.5."""
    return (forward_propagation(X, network)["a2"] > 0.5).astype(int)
