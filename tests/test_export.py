"""The exported NumPy script, run on its own, prints the same numbers as the playground.

Every parameter of ``params.PARAMS`` is either varied here (one at a time from a small default setup, and in
mixes), or declared in ``DISPLAY_ONLY``: a new parameter fails ``test_every_parameter_is_covered`` until the
script carries it or it is declared so.
"""

import inspect
import os
import re
import subprocess
import sys
from urllib.parse import parse_qsl

import numpy as np
import pytest

from nn_core import reference
from playground import params
from playground.experiment import Experiment
from playground.export import standalone_script

DISPLAY_ONLY = {  # parameter -> why the numbers the script prints do not depend on it
    "speed": "epochs per picture; playing stops at the first epoch that meets a stop condition whatever it is",
    "show_test": "draws the test points", "discretize": "draws the predicted class", "hide": "hides controls",
    "present": "shows the page for a projector",
    "lesson": "names the lesson whose setup the other parameters hold",
    "challenge": "names the challenge whose start the other parameters hold; its goals are graded in the app",
    "race": "the app races a network per value; the script trains the configuration's own and says so",
}
BASE = {"n_samples": 100, "epochs": 12}  # small and quick; every case starts from it
VARIED = {  # parameter -> (what varying it needs, the variation): compared with the run of BASE + needs alone
    "problem": ({}, {"problem": "regression", "dataset": "plane"}),
    "dataset": ({}, {"dataset": "xor"}),
    "n_classes": ({"dataset": "blobs"}, {"n_classes": 4}),
    "n_samples": ({}, {"n_samples": 60}),
    "noise": ({}, {"noise": 0.2}),
    "train_ratio": ({}, {"train_ratio": 0.7}),
    "seed": ({}, {"seed": 5}),
    "features": ({}, {"features": ("x1", "x2", "x1_sq")}),
    "formula": ({"features": ("x1", "custom")}, {"formula": "sqrt(x1**2 + x2**2) - log(abs(x2)) / 2"}),
    "hidden": ({}, {"hidden": (3,)}),
    "activation": ({}, {"activation": "relu"}),
    "layer_activations": ({}, {"layer_activations": ("sigmoid", "same")}),
    "off": ({}, {"off": ((1, 2),)}),
    "init": ({}, {"init": "uniform"}),
    "loss": ({}, {"loss": "mse"}),
    "learning_rate": ({}, {"learning_rate": 0.3}),
    "optimizer": ({}, {"optimizer": "adam"}),
    "regularization": ({"reg_rate": 0.03}, {"regularization": "l1"}),
    "reg_rate": ({"regularization": "l2"}, {"reg_rate": 0.3}),
    "batch_size": ({}, {"batch_size": 7}),
    "full_batch": ({}, {"full_batch": True}),
    "schedule": ({"decay_every": 3}, {"schedule": "step"}),
    "decay_every": ({"schedule": "cosine"}, {"decay_every": 5}),
    "decay_factor": ({"schedule": "step", "decay_every": 4}, {"decay_factor": 0.1}),
    "dropout": ({}, {"dropout": (0.3, 0.0)}),
    "clip_norm": ({"learning_rate": 0.3}, {"clip_norm": 0.1}),
    "stop_below": ({"features": ("x1_sq", "x2_sq"), "learning_rate": 0.3}, {"stop_below": 0.3}),
    "patience": ({"features": ("x1_sq", "x2_sq"), "learning_rate": 0.3}, {"patience": 2}),
    "epochs": ({}, {"epochs": 7}),
}
RTOL = 1e-9  # the two codes sum in different orders; chaotic runs (a large rate) would grow that past any bound
ALL_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
MIXES = {
    "xor_momentum_l2": {"dataset": "xor", "optimizer": "momentum", "regularization": "l2", "reg_rate": 0.01,
                        "noise": 0.1, "epochs": 8},
    "spiral_adam_l1_features": {"dataset": "spiral", "optimizer": "adam", "learning_rate": 0.01,
                                "regularization": "l1", "reg_rate": 0.001, "features": ALL_FEATURES,
                                "hidden": (6, 4), "noise": 0.2, "epochs": 8},
    "blobs_softmax": {"dataset": "blobs", "n_classes": 4, "hidden": (5,), "noise": 0.2, "epochs": 8},
    "two_blobs_sigmoid": {"dataset": "blobs", "n_classes": 2, "hidden": (3,), "epochs": 5},
    "gauss_softmax_binary": {"dataset": "gauss", "loss": "cross_entropy", "noise": 0.3, "epochs": 5},
    "tutorial_sigmoid_mse": {**params.preset_config("lesson", "tutorial"), "epochs": 20},
    "relu_he_odd_batches": {"dataset": "moons", "activation": "relu", "init": "he", "n_samples": 200,
                            "train_ratio": 0.7, "batch_size": 7, "seed": 3, "epochs": 8},
    "leaky_relu_regression": {"problem": "regression", "dataset": "multi_gauss", "activation": "leaky_relu",
                              "hidden": (8, 8), "optimizer": "adam", "learning_rate": 0.01, "epochs": 5},
    "no_hidden_layer": {"dataset": "circle", "hidden": (), "features": ("x1_sq", "x2_sq"), "epochs": 5},
    "layers_dropout_off": {"dataset": "xor", "hidden": (6, 4, 3), "activation": "tanh",
                           "layer_activations": ("relu", "same", "sigmoid"), "dropout": (0.3, 0.0, 0.1),
                           "off": ((1, 2), (2, 4)), "optimizer": "adam", "learning_rate": 0.01, "epochs": 6},
    "cosine_clip_adam_dropout_full_batch": {"dataset": "spiral", "schedule": "cosine", "decay_every": 4,
                                            "decay_factor": 0.1, "clip_norm": 0.3, "optimizer": "adam",
                                            "learning_rate": 0.1, "dropout": (0.2, 0.2), "full_batch": True,
                                            "regularization": "l1", "reg_rate": 0.001, "n_samples": 150,
                                            "epochs": 15},
    "multiclass_step_momentum_clip_patience": {"dataset": "blobs", "n_classes": 3, "noise": 0.5,
                                               "schedule": "step", "decay_every": 2, "decay_factor": 0.7,
                                               "optimizer": "momentum", "learning_rate": 0.1, "clip_norm": 1.0,
                                               "layer_activations": ("leaky_relu", "tanh"), "off": ((1, 1),),
                                               "patience": 3, "n_samples": 150, "epochs": 30},
    "regression_stop_below_custom_feature": {"problem": "regression", "dataset": "plane", "hidden": (3,),
                                             "features": ("custom", "x2"), "formula": "x1 + sin(x2)",
                                             "learning_rate": 0.1, "stop_below": 0.03, "batch_size": 5,
                                             "n_samples": 100, "epochs": 40},
    "diverges_in_epoch_3": {"problem": "regression", "dataset": "plane", "activation": "linear",
                            "learning_rate": 0.3, "batch_size": 30, "n_samples": 100, "epochs": 12},
}


