"""A neural network from scratch in NumPy, for the playground (and notebooks).

>>> from nn_core import Network, Trainer, make_dataset
>>> X, y = make_dataset("circle", n_samples=500, noise=0.0, seed=0)
>>> net = Network([2, 4, 2, 1], activation="tanh", output_activation="sigmoid", seed=0)
"""

from .activations import ACTIVATIONS
from .datasets import DATASETS, make_dataset, split
from .features import FEATURES, transform
from .grid import Grid
from .losses import LOSSES
from .network import Network
from .optimizers import OPTIMIZERS
from .trainer import Trainer

__all__ = ["ACTIVATIONS", "DATASETS", "FEATURES", "LOSSES", "OPTIMIZERS", "Grid", "Network", "Trainer",
           "make_dataset", "split", "transform"]
