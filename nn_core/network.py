"""A fully connected network of any depth, with backpropagation.

Students: read ``reference.py`` first.  It is the same network written as a
textbook writes it (lists of z and a per layer, one loop backwards, no
buffers), and the tests hold this fast version equal to it, to 1e-10, for
every activation, loss and optimizer.  The app's exported script is built from it.

Shapes (public API): ``X`` is ``(n_samples, n_features)``; layer ``l`` has
weights ``W[l]`` of shape ``(n_in, n_out)`` and biases ``b[l]`` of shape
``(n_out,)``; ``z[l] = a[l] @ W[l] + b[l]`` and ``a[l+1] = f(z[l])`` with
``a[0] = X``.

Backpropagation (for mean loss L over n samples)::

    delta[L-1] = dL/dz[L-1] = dL/da * f'(z)        ((a - y) / n for matched pairs)
    dW[l] = a[l].T @ delta[l],  db[l] = sum over samples of delta[l]
    delta[l-1] = (delta[l] @ W[l].T) * f'(z[l-1])

The derivative is always evaluated at the pre-activation z (see
``activations.py``).

Each hidden layer may have its own activation (``activation`` a list).  A
hidden layer's activations may also be multiplied by a *mask*: 0 for a neuron
switched off (``off``: held at output 0 in training and in every picture) and,
while training with dropout, 0 for a dropped unit and ``1/(1-p)`` for a kept
one.  With ``a = m * f(z)`` the chain rule gives ``da/dz = m * f'(z)``, so
backprop multiplies ``delta`` by the same mask: nothing flows through a
switched-off or dropped neuron.

Two choices make a step fast at playground sizes, where the cost of a NumPy
call, not arithmetic, dominates:

* All parameters live in ONE flat float64 vector ``net.params``; each layer's
  block is the bias-augmented matrix ``M = [W; b]`` of shape ``(n_in + 1,
  n_out)``, and ``net.weights[l]``, ``net.biases[l]`` are views into it.  So
  ``z = [a, 1] @ M`` is one matrix product, ``dM = [a, 1].T @ delta`` gives
  dW and db at once, and an optimizer updates everything in a few calls.
* Inside a pass (``Workspace``) the arrays are stored transposed, one row per
  unit and one column per sample: ``zT = M.T @ [a, 1].T``.  The row of ones
  of ``[a, 1].T`` then sits after the activations, so every array a ufunc
  touches is contiguous.  The public methods return ``(n_samples, n_units)``.

The layout of ``params`` is written here only (in Python): the layers' blocks
one after the other, each row-major (the ``n_in`` rows of W, then b),
``param_count`` entries in all.  ``layer_views`` splits any parameter-shaped
vector the same way (``gradient_buffer`` makes one), and ``weight_mask`` and
``layer_weight_means`` tell weights from biases.  A flat ``params`` vector in
this order is what a caller stores or sends (the playground's live picture
reads it so).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, get_activation
from .losses import MATCHED, get_loss, targets

INITS = ("xavier", "he", "uniform")


class Workspace:
    """Preallocated, transposed buffers for a forward and backward pass on ``n`` samples.

    ``a_aug[l]`` is ``(n_l + 1, n)``: layer ``l``'s activations, one row per
    unit, and a last row of ones, so it is the ready input ``[a, 1].T`` of the
    next product; ``a[l]`` is its (contiguous) view without the ones.  The
    output layer needs no ones.  ``a[0]`` is the input, supplied per call.
    ``forward_layers`` and ``backward_layers`` list each weight layer's
    operands in the order the passes visit them, so their loops only unpack.
    With ``stack=(k,)`` every buffer has a first axis of ``k``: the passes of
    ``k`` alike networks at once (``cohort.py``), network ``i`` in ``[i]``.
    """

    def __init__(self, sizes, n, dtype=np.float64, stack=()):
        self.n = n
        self.inv_n = np.array(1.0 / n, dtype)  # 0-d: a faster operand than a Python float
        self.a_aug = [None] + [np.ones((*stack, k + 1, n), dtype) for k in sizes[1:-1]]
        self.a = [None] + [m[..., :-1, :] for m in self.a_aug[1:]] + [np.empty((*stack, sizes[-1], n), dtype)]
        self.z = [np.empty((*stack, k, n), dtype) for k in sizes[1:]]
        self.delta = [np.empty((*stack, k, n), dtype) for k in sizes[1:]]
        self.tmp = [np.empty((*stack, k, n), dtype) for k in sizes[1:]]
        # a masked layer's f(z) before the mask (its derivative needs it), allocated on first use
        self.unmasked = [None] * (len(sizes) - 1)
        self.masks = None  # the masks of the last forward pass (None: none), which backward uses
        # layer l: z[l] = M[l].T @ input, a[l + 1] = f(z[l]), and the next layer's input
        self.forward_layers = list(zip(self.z, self.a[1:], self.a_aug[1:] + [None]))
        # layer l = L-1 .. 1: dM[l] = a_aug[l] @ delta[l].T, delta[l - 1] = W[l] @ delta[l] * f'(z[l - 1])
        self.backward_layers = [(self.a_aug[l], _T(self.delta[l]), self.delta[l], self.delta[l - 1], self.z[l - 1],
                                 self.a[l], self.tmp[l - 1]) for l in range(len(sizes) - 2, 0, -1)]

    def unmasked_buffer(self, l):
        """The buffer of layer ``l``'s activations before its mask, ``(n_units, n)``."""
        if self.unmasked[l] is None:
            self.unmasked[l] = np.empty_like(self.z[l])
        return self.unmasked[l]