def app_run(config):
    """The app playing ``config`` from epoch 0: epoch after epoch until the epoch limit, a divergence or a
    stop condition, checked at every epoch's end as ``ui.state.check_stop`` checks them."""
    exp = Experiment(config, grid_res=2)
    tr, c = exp.trainer, exp.config
    while tr.epoch < c["epochs"] and tr.train_epoch() and not tr.stop_reason(c["stop_below"], c["patience"]):
        pass
    return exp


def run_script(source, tmp_path):
    """Run the script in an empty directory, isolated (-I: no PYTHONPATH, no script dir, no user site)."""
    path = tmp_path / "network.py"
    path.write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-I", str(path)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def figures(text, part):
    """(loss, points right or None) of ``part`` (train or test) in one line of the script's output."""
    m = re.search(rf"{part} loss ([^\s,;]+)(?:, {part} accuracy [\d.]+% \((\d+) of \d+ points\))?", text)
    return float(m.group(1)), (int(m.group(2)) if m.group(2) else None)


def check_script(config, tmp_path):
    """Run ``config``'s script and compare every number it prints with the app's; returns the app's run."""
    source = standalone_script(config)
    assert "nn_core" not in source
    assert set(re.findall(r"^\s*(?:import|from) (\w+)", source, re.M)) <= {"numpy"} | sys.stdlib_module_names
    stdout = run_script(source, tmp_path)
    exp = app_run(config)
    h, n_train, n_test = exp.trainer.history, len(exp.y_train), len(exp.y_test)

    def app_figures(row, digits):
        losses = [round(row.train_loss, digits), round(row.test_loss, digits)]
        right = [None, None] if exp.kind == "regression" else [
            round(row.train_accuracy * n_train), round(row.test_accuracy * n_test)]
        return losses, right

    printed = {int(epoch): line for epoch, line in re.findall(r"^Epoch (\d+): (.*)$", stdout, re.M)}
    assert min(printed) == 0 and max(printed) <= exp.trainer.epoch
    for epoch, line in printed.items():  # rounded to 4 decimals
        (train_loss, train_right), (test_loss, test_right) = figures(line, "train"), figures(line, "test")
        losses, right = app_figures(h.iloc[epoch], 4)
        np.testing.assert_allclose([train_loss, test_loss], losses, rtol=0, atol=1e-12)
        assert [train_right, test_right] == right
    epochs, tail = re.search(r"^After (\d+) epochs, every digit:\n(.*)", stdout, re.M | re.S).groups()
    assert int(epochs) == exp.trainer.epoch
    (train_loss, train_right), (test_loss, test_right) = figures(tail, "train"), figures(tail, "test")
    losses, right = app_figures(h.iloc[-1], 20)
    np.testing.assert_allclose([train_loss, test_loss], losses, rtol=RTOL)
    assert [train_right, test_right] == right
    if exp.kind == "regression":  # no accuracy is printed, and no number reads nan
        assert "accuracy" not in stdout and "nan" not in stdout
    assert ("diverged" in stdout) == exp.trainer.diverged
    # the link in the script's docstring opens the same setup in the app
    query = dict(parse_qsl(re.search(r"^\?(.*)$", source, re.M).group(1), keep_blank_values=True, strict_parsing=True))
    assert params.decode(query) == (exp.config, [])
    return exp


