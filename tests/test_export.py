"""The exported NumPy script, run on its own, prints the same numbers as the playground."""

import inspect
import os
import re
import subprocess
import sys
from urllib.parse import parse_qsl

import numpy as np
import pytest

from nn_core import params, reference
from nn_core.experiment import Experiment
from nn_core.export import standalone_script

ALL_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
CONFIGS = {
    "default": {"epochs": 5},
    "xor_momentum_l2": {"dataset": "xor", "optimizer": "momentum", "regularization": "l2", "reg_rate": 0.01,
                        "noise": 0.1, "epochs": 8},
    "spiral_adam_l1_features": {"dataset": "spiral", "optimizer": "adam", "learning_rate": 0.01,
                                "regularization": "l1", "reg_rate": 0.001, "features": ALL_FEATURES,
                                "hidden": (6, 4), "noise": 0.2, "epochs": 8},
    "blobs_softmax": {"dataset": "blobs", "n_classes": 4, "hidden": (5,), "noise": 0.2, "epochs": 8},
    "two_blobs_sigmoid": {"dataset": "blobs", "n_classes": 2, "hidden": (3,), "epochs": 5},
    "gauss_softmax_binary": {"dataset": "gauss", "loss": "cross_entropy", "noise": 0.3, "epochs": 5},
    "plane_regression": {"problem": "regression", "dataset": "plane", "hidden": (3,), "noise": 0.1, "epochs": 8},
    "tutorial_sigmoid_mse": {**params.lesson_config("tutorial"), "epochs": 20},
    "relu_he_odd_batches": {"dataset": "moons", "activation": "relu", "init": "he", "n_samples": 200,
                            "train_ratio": 0.7, "batch_size": 7, "seed": 3, "epochs": 8},
    "leaky_relu_regression": {"problem": "regression", "dataset": "multi_gauss", "activation": "leaky_relu",
                              "hidden": (8, 8), "optimizer": "adam", "learning_rate": 0.01, "epochs": 5},
    "no_hidden_layer": {"dataset": "circle", "hidden": (), "features": ("x1_sq", "x2_sq"), "epochs": 5},
    "layers_dropout_off": {"dataset": "xor", "hidden": (6, 4, 3), "activation": "tanh",
                           "layer_activations": ("relu", "same", "sigmoid"), "dropout": (0.3, 0.0, 0.1),
                           "off": ((1, 2), (2, 4)), "optimizer": "adam", "learning_rate": 0.01, "epochs": 6},
    "custom_formula": {"dataset": "circle", "hidden": (2,), "features": ("x1", "custom"),
                       "formula": "sqrt(x1**2 + x2**2) - log(abs(x2)) / 2", "epochs": 5},
}


def run_script(source, tmp_path):
    """Run the script in an empty directory, isolated (-I: no PYTHONPATH, no script dir, no user site)."""
    path = tmp_path / "network.py"
    path.write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-I", str(path)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def final_figures(stdout, part):
    """(loss, accuracy or None) of ``part`` (train or test) from the script's full-precision lines."""
    m = re.search(rf"^{part} loss (\S+?)(?:, {part} accuracy [\d.]+% \((\d+) of (\d+) points\))?$", stdout, re.M)
    return float(m.group(1)), (int(m.group(2)) / int(m.group(3)) if m.group(2) else None)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_script_reproduces_the_playground(config, tmp_path):
    source = standalone_script(config)
    assert "nn_core" not in source
    assert set(re.findall(r"^\s*(?:import|from) (\w+)", source, re.M)) <= {"numpy"} | sys.stdlib_module_names
    stdout = run_script(source, tmp_path)

    exp = Experiment(config, grid_res=2)
    epochs = exp.config["epochs"]
    assert exp.trainer.run(epochs) == epochs
    h = exp.trainer.history
    last = h.iloc[-1]
    (train_loss, train_accuracy), (test_loss, test_accuracy) = final_figures(stdout, "train"), final_figures(
        stdout, "test")
    np.testing.assert_allclose([train_loss, test_loss], [last.train_loss, last.test_loss], rtol=1e-12)
    if exp.kind == "regression":  # no accuracy is printed, and nothing reads "nan"
        assert np.isnan(last.train_accuracy) and train_accuracy is test_accuracy is None
        assert "accuracy" not in stdout and "nan" not in stdout.lower()
    else:
        assert (train_accuracy, test_accuracy) == (last.train_accuracy, last.test_accuracy)
    assert last.train_loss != h.train_loss.iloc[0]  # training did move
    # the link in the script's docstring opens the same setup in the app
    query = dict(parse_qsl(re.search(r"^\?(.*)$", source, re.M).group(1), keep_blank_values=True, strict_parsing=True))
    assert params.decode(query) == (exp.config, [])


def test_the_script_is_built_from_the_reference_network():
    """The network maths in the script is reference.py's source itself, not a second copy."""
    source = standalone_script({"epochs": 1})
    body = inspect.getsource(reference).split('"""', 2)[2].replace("import numpy as np", "").strip()
    assert body in source
