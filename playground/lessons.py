"""Classroom lessons: named presets, each a configuration and a paragraph to read.

A lesson only sets parameters (anything it leaves out keeps its default) and
may hide controls that would distract from its point.  In the app, a teacher
shares a link such as ``?lesson=vanishing&hide=dataset,features``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lesson:
    """A preset: a title, a paragraph of explanation, parameters, and controls to hide."""

    name: str
    title: str
    text: str
    config: dict = field(default_factory=dict)
    hide: tuple = ()


LESSONS: dict[str, Lesson] = {
    lesson.name: lesson
    for lesson in (
        Lesson(
            "tutorial", "The original tutorial",
            "This is the network of the classic tutorial *Creating a Neural Network from Scratch in Python*: "
            "one hidden layer of sigmoid neurons, a sigmoid output, squared error and full-batch gradient "
            "descent, with weights drawn uniformly from [-1, 1]. It learns XOR in about a thousand epochs. The "
            "tutorial had one bug: it applied the sigmoid's derivative to the output, which was already a "
            "sigmoid. Open *Inside a neuron* to see the derivative taken at the pre-activation z instead.",
            {"dataset": "xor", "hidden": (4,), "activation": "sigmoid", "loss": "mse", "full_batch": True,
             "learning_rate": 3.0, "init": "uniform", "epochs": 2000, "speed": 20},
            ("optimizer", "regularization", "reg_rate", "batch_size", "full_batch"),
        ),
        Lesson(
            "xor", "XOR needs a hidden layer",
            "Without hidden layers the network draws one straight line, and no straight line separates the "
            "exclusive-or pattern: training stalls with the loss near 0.69, a coin toss's, and the accuracy "
            "wandering between about 35 and 65 %. Press Play, watch it fail, then add a "
            "hidden layer with the + button and press Play again. Alternatively, switch on the feature x1x2: "
            "a good input can replace a hidden layer.",
            {"dataset": "xor", "hidden": (), "epochs": 500},
            ("dataset", "problem"),
        ),
        Lesson(
            "spiral", "Spiral without engineered features",
            "Two interleaved spirals, and only the raw coordinates as inputs. A deep ReLU network with Adam "
            "can still carve the plane into the right regions: watch the neurons of the first layer draw "
            "straight edges, and the later layers combine them into curves.",
            {"dataset": "spiral", "hidden": (8, 8, 8, 8), "activation": "relu", "init": "he",
             "optimizer": "adam", "learning_rate": 0.01, "epochs": 500},
            ("features",),
        ),
        Lesson(
            "vanishing", "Vanishing gradients",
            "Six hidden layers of sigmoid neurons. The sigmoid's slope is at most 1/4, and backpropagation "
            "multiplies one such slope per layer, so the gradients reaching the first layers are tiny and "
            "those layers barely learn. Look at *Gradient flow*: the first layers' gradients are orders of "
            "magnitude below the last. Then switch the activation to ReLU or tanh and compare.",
            {"dataset": "circle", "hidden": (6, 6, 6, 6, 6, 6), "activation": "sigmoid", "learning_rate": 0.3,
             "epochs": 500},
            ("dataset", "features"),
        ),
        Lesson(
            "features", "Features instead of layers",
            "The circle needs a curved boundary, but with the inputs x1² and x2² the circle becomes a straight "
            "line in feature space: a network with no hidden layer at all separates it perfectly.",
            {"dataset": "circle", "hidden": (), "features": ("x1_sq", "x2_sq"), "epochs": 200},
            ("dataset",),
        ),
        Lesson(
            "overfitting", "Overfitting and regularisation",
            "Few noisy points and a big network: training accuracy climbs while test accuracy falls behind "
            "(switch on *Show test data*). Set Regularisation to L2 with rate 0.01 and reset: the weights stay "
            "small, the boundary smoother, and the test loss lower.",
            {"dataset": "gauss", "noise": 0.5, "n_samples": 100, "hidden": (8, 8, 8), "learning_rate": 0.1,
             "show_test": True, "epochs": 500},
        ),
        Lesson(
            "classes", "More than two classes",
            "Four classes need four outputs. A softmax turns them into probabilities that sum to one and "
            "cross-entropy compares them with the true class; the picture colours each region by its most "
            "likely class, paler where the network is unsure.",
            {"dataset": "blobs", "n_classes": 4, "hidden": (6,), "epochs": 300},
        ),
    )
}