def _T(m):
    """``m`` with its last two axes swapped: the transpose of a matrix, or of each matrix of a stack."""
    return np.swapaxes(m, -1, -2)


def _masked(f, mask, unmasked, z, out):
    """A masked layer's activation ``out = mask * f(z)``, keeping ``f(z)`` in ``unmasked`` for backprop."""
    return np.multiply(f(z, out=unmasked), mask, out=out)


def _masked_backprop(backprop, mask, unmasked, delta, z, a, tmp):
    """For ``a = m f(z)``: ``delta *= f'(z) * m``, with f' from the unmasked f(z) (``a`` is masked)."""
    backprop(delta, z, unmasked, tmp)
    delta *= mask


def param_count(sizes):
    """The number of parameters of a network of layer ``sizes``: ``(n_in + 1) * n_out`` per layer, its ``[W; b]``."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def augment(X, dtype=np.float64):
    """The transposed, bias-augmented input ``[X, 1].T`` of shape ``(n_features + 1, n)``."""
    x_aug = np.ones((X.shape[1] + 1, len(X)), dtype)
    x_aug[:-1] = X.T
    return x_aug


class Network:
    """A multilayer perceptron.

    Parameters
    ----------
    sizes : list of int
        Units per layer, inputs first, outputs last, e.g. ``[2, 4, 2, 1]``.
    activation : str or sequence of str
        Hidden activation: relu, tanh, sigmoid, linear or leaky_relu; or one
        of these per hidden layer.
    output_activation : str
        sigmoid (binary), softmax (multi-class), linear or tanh (regression).
    init : str
        ``xavier`` (Glorot: normal, var 2/(n_in + n_out); suits tanh/sigmoid),
        ``he`` (normal, var 2/n_in; suits relu) or ``uniform`` (U(-1, 1), as the tutorial).
        Biases start at zero.
    seed : int
        Seed of the initial weights.
    off : iterable of (layer, unit)
        Hidden neurons switched off (output held at 0), 1-based as the
        picture labels them: ``(1, 2)`` is neuron 1.2, the second of the first
        hidden layer.  Settable later (``net.off = ...``); the weights stay.

    Attributes
    ----------
    activations : tuple of str
        The activation of each hidden layer, what forward and backward use.
    activation : str or tuple of str
        Their common name, or the tuple when they differ.

    Examples
    --------
    >>> net = Network([2, 4, 2, 1], activation="tanh", seed=0)
    >>> net
    Network(2-4-2-1, tanh -> sigmoid)
    >>> Network([2, 4, 2, 1], activation=["relu", "tanh"], off=[(1, 2)])
    Network(2-4-2-1, relu,tanh -> sigmoid, off 1.2)
    """

    def __init__(self, sizes, activation="tanh", output_activation="sigmoid", init="xavier", seed=0, off=()):
        sizes = [int(k) for k in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least 2 positive layer sizes; got {sizes}")
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
        self.sizes = sizes
        n_hidden = len(sizes) - 2
        names = (activation,) * n_hidden if isinstance(activation, str) else tuple(activation)
        if len(names) != n_hidden:
            raise ValueError(f"activation must be one name or one per hidden layer ({n_hidden}); got {activation!r}")
        self._acts = [get_activation(a, param="activation", allowed=HIDDEN_ACTIVATIONS) for a in names]
        self.activations = names
        if len(set(names)) == 1:
            self.activation = names[0]  # one for all hidden layers
        else:  # mixed (the tuple), or no hidden layer (the name given)
            self.activation = names if names else activation
        self.output_activation = output_activation
        self.init = init
        self.seed = seed
        self._out_act = get_activation(output_activation, param="output_activation", allowed=OUTPUT_ACTIVATIONS)
        if output_activation == "softmax" and sizes[-1] < 2:
            raise ValueError("output_activation 'softmax' needs at least 2 outputs")
        self.params = np.zeros(param_count(sizes))
        # layer l's block [W; b] follows those of the layers before it; its n_in * n_out weights come first
        self._starts = [param_count(sizes[:l + 1]) for l in range(len(sizes) - 1)]
        self._weight_bounds = np.ravel([(s, s + i * o) for s, i, o in zip(self._starts, sizes, sizes[1:])])
        self._weight_counts = np.array([i * o for i, o in zip(sizes, sizes[1:])])
        self._mats = self.layer_views(self.params)
        self._mats_T = [m.T for m in self._mats]  # left operands of zT = M.T @ [a, 1].T
        self._backward_W = self._backward_weights(self._mats)
        # the backprop step of the layer before W[L-1], ..., W[1], as backward_into visits them
        self._backprops = [a.backprop for a in self._acts][::-1]
        out_f = partial(self._out_act.f, axis=-2) if output_activation == "softmax" else self._out_act.f
        self._fs = [a.f for a in self._acts] + [out_f]
        self.off = off
        self.initialize(np.random.default_rng(seed))

    def layer_views(self, flat):
        """Split a flat parameter-shaped vector into per-layer ``(n_in + 1, n_out)`` views ``[W; b]``; a stack
        of them, ``(k, param_count)``, into ``(k, n_in + 1, n_out)`` views."""
        lead = flat.shape[:-1]
        return [part.reshape(*lead, i + 1, o) for part, i, o in zip(np.split(flat, self._starts[1:], axis=-1),
                                                                    self.sizes, self.sizes[1:])]

    @staticmethod
    def _backward_weights(mats):
        """W[L-1], ..., W[1] of the blocks ``mats`` (or stacks of them), the order backward_into visits them."""
        return [m[..., :-1, :] for m in mats][:0:-1]

    def gradient_buffer(self):
        """A new (uninitialised) parameter-shaped vector and its ``layer_views``: where ``backward_into`` writes."""
        flat = np.empty_like(self.params)
        return flat, self.layer_views(flat)

    def weight_mask(self):
        """A parameter-shaped vector of 1.0 at every weight and 0.0 at every bias (what a penalty acts on)."""
        mask = np.zeros_like(self.params)
        for m in self.layer_views(mask):
            m[:-1] = 1.0
        return mask

    def layer_weight_means(self, flat):
        """The mean of a parameter-shaped vector over each layer's weights (its biases left out), as a list."""
        sums = np.add.reduceat(flat, self._weight_bounds)[::2]  # the odd entries sum the biases
        return (sums / self._weight_counts).tolist()

    def initialize(self, rng):
        """Draw fresh weights (biases zero) from ``rng`` according to ``self.init``."""
        for m in self._mats:
            n_in, n_out = m.shape[0] - 1, m.shape[1]
            if self.init == "uniform":
                m[:-1] = rng.uniform(-1.0, 1.0, (n_in, n_out))
            else:
                var = 2.0 / n_in if self.init == "he" else 2.0 / (n_in + n_out)
                m[:-1] = rng.normal(0.0, np.sqrt(var), (n_in, n_out))
            m[-1] = 0.0

    @property
    def weights(self):
        """Tuple of weight matrices ``(n_in, n_out)``: views, so edit them in place."""
        return tuple(m[:-1] for m in self._mats)

    @property
    def biases(self):
        """Tuple of bias vectors ``(n_out,)``: views, so edit them in place."""
        return tuple(m[-1] for m in self._mats)

    @property
    def off(self):
        """The switched-off hidden neurons, sorted ``(layer, unit)`` pairs, 1-based (neuron 1.2 is ``(1, 2)``)."""
        return self._off

    @off.setter
    def off(self, neurons):
        pairs = sorted({tuple(p) for p in neurons})
        for p in pairs:
            if not (len(p) == 2 and all(isinstance(v, (int, np.integer)) for v in p)
                    and 1 <= p[0] <= len(self.sizes) - 2 and 1 <= p[1] <= self.sizes[p[0]]):
                raise ValueError(f"off must list hidden neurons (layer, unit), 1-based, of hidden layers "
                                 f"{self.sizes[1:-1]}; got {p!r}")
        self._off = tuple((int(l), int(u)) for l, u in pairs)
        on = [None] * self.n_layers  # per weight layer: None, or the (n_units, 1) 0/1 column multiplying a
        for l, u in self._off:
            if on[l - 1] is None:
                on[l - 1] = np.ones((self.sizes[l], 1))
            on[l - 1][u - 1] = 0.0
        self.off_masks = on if self._off else None  # None: no mask at all, the fast path

    def masks_with(self, dropout):
        """Every weight layer's mask for a pass: the switched-off neurons' times ``dropout``'s.

        ``dropout`` lists, per hidden layer, None or an array broadcastable to
        ``(n_units, n)`` (transposed, as inside a pass); returns such a list
        for every weight layer (the output's entry None), for ``forward_into``.
        """
        masks = list(self.off_masks or [None] * self.n_layers)
        for l, d in enumerate(dropout):
            if d is not None:
                masks[l] = d if masks[l] is None else d * masks[l]
        return masks

    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + 1)."""
        return len(self._mats)

    def __repr__(self):
        act = self.activation if isinstance(self.activation, str) else ",".join(self.activation)
        off = f", off {' '.join(f'{l}.{u}' for l, u in self.off)}" if self.off else ""
        return f"Network({'-'.join(map(str, self.sizes))}, {act} -> {self.output_activation}{off})"

    def copy(self):
        """An independent network with the same architecture, switched-off neurons and parameters."""
        twin = Network(self.sizes, self.activation, self.output_activation, self.init, self.seed, self.off)
        twin.params[:] = self.params
        return twin

    # -- forward and backward on preallocated buffers (shared by every caller) --

    def workspace(self, n, dtype=np.float64, stack=()):
        """Buffers for passes over ``n`` samples (of ``stack=(k,)`` alike networks at once: see ``Workspace``)."""
        return Workspace(self.sizes, n, dtype, stack)

    def forward_into(self, ws, x_aug, mats=None, masks=None):
        """Forward pass of the transposed augmented input ``x_aug = [X, 1].T`` into ``ws``.

        ``mats`` defaults to the network's own parameter blocks; the grid
        evaluator passes float32 copies, ``cohort.py`` stacks of ``k``
        networks' blocks (with a workspace and inputs stacked alike).  ``masks``
        (``masks_with``) defaults to the switched-off neurons' (None when there
        are none); the trainer passes dropout's too.  Returns the output
        ``ws.a[-1]``, ``(n_out, n)``.
        """
        a_in = x_aug
        product = np.dot if x_aug.ndim == 2 else np.matmul  # a stack: the same product for each of its matrices
        ws.masks = masks = self.off_masks if masks is None else masks
        fs = self._fs if masks is None else [f if m is None else partial(_masked, f, m, ws.unmasked_buffer(l))
                                             for l, (f, m) in enumerate(zip(self._fs, masks))]
        for m_T, f, (z, a, a_aug) in zip(self._mats_T if mats is None else [_T(m) for m in mats], fs,
                                         ws.forward_layers):
            product(m_T, a_in, out=z)
            f(z, out=a)
            a_in = a_aug
        return ws.a[-1]

    def backward_into(self, ws, x_aug, Y, loss, grad_mats, mats=None):
        """Backpropagate after ``forward_into`` (through its masks); write dL/d[W; b] into ``grad_mats``.

        ``Y`` is the transposed ``(n_out, n)`` target matrix and ``loss`` a ``Loss``; ``mats`` the blocks
        ``forward_into`` was given (default the network's own).
        """
        product = np.dot if x_aug.ndim == 2 else np.matmul
        d = ws.delta[-1]
        a_out = ws.a[-1]
        if (self.output_activation, loss.name) in MATCHED:
            np.subtract(a_out, Y, out=d)  # f'(z) cancels: dL/dz = a - y
        else:
            loss.grad(a_out, Y, out=d)
            self._out_act.backprop(d, ws.z[-1], a_out, ws.tmp[-1])
        d *= ws.inv_n
        steps = self._backprops if ws.masks is None else [
            step if m is None else partial(_masked_backprop, step, m, raw)
            for step, m, raw in zip(self._backprops, ws.masks[-2::-1], ws.unmasked[-2::-1])]
        weights = self._backward_W if mats is None else self._backward_weights(mats)
        for W, backprop, grad, (a_aug, d_T, d, d_prev, z_prev, a_prev, tmp) in zip(weights, steps, grad_mats[:0:-1],
                                                                                  ws.backward_layers):
            product(a_aug, d_T, out=grad)
            product(W, d, out=d_prev)
            backprop(d_prev, z_prev, a_prev, tmp)
        product(x_aug, _T(ws.delta[0]), out=grad_mats[0])

    # -- the public, allocating API --

    def _forward_ws(self, X, dropout=None):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {self.sizes[0]}); got {X.shape}")
        x_aug = augment(X)
        ws = self.workspace(len(X))
        masks = None
        if dropout is not None:
            if len(dropout) != len(self.sizes) - 2:
                raise ValueError(f"dropout must hold a mask or None per hidden layer ({len(self.sizes) - 2}); "
                                 f"got {len(dropout)}")
            masks = self.masks_with([None if d is None else np.asarray(d, dtype=np.float64).T for d in dropout])
        self.forward_into(ws, x_aug, masks=masks)
        return ws, x_aug

    def forward(self, X, dropout=None):
        """Every layer's activations ``[X, a1, ..., output]``, each ``(n_samples, n_units)``.

        ``dropout`` (optional): per hidden layer None or a mask ``(n_samples,
        n_units)`` multiplying its activations, 0 for a dropped unit and
        ``1/(1-p)`` for a kept one (the trainer draws these; pass them to check
        the gradients of one masked network).
        """
        ws, x_aug = self._forward_ws(X, dropout)
        return [x_aug[:-1].T] + [a.T for a in ws.a[1:]]

    def predict(self, X):
        """The network output, ``(n_samples, n_outputs)``."""
        return self.forward(X)[-1]

    def loss(self, X, y, loss="bce", dropout=None):
        """Mean loss over the samples (no regularisation term), exact for every logit.

        bce and cross-entropy are computed from the output pre-activation z
        (see ``losses.py``), so a confidently wrong network is not capped.
        ``dropout``: masks as in ``forward``.
        """
        lossf = get_loss(loss, self.output_activation)
        ws, _ = self._forward_ws(X, dropout)
        return lossf.value(ws.z[-1].T, ws.a[-1].T, targets(y, self.sizes[-1]))

    def gradients(self, X, y, loss="bce", dropout=None):
        """Exact gradients of ``net.loss(X, y, loss, dropout)``: ``(dW list, db list)``."""
        lossf = get_loss(loss, self.output_activation)
        ws, x_aug = self._forward_ws(X, dropout)
        _, grad_mats = self.gradient_buffer()
        self.backward_into(ws, x_aug, targets(y, self.sizes[-1]).T, lossf, grad_mats)
        return [g[:-1] for g in grad_mats], [g[-1] for g in grad_mats]

    # -- serialisation (plain JSON-able dicts; never pickle) --

    def to_dict(self):
        """Architecture and parameters as plain lists and strings, for JSON."""
        return {
            "sizes": self.sizes,
            "activation": self.activation if isinstance(self.activation, str) else list(self.activation),
            "output_activation": self.output_activation,
            "init": self.init,
            "seed": self.seed,
            "off": [list(p) for p in self.off],
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
        }

    @classmethod
    def from_dict(cls, d, *, max_params=100_000):
        """Rebuild a network from ``to_dict`` output, checking every shape and value.

        Raises ValueError with a clear message on anything malformed.
        """
        if not isinstance(d, dict):
            raise ValueError("model must be a JSON object")
        missing = {"sizes", "activation", "output_activation", "weights", "biases"} - set(d)
        if missing:
            raise ValueError(f"model is missing {', '.join(sorted(missing))}")
        sizes = d["sizes"]
        if not (isinstance(sizes, list) and 2 <= len(sizes) <= 20
                and all(isinstance(k, int) and 1 <= k <= 1024 for k in sizes)):
            raise ValueError("model sizes must be a list of 2-20 integers in 1..1024")
        n_params = param_count(sizes)
        if n_params > max_params:
            raise ValueError(f"model has {n_params} parameters; the limit is {max_params}")
        init = d.get("init", "xavier")
        seed = d.get("seed", 0)
        if not isinstance(seed, int):
            raise ValueError("model seed must be an integer")
        activation = d["activation"]
        if not (isinstance(activation, str) or isinstance(activation, list) and len(activation) <= 20):
            raise ValueError("model activation must be a name or a list of names, one per hidden layer")
        activation = activation if isinstance(activation, str) else [str(a) for a in activation]
        off = d.get("off", [])
        if not (isinstance(off, list) and len(off) <= sum(sizes[1:-1])
                and all(isinstance(p, list) and len(p) == 2 and all(type(v) is int for v in p) for p in off)):
            raise ValueError("model off must be a list of [layer, unit] pairs of hidden neurons")
        net = cls(sizes, activation, str(d["output_activation"]), str(init), seed, off)
        ws, bs = d["weights"], d["biases"]
        if not (isinstance(ws, list) and isinstance(bs, list) and len(ws) == len(bs) == net.n_layers):
            raise ValueError(f"model needs {net.n_layers} weight matrices and bias vectors")
        for l, (w, b) in enumerate(zip(ws, bs)):
            try:
                w = np.array(w, dtype=np.float64)
                b = np.array(b, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"layer {l}: weights and biases must be numbers") from None
            if w.shape != net.weights[l].shape or b.shape != net.biases[l].shape:
                raise ValueError(
                    f"layer {l}: expected weights {net.weights[l].shape} and biases "
                    f"{net.biases[l].shape}; got {w.shape} and {b.shape}"
                )
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise ValueError(f"layer {l}: weights and biases must be finite")
            net.weights[l][...] = w
            net.biases[l][...] = b
        return net


__all__ = ["Network", "Workspace", "INITS", "ACTIVATIONS", "augment", "param_count"]
