"""One neuron, one example: the numbers of its forward and backward pass, for teaching.

Forward:   z = sum_i w_i a_i + b,   a = f(z)
Backward:  delta = dL/dz = dL/da * f'(z)
           dL/dw_i = a_i delta,  dL/db = delta
Update:    w_i <- w_i - lr dL/dw_i   (training averages this over a mini-batch)

Everything is read off ``Network.forward`` and ``Network.gradients`` (the
gradient-checked code), so the numbers shown are the ones training uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, MATCHED, targets


@dataclass(frozen=True)
class NeuronTrace:
    """Forward and backward quantities of neuron ``unit`` of weight layer ``layer`` for one example."""

    layer: int
    unit: int
    activation: str
    inputs: np.ndarray  # a_i, the previous layer's activations (n_in,)
    weights: np.ndarray  # w_i (n_in,)
    bias: float
    z: float
    a: float
    dL_da: float  # upstream gradient dL/da; NaN for an output whose loss matches it (delta = a - y)
    df_dz: float  # f'(z); NaN as dL_da
    delta: float  # dL/dz
    grad_weights: np.ndarray  # a_i * delta
    grad_bias: float
    learning_rate: float

    @property
    def update_weights(self):
        """-lr * dL/dw for this example alone."""
        return -self.learning_rate * self.grad_weights


def trace(net, x, y, loss, layer, unit, learning_rate):
    """Trace neuron ``unit`` of weight layer ``layer`` (0 = first hidden layer) on example ``(x, y)``.

    ``x`` is one input row ``(n_features,)``; ``y`` its label or target.
    """
    if not 0 <= layer < net.n_layers or not 0 <= unit < net.sizes[layer + 1]:
        raise ValueError(f"layer must be in 0..{net.n_layers - 1} and unit in 0..{net.sizes[layer + 1] - 1}")
    X, Y = np.asarray(x, dtype=np.float64)[None], np.asarray(y)[None]
    acts = net.forward(X)
    dW, db = net.gradients(X, Y, loss)
    is_output = layer == net.n_layers - 1
    name = net.output_activation if is_output else net.activations[layer]
    inputs, a = acts[layer][0], float(acts[layer + 1][0, unit])
    z = float(inputs @ net.weights[layer][:, unit] + net.biases[layer][unit])
    delta = float(db[layer][unit])
    matched = is_output and (name, loss) in MATCHED
    if matched:  # the loss's derivative and f'(z) cancel: delta = a - y directly
        dL_da = df_dz = float("nan")
    else:
        act, z_arr = ACTIVATIONS[name], np.array([z])
        df_dz = float(act.df(z_arr, act.f(z_arr))[0])  # from f(z): a is 0 for a switched-off neuron
        if is_output:
            dL_da = float(LOSSES[loss].grad(np.array([a]), targets(Y, net.sizes[-1])[0, unit:unit + 1])[0])
        else:  # what the next layer sends back: sum_k w_jk delta_k
            dL_da = float(net.weights[layer + 1][unit] @ db[layer + 1])
    return NeuronTrace(layer, unit, name, inputs.copy(), net.weights[layer][:, unit].copy(),
                       float(net.biases[layer][unit]), z, a, dL_da, df_dz, delta, dW[layer][:, unit].copy(),
                       delta, float(learning_rate))
