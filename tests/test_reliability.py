"""No input breaks a session, and sessions never see each other (the hosted demo and the classroom)."""

import importlib
import pkgutil

import numpy as np
import pytest

import nn_core
import ui
from nn_core.text import MAX_MESSAGES
from playground import params
from tests.conftest import config, metric, run_app, shown

EXTREMES = {
    "smallest": dict(n_samples="50", train_ratio="0.1", noise="0.5", hidden="1", batch_size="1", epochs="1",
                     speed="1", learning_rate="0.00001", features="sin_x2"),
    "largest": dict(n_samples="2000", train_ratio="0.9", noise="0.5", hidden=",".join(["16"] * 8),
                    batch_size="500", epochs="100000", speed="100", learning_rate="10", regularization="l1",
                    reg_rate="10", features="x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2", optimizer="adam"),
    "no hidden layer": dict(hidden="", full_batch="true", activation="leaky_relu", init="uniform"),
    "six classes": dict(dataset="multi_spiral", n_classes="6", hidden="16,16", show_test="true",
                        discretize="true", optimizer="momentum", learning_rate="3"),
    "regression": dict(dataset="multi_gauss", hidden="8,8,8,8,8,8", activation="sigmoid", init="he",
                       regularization="l2", reg_rate="3", discretize="true"),
}


@pytest.mark.parametrize("query", EXTREMES.values(), ids=EXTREMES.keys())
def test_every_control_at_its_extremes_plays_without_error(query):
    at = run_app(**query)
    assert not at.exception and not at.warning
    at.button(key="play").click().run()
    for _ in range(2):
        at.run()
    assert not at.exception
    tr = at.session_state["exp"].trainer
    assert tr.epoch > 0 or tr.diverged
    assert np.isfinite(at.session_state["exp"].net.params).all()


GARBAGE = {
    "learning_rate": "1e999", "noise": "nan", "hidden": "99999999999999999999", "seed": "-1",
    "features": "x1,x1,<script>", "dataset": "../../etc/passwd", "epochs": "0x10", "batch_size": "",
    "hide": "everything", "lesson": "\x00", "n_classes": "3.5", "problem": "regression" * 1000,
}


def test_garbage_url_values_fall_back_with_a_warning_each():
    at = run_app(**GARBAGE)
    assert not at.exception
    assert config(at) == params.DEFAULTS
    warnings = [shown(w.value) for w in at.warning]
    named = [name for name in GARBAGE if any(w.startswith(f"{name} must be") for w in warnings)]
    assert len(named) == MAX_MESSAGES  # the first few, then a count of the rest
    assert warnings[-1] == f"... and {len(GARBAGE) - MAX_MESSAGES} more."


def test_two_sessions_never_see_each_other():
    a = run_app(dataset="spiral", hidden="8,8", activation="relu")
    b = run_app()
    a.button(key="play").click().run()
    a.run()
    b.button(key="step").click().run()
    b.slider(key="noise").set_value(0.3).run()
    ea, eb = a.session_state["exp"], b.session_state["exp"]
    assert ea is not eb and ea.grid is not eb.grid
    assert config(a)["dataset"] == "spiral" and config(a)["noise"] == 0.0
    assert config(b)["dataset"] == "circle" and config(b)["noise"] == 0.3
    assert a.session_state["playing"] and not b.session_state["playing"]
    assert metric(b, "Epoch") == "0"  # b rebuilt for the new noise; a's training never reached it
    assert int(metric(a, "Epoch")) > 0


def _modules(package):
    yield package
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        yield importlib.import_module(info.name)


@pytest.mark.parametrize("package", [nn_core, ui], ids=["nn_core", "ui"])
def test_no_module_level_mutable_state(package):
    """Module globals are constants (UPPER_CASE registries and tables) or functions, classes and modules:
    nothing a session could write to and another read."""
    for module in _modules(package):
        for name, value in vars(module).items():
            if name.startswith("__") or name.isupper():
                continue
            assert not isinstance(value, (list, dict, set, np.ndarray)), f"{module.__name__}.{name}"


def test_an_unexpected_error_shows_a_way_back_not_a_traceback(monkeypatch):
    from ui import controls, live

    at = run_app(hidden="5")
    monkeypatch.setattr(controls, "data_ui", lambda: 1 / 0)
    at.button(key="step").click().run()
    assert not at.exception and "Something went wrong" in at.error[0].value
    monkeypatch.undo()
    at.button(key="start_again").click().run()
    assert not at.exception and config(at)["hidden"] == (5,) and metric(at, "Epoch") == "0"  # from the link

    monkeypatch.setattr(live, "next_batch", lambda need: {}["no batch"])
    at.button(key="step").click().run()
    assert not at.exception and "while training" in at.error[0].value and not at.session_state["playing"]
    monkeypatch.undo()
    at.button(key="start_again_live").click().run()
    assert not at.exception and not at.error and metric(at, "Epoch") == "0"


def test_a_failure_in_the_live_view_while_playing_leaves_the_toolbar_on_play(monkeypatch):
    from ui import live

    at = run_app()

    def broken(need):
        raise RuntimeError("a failure in training")

    monkeypatch.setattr(live, "next_batch", broken)
    at.button(key="play").click().run()
    assert not at.exception
    assert not at.session_state["playing"]
    assert [b.label for b in at.button if b.key in ("play", "pause")] == ["Play"]  # the page followed
    assert [b.key for b in at.button if b.key.startswith("start_again")] == ["start_again_live"]
