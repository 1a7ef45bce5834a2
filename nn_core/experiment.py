"""A whole playground setup built from one configuration (see ``params.py``).

``Experiment(config)`` generates the data, splits it, computes the features,
and builds the network, the trainer and the picture grid, so the app, the
exported script and the tests all build the same thing the same way.

Seeds: the data use ``seed``, the split ``seed + 1``, the initial weights
``seed + 2`` and the shuffling ``seed + 3``.
"""

from __future__ import annotations

import numpy as np

from . import params
from .datasets import kind_of, make_dataset, split
from .features import transform
from .grid import Grid
from .network import Network
from .trainer import Trainer

TRAINING_PARAMS = ("learning_rate", "optimizer", "regularization", "reg_rate", "batch_size", "full_batch",
                   "schedule", "decay_every", "decay_factor", "clip_norm")
DISPLAY_PARAMS = ("show_test", "discretize", "epochs", "stop_below", "patience")


class Experiment:
    """Data, network, trainer and grid for a configuration.

    Parameters
    ----------
    config : dict
        A configuration (missing names take their defaults); validated.
    data : (X, y), optional
        The user's own points, replacing the configured dataset.
    grid_res : int
        Resolution of the output picture.
    weights_from : Network, optional
        A network (e.g. loaded from JSON) whose parameters replace the
        initial weights; its architecture must match the configuration.
    """

    def __init__(self, config, data=None, grid_res=80, weights_from=None):
        self.config = params.validate(config)
        c = self.config
        if data is None:
            X, y = make_dataset(c["dataset"], c["n_samples"], c["noise"], c["seed"], c["n_classes"])
        else:
            X, y = data
        self.X, self.y = X, y
        self.kind = params.dataset_kind(c) if data is None else kind_of(y)
        n_classes = int(y.max()) + 1 if self.kind == "multiclass" else 2
        self.X_train, self.y_train, self.X_test, self.y_test = split(
            X, y, c["train_ratio"], np.random.default_rng(c["seed"] + 1))
        output, n_out, self.loss = params.output_setup(self.kind, c["loss"], n_classes)
        self.net = Network([len(c["features"]), *c["hidden"], n_out], c["activation"], output,
                           c["init"], seed=c["seed"] + 2)
        if weights_from is not None:
            def shape(n):
                return n.sizes, n.activation, n.output_activation
            if shape(weights_from) != shape(self.net):
                raise ValueError(f"the model {weights_from!r} does not match its configuration ({self.net!r})")
            self.net.params[:] = weights_from.params
        self.F_train = transform(self.X_train, c["features"], c["formula"])
        self.F_test = transform(self.X_test, c["features"], c["formula"])
        self.trainer = Trainer(
            self.net, self.F_train, self.y_train, self.F_test, self.y_test, loss=self.loss,
            seed=c["seed"] + 3, **self._training_kwargs(c))
        self.grid = Grid(c["features"], grid_res, formula=c["formula"])

    @staticmethod
    def _training_kwargs(c):
        return {"optimizer": c["optimizer"], "learning_rate": c["learning_rate"],
                "batch_size": None if c["full_batch"] else c["batch_size"],
                "regularization": c["regularization"], "reg_rate": c["reg_rate"],
                **{name: c[name] for name in ("schedule", "decay_every", "decay_factor", "clip_norm")}}

    def update(self, config):
        """Apply a new configuration in place if only training or display settings changed.

        Returns False (and changes nothing) when the data or the network must
        be rebuilt, i.e. a new ``Experiment`` is needed.
        """
        config = params.validate(config)
        changed = {k for k in config if config[k] != self.config[k]}
        if changed - set(TRAINING_PARAMS) - set(DISPLAY_PARAMS):
            return False
        if changed & set(TRAINING_PARAMS):
            self.trainer.configure(**self._training_kwargs(config))
        self.config = config
        return True