def test_every_parameter_is_covered():
    """A parameter is varied below or declared display-only, never both; a new one fails here first."""
    assert set(VARIED) | set(DISPLAY_ONLY) == set(params.PARAMS)
    assert not set(VARIED) & set(DISPLAY_ONLY)
    assert all(name in change for name, (_, change) in VARIED.items())


@pytest.mark.parametrize("name", VARIED)
def test_script_carries_each_training_parameter(name, tmp_path):
    """Varying one parameter changes the app's numbers, and the script prints the changed numbers."""
    needs, change = VARIED[name]
    exp = check_script({**BASE, **needs, **change}, tmp_path)
    without = app_run({**BASE, **needs})
    h, h0 = exp.trainer.history, without.trainer.history
    assert len(h) != len(h0) or not np.array_equal(h[["train_loss", "test_loss"]], h0[["train_loss", "test_loss"]])


@pytest.mark.parametrize("config", MIXES.values(), ids=MIXES)
def test_script_reproduces_mixes(config, tmp_path):
    exp = check_script(config, tmp_path)
    h = exp.trainer.history
    assert h.train_loss.iloc[-1] != h.train_loss.iloc[0]  # training did move


def test_stops_and_divergence_are_reproduced():
    """The mixes that should stop early do (else the comparison above proved less than it claims)."""
    def stopped_at(name):
        tr = app_run(MIXES[name]).trainer
        return tr.epoch, tr.diverged

    assert stopped_at("diverges_in_epoch_3") == (2, True)
    for name in ("multiclass_step_momentum_clip_patience", "regression_stop_below_custom_feature"):
        epoch, diverged = stopped_at(name)
        assert 1 < epoch < MIXES[name]["epochs"] and not diverged


def test_the_script_says_what_does_not_travel():
    """Drawn points and hand-edited weights never reach a script: its docstring says so and names the model
    file; a race and a challenge are named for what the script leaves to the app."""
    plain = standalone_script({"epochs": 1})
    doc = plain.split('"""', 2)[1]
    assert "drawn or uploaded" in doc and "edited by hand" in doc and "model file (JSON)" in doc
    assert "This link races" not in doc and "graded in the app" not in doc
    doc = standalone_script({"race": "optimizer:sgd/adam", "challenge": "xor_no_hidden"}).split('"""', 2)[1]
    assert "This link races optimizer (sgd/adam)" in doc and "(optimizer sgd)" in doc
    assert '"XOR without hidden layers" are graded in the app' in doc


def test_the_script_is_built_from_the_reference_network():
    """The network maths in the script is reference.py's source itself, not a second copy."""
    source = standalone_script({"epochs": 1})
    body = inspect.getsource(reference).split('"""', 2)[2].replace("import numpy as np", "").strip()
    assert body in source
