"""A whole playground setup built from one configuration (see ``params.py``).

``Experiment(config)`` generates the data, splits it, computes the features,
and builds the network, the trainer and the picture grid, so the app, the
exported script and the tests all build the same thing the same way.

Seeds: the data use ``seed``, the split ``seed + 1``, the initial weights
``seed + 2`` and the shuffling ``seed + 3``.

A model file (``to_json`` / ``from_json``) is JSON text: ``config`` (the URL
values, all strings), ``model`` (``Network.to_dict``) and ``epoch`` (epochs
trained).  Reading one never runs anything in it and checks every part.
"""

from __future__ import annotations

import json

import numpy as np

from nn_core.datasets import kind_of, make_dataset, split, stratified_split
from nn_core.features import transform
from nn_core.grid import Grid
from nn_core.losses import LOSSES
from nn_core.network import Network
from nn_core.text import capped, clipped
from nn_core.trainer import Trainer

from . import params

MODEL_MAX_BYTES = 2_000_000
GRID_KEEP_BYTES = 8 * 1024 * 1024  # the picture's buffers are kept up to this size (6 x 8 over 96 x 96: 7.2 MB)
MAX_EPOCH = 10**9


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
    start_epoch : int
        Epochs ``weights_from`` was trained for: the trainer counts on from there.
    memory_share, workspaces
        For the trainer (see ``Trainer``): a race's racers share a session's budget and workspaces.

    Attributes
    ----------
    config : dict
        The configuration actually used: when the user's data do not fit the
        configured loss (squared error for 3 classes, binary cross-entropy for
        numbers), the loss follows the data (``loss`` becomes auto).
    notices : list of str
        Plain sentences for the user about such changes (empty when none).
    """

    def __init__(self, config, data=None, grid_res=80, weights_from=None, start_epoch=0, memory_share=1.0,
                 workspaces=None):
        self.config = params.validate(config)
        self.notices = []
        c = self.config
        if data is None:
            X, y = make_dataset(c["dataset"], c["n_samples"], c["noise"], c["seed"], c["n_classes"])
        else:
            X, y = data
        self.X, self.y = X, y
        self.kind = params.dataset_kind(c) if data is None else kind_of(y)
        n_classes = int(y.max()) + 1 if self.kind == "multiclass" else 2
        by_class = data is not None and self.kind != "regression"  # the user's points: every class in both parts
        self.X_train, self.y_train, self.X_test, self.y_test = (stratified_split if by_class else split)(
            X, y, c["train_ratio"], np.random.default_rng(c["seed"] + 1))
        try:
            output, n_out, self.loss = params.output_setup(self.kind, c["loss"], n_classes)
        except ValueError:  # only the user's data can get here: validate fitted the loss to the built-in dataset
            output, n_out, self.loss = params.output_setup(self.kind, "auto", n_classes)
            data_kind = "numbers to predict, not classes" if self.kind == "regression" else f"{n_classes} classes"
            self.notices.append(f"{LOSSES[c['loss']].label} does not fit your data ({data_kind}): the loss is "
                                f"now auto, which trains with {LOSSES[self.loss].label.lower()}.")
            self.config = c = {**c, "loss": "auto"}
        self.net = Network([len(c["features"]), *c["hidden"], n_out], params.hidden_activations(c), output,
                           c["init"], seed=c["seed"] + 2, off=c["off"])
        if weights_from is not None:
            def shape(n):
                return n.sizes, n.activations, n.output_activation
            if shape(weights_from) != shape(self.net):
                raise ValueError(f"the model {weights_from!r} does not match its configuration ({self.net!r})")
            self.net.params[:] = weights_from.params
        self.F_train = transform(self.X_train, c["features"], c["formula"])
        self.F_test = transform(self.X_test, c["features"], c["formula"])
        self.trainer = Trainer(
            self.net, self.F_train, self.y_train, self.F_test, self.y_test, loss=self.loss,
            seed=c["seed"] + 3, start_epoch=start_epoch, memory_share=memory_share, workspaces=workspaces,
            **self._training_kwargs(c))
        self.grid = Grid(c["features"], grid_res, formula=c["formula"], keep_bytes=GRID_KEEP_BYTES)

    def to_json(self):
        """The model file: the configuration (as in the URL), the network, the epoch reached."""
        return json.dumps({"config": params.encode(self.config), "model": self.net.to_dict(),
                           "epoch": self.trainer.epoch}, indent=1)

    @classmethod
    def from_json(cls, text, grid_res=80):
        """The experiment a model file describes, trained weights and epoch included.

        ``text`` is the file's bytes or str.  Returns ``(experiment, warnings)``:
        settings that are unknown or bad fall back to their defaults with a
        warning (at most a few, then a count), as in a URL.  Anything that
        cannot give a model (too large, not JSON, nested too deeply, wrong
        shapes, non-finite or huge numbers, a network that does not match
        its configuration) raises ValueError with a message for the user.
        """
        data = text.encode() if isinstance(text, str) else bytes(text)
        if len(data) > MODEL_MAX_BYTES:
            raise ValueError(f"the file is {len(data):,} bytes, over the limit of {MODEL_MAX_BYTES:,} bytes "
                             f"({MODEL_MAX_BYTES / 1e6:g} MB)")
        try:
            doc = json.loads(data)
        except RecursionError:
            raise ValueError("the file is nested too deeply to be a model file") from None
        except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4300 digits
            raise ValueError(f"the file is not JSON text ({clipped(str(e), 120)})") from None
        if not (isinstance(doc, dict) and isinstance(doc.get("config"), dict) and "model" in doc):
            raise ValueError("expected a JSON object with 'config' and 'model', as exported here")
        config, warnings = params.decode({k: _setting_text(v) for k, v in doc["config"].items()}, max_warnings=None)
        try:
            net = Network.from_dict(doc["model"])
        except OverflowError:
            raise ValueError("the model holds a number too large for a weight") from None
        except (ValueError, TypeError, RecursionError) as e:
            raise ValueError(f"the model is not valid: {clipped(str(e), 200)}") from None
        epoch = doc.get("epoch", 0)
        if not (isinstance(epoch, int) and not isinstance(epoch, bool) and 0 <= epoch <= MAX_EPOCH):
            warnings.append(f"epoch must be an integer in [0, {MAX_EPOCH:,}]. Counting from 0 instead.")
            epoch = 0
        exp = cls(config, grid_res=grid_res, weights_from=net, start_epoch=epoch)
        return exp, capped(warnings)

    @staticmethod
    def _training_kwargs(c):
        """The trainer's settings: each training setting (``params.EFFECTS``) by its name, full_batch as a
        batch_size of None."""
        kwargs = {name: c[name] for name, p in params.PARAMS.items() if p.effect == "training"}
        if kwargs.pop("full_batch"):
            kwargs["batch_size"] = None
        return kwargs

    def update(self, config):
        """Apply a new configuration in place if only training or display settings, or the switched-off
        neurons, changed (those keep the trained weights and the epoch; see ``params.EFFECTS``).

        Returns False (and changes nothing) when the data or the network must
        be rebuilt, i.e. a new ``Experiment`` is needed.
        """
        config = params.validate(config)
        effects = {params.PARAMS[k].effect for k in config if config[k] != self.config[k]}
        if "rebuild" in effects:
            return False
        if "training" in effects:
            self.trainer.configure(**self._training_kwargs(config))
        if "neurons" in effects:
            self.trainer.switch_off(config["off"])
        self.config = config
        return True


def _setting_text(value):
    """A model file's setting as URL text: strings as they are, JSON numbers and booleans written out;
    anything else (a list, an object) is passed on for ``params.decode`` to refuse with a warning."""
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return value
