"""Our Trainer against PyTorch (float64), to show that a student's numbers match what torch gives.

For every optimizer (sgd, momentum 0.9, adam) and regulariser (none, l1, l2),
every hidden activation and every output/loss pair, both sides start from the
same weights of a 2-5-4-k network, train 5 epochs on the same 30 points in the
same mini-batches of 7 (the permutations come from the trainer's seed), with the
learning rate changed every epoch, and the script prints the largest absolute
difference in the parameters and in the per-epoch training loss.  A second table
gives the loss of a confidently wrong network at logit margins 28, 100 and 800.

torch is not a dependency of the playground (install it by hand to run this):

    python bench/torch_check.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_core import Network, Trainer  # noqa: E402
from nn_core.activations import HIDDEN_ACTIVATIONS  # noqa: E402

OUTPUT_LOSS = [("sigmoid", "bce"), ("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"),
               ("softmax", "cross_entropy")]
RATES = [0.05, 0.01, 0.1, 0.003, 0.03]  # one per epoch; momentum's steps are up to 10x larger
BATCH, N_TRAIN, SEED, REG_RATE = 7, 30, 3, 0.01


def torch_parts(torch):
    """Hidden activations, output losses (of z, target) and penalties, in torch."""
    F = torch.nn.functional
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z,
                   "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}

    def half_squared_error(out):
        return lambda z, y: 0.5 * ((out(z) - y) ** 2).sum(dim=1).mean()

    losses = {("sigmoid", "bce"): F.binary_cross_entropy_with_logits,
              ("sigmoid", "mse"): half_squared_error(torch.sigmoid),
              ("linear", "mse"): half_squared_error(lambda z: z),
              ("tanh", "mse"): half_squared_error(torch.tanh),
              ("softmax", "cross_entropy"): F.cross_entropy}
    penalties = {"none": lambda ws: 0.0, "l2": lambda ws: 0.5 * REG_RATE * sum((w**2).sum() for w in ws),
                 "l1": lambda ws: REG_RATE * sum(w.abs().sum() for w in ws)}
    return activations, losses, penalties


def case(torch, parts, optimizer, regularization, activation, output, loss):
    """Train both sides; (largest parameter gap, largest per-epoch training-loss gap)."""
    activations, losses, penalties = parts
    n_out = 3 if output == "softmax" else 1
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(N_TRAIN, 2))
    y = rng.uniform(-0.9, 0.9, N_TRAIN) if loss == "mse" else rng.integers(0, max(n_out, 2), N_TRAIN)
    net = Network([2, 5, 4, n_out], activation=activation, output_activation=output, seed=SEED)
    tr = Trainer(net, X, y, loss=loss, optimizer=optimizer, learning_rate=RATES[0], batch_size=BATCH,
                 regularization=regularization, reg_rate=REG_RATE if regularization != "none" else 0.0, seed=SEED)

    ws = [torch.tensor(w, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in net.biases]
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=RATES[0]),
           "momentum": lambda p: torch.optim.SGD(p, lr=RATES[0], momentum=0.9),
           "adam": lambda p: torch.optim.Adam(p, lr=RATES[0])}[optimizer](ws + bs)
    Xt = torch.tensor(X)
    yt = torch.tensor(y) if output == "softmax" else torch.tensor(y, dtype=torch.float64)[:, None]

    def logits(x):
        a = x
        for w, b in zip(ws[:-1], bs[:-1]):
            a = activations[activation](a @ w + b)
        return a @ ws[-1] + bs[-1]

    shuffle = np.random.default_rng(SEED)  # the trainer's permutations, drawn the same way
    loss_gap = 0.0
    for lr in RATES:
        tr.configure(learning_rate=lr)
        if not tr.train_epoch():
            raise RuntimeError(f"{optimizer}, {activation} -> {output}, {loss}: {tr.status}")
        for group in opt.param_groups:
            group["lr"] = lr
        order = torch.tensor(shuffle.permutation(N_TRAIN))
        for start in range(0, N_TRAIN, BATCH):
            rows = order[start:start + BATCH]
            opt.zero_grad()
            (losses[output, loss](logits(Xt[rows]), yt[rows]) + penalties[regularization](ws)).backward()
            opt.step()
        with torch.no_grad():
            loss_gap = max(loss_gap, abs(tr.latest["train_loss"] - float(losses[output, loss](logits(Xt), yt))))
    params_gap = max(float(np.max(np.abs(mine - theirs.detach().numpy())))
                     for mine, theirs in zip(net.weights + net.biases, ws + bs))
    return params_gap, loss_gap


def confident_losses(torch):
    """Rows (margin, ours bce, torch bce, ours cross-entropy, torch cross-entropy) at a wrong logit margin."""
    F = torch.nn.functional
    rows = []
    for margin in (28.0, 100.0, 800.0):
        binary = Network([1, 1], output_activation="sigmoid")
        binary.weights[0][...], binary.biases[0][...] = 1.0, 0.0
        multi = Network([1, 3], output_activation="softmax")
        multi.weights[0][...], multi.biases[0][...] = [[0.0, 1.0, -1.0]], 0.0
        x = np.array([[margin]])
        z = torch.tensor([[0.0, margin, -margin]], dtype=torch.float64)
        rows.append((margin, binary.loss(x, np.array([0]), "bce"),
                     float(F.binary_cross_entropy_with_logits(torch.tensor([[margin]], dtype=torch.float64),
                                                              torch.zeros(1, 1, dtype=torch.float64))),
                     multi.loss(x, np.array([0]), "cross_entropy"), float(F.cross_entropy(z, torch.tensor([0])))))
    return rows


def main():
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed; it is not a dependency of the playground (pip install torch to run this)")
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    parts = torch_parts(torch)
    print(f"torch {torch.__version__}; {len(HIDDEN_ACTIVATIONS)} hidden activations x {len(OUTPUT_LOSS)} "
          f"output/loss pairs per row, 5 epochs, batch {BATCH}, rates {RATES}")
    print(f"{'optimizer':<10}{'regulariser':<13}{'max |param gap|':>17}{'max |loss gap|':>16}")
    worst = 0.0
    for optimizer, regularization in itertools.product(("sgd", "momentum", "adam"), ("none", "l1", "l2")):
        gaps = [case(torch, parts, optimizer, regularization, act, out, loss)
                for act in HIDDEN_ACTIVATIONS for out, loss in OUTPUT_LOSS]
        params_gap, loss_gap = (max(g[i] for g in gaps) for i in (0, 1))
        worst = max(worst, params_gap, loss_gap)
        print(f"{optimizer:<10}{regularization:<13}{params_gap:>17.1e}{loss_gap:>16.1e}")
    print(f"largest difference overall: {worst:.1e}\n")
    print(f"{'margin':>7}{'ours bce':>20}{'torch bce':>20}{'ours CE':>20}{'torch CE':>20}")
    for row in confident_losses(torch):
        print(f"{row[0]:>7.0f}" + "".join(f"{v:>20.15g}" for v in row[1:]))


if __name__ == "__main__":
    main()
