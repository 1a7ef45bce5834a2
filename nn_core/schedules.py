"""Learning-rate schedules: the rate of each epoch from the base rate, and gradient clipping by global norm.

``t`` is the number of epochs completed before the one being trained (0 for the first), ``r`` the base
learning rate, ``N`` = ``decay_every`` (epochs) and ``f`` = ``decay_factor``:

* constant: rate(t) = r
* step:     rate(t) = r f^floor(t / N)             (e.g. r = 0.1, f = 0.5, N = 100: 0.1 for epochs 0-99,
  0.05 for 100-199 ...; torch.optim.lr_scheduler.StepLR)
* cosine:   rate(t) = m + (r - m) (1 + cos(pi (t mod N) / N)) / 2  with m = f r, the lowest rate:
  from r down to m over N epochs, then back to r (warm restarts, as SGDR; without restarts it is
  torch's CosineAnnealingLR for t < N).

Clipping by global norm (torch.nn.utils.clip_grad_norm_): if ||g|| = sqrt(sum of every g_i^2) exceeds c,
g is scaled by c / ||g||, so its direction is kept and its length is at most c; c = 0 means off.
"""

from __future__ import annotations

import math

import numpy as np

SCHEDULES = ("constant", "step", "cosine")


def rate(schedule, base, epoch, decay_every=100, decay_factor=0.5):
    """The learning rate of the epoch after ``epoch`` completed ones (see the module docstring)."""
    if schedule == "constant":
        return base
    if not (isinstance(decay_every, (int, np.integer)) and decay_every >= 1):
        raise ValueError(f"decay_every must be an integer >= 1; got {decay_every!r}")
    if not 0 < decay_factor <= 1:
        raise ValueError(f"decay_factor must be in (0, 1]; got {decay_factor!r}")
    if schedule == "step":
        return base * decay_factor ** (epoch // decay_every)
    if schedule == "cosine":
        low = decay_factor * base
        return low + (base - low) * (1 + math.cos(math.pi * (epoch % decay_every) / decay_every)) / 2
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")


def rates(schedule, base, epochs, decay_every=100, decay_factor=0.5):
    """``rate`` for each of ``epochs`` (an iterable of ints), as a list: what a chart of the schedule draws."""
    return [rate(schedule, base, int(t), decay_every, decay_factor) for t in epochs]


def clip_by_norm(g, max_norm):
    """Scale ``g`` in place so that its Euclidean norm is at most ``max_norm`` (> 0); returns the norm before."""
    norm = math.sqrt(float(np.dot(g, g)))
    if norm > max_norm:
        g *= max_norm / norm
    return norm
