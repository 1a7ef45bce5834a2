"""The live picture's own controls (an input node switches its feature, + / - change the hidden layers and a
layer's neurons): the browser sends the whole new value (the ``reshape`` trigger), and the server takes it as
the widget would, with its rules, limits, notices and URL; a forged, hidden, raced or stale one changes nothing.
The dataset is picked the same way, from its thumbnail.
"""

import math

import pytest

from nn_core.datasets import DATASETS
from playground.batch import decode
from playground.params import MAX_LAYERS, MAX_NEURONS
from tests.conftest import config, run_app, said, send
from ui.pictures import dataset_thumbnail


def reshape(at, change):
    return send(at, "nnpg_live", "reshape", change)


def scene_edits(at):
    """What the scene the server sent lets a click change (``meta["edits"]``), from its last batch."""
    (live,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == "nnpg_live"]
    return decode(live.bytes).meta["edits"]


def test_an_input_node_switches_its_feature_and_the_url_follows():
    at = reshape(run_app(), {"features": ["x1", "x2", "x1_sq"]})
    assert not at.exception and config(at)["features"] == ("x1", "x2", "x1_sq")
    assert at.query_params["features"] == "x1,x2,x1_sq" and at.session_state["exp"].net.sizes[0] == 3
    assert at.pills(key="features").value == ["x1", "x2", "x1_sq"]  # the widget shows it too
    reshape(at, {"features": ["x2", "x1_sq"]})
    assert config(at)["features"] == ("x2", "x1_sq")


def test_the_last_input_stays_on_with_a_notice(told):
    at = reshape(run_app(features="x1"), {"features": []})
    assert not at.exception and config(at)["features"] == ("x1",)
    assert "at least one input" in said(told, "info")


def test_plus_and_minus_change_layers_and_neurons_within_the_limits(told):
    at = reshape(run_app(hidden="4,2", dropout="0.1,0.2"), {"hidden": [4, 2, 2]})
    assert config(at)["hidden"] == (4, 2, 2) and at.query_params["hidden"] == "4,2,2"
    assert config(at)["dropout"] == (0.1, 0.2, 0.0)  # the per-layer settings fit the layers (fit_layers)
    reshape(at, {"hidden": [4, 3, 2]})
    assert config(at)["hidden"] == (4, 3, 2) and at.session_state["exp"].net.sizes == [2, 4, 3, 2, 1]
    reshape(at, {"hidden": [4]})
    assert config(at)["hidden"] == (4,) and config(at)["dropout"] == (0.1,)
    reshape(at, {"hidden": []})
    assert config(at)["hidden"] == () and not told
    reshape(at, {"hidden": [MAX_NEURONS + 1]})  # past a limit: the parameter's message, nothing changes
    assert config(at)["hidden"] == () and "previous setting is kept" in said(told, "warning")
    reshape(at, {"hidden": [2] * (MAX_LAYERS + 1)})
    assert config(at)["hidden"] == () and "previous setting is kept" in said(told, "warning")


@pytest.mark.parametrize("change", [
    {"features": ["x1", "x1"]}, {"features": ["x3"]}, {"features": "x1,x2"}, {"features": [1]},
    {"features": None}, {"hidden": [4, 2.0]}, {"hidden": [True]}, {"hidden": [-1]}, {"hidden": [10**400]},
    {"hidden": [math.nan]}, {"hidden": "4,2,2"}, {"hidden": [2] * 1000}, {"seed": 5}, {"hide": ["hidden"]},
    {"hidden": [4], "features": ["x1"]}, {}, [1], "hidden", None, 7,
])
def test_a_forged_change_changes_nothing(change):
    at = reshape(run_app(), change)
    assert not at.exception and not at.error
    assert config(at)["hidden"] == (4, 2) and config(at)["features"] == ("x1", "x2") and config(at)["seed"] == 0


def test_a_hidden_control_cannot_be_changed_from_the_picture():
    at = run_app(hide="features,hidden")
    assert scene_edits(at) == []  # no buttons drawn
    reshape(at, {"features": ["x1"]})
    reshape(at, {"hidden": [3]})
    assert not at.exception and config(at)["features"] == ("x1", "x2") and config(at)["hidden"] == (4, 2)
    at = run_app(hide="hidden")
    assert scene_edits(at) == ["features"]
    reshape(at, {"features": ["x1"]})
    assert config(at)["features"] == ("x1",)


def test_during_a_race_the_picture_changes_nothing():
    at = run_app(race="optimizer:sgd/adam")
    race = at.session_state["racing"]
    assert scene_edits(at) == []
    reshape(at, {"hidden": [3]})
    reshape(at, {"features": ["x1"]})
    assert not at.exception and at.session_state["racing"] is race
    assert config(at)["hidden"] == (4, 2) and config(at)["features"] == ("x1", "x2")


def test_a_change_while_playing_builds_the_new_network_and_stops_as_the_widget_does():
    at = run_app(speed="10")
    at.button(key="play").click().run()
    assert at.session_state["playing"]
    reshape(at, {"hidden": [4, 2, 2]})
    assert not at.exception and config(at)["hidden"] == (4, 2, 2)
    assert at.session_state["exp"].net.sizes == [2, 4, 2, 2, 1] and at.session_state["exp"].trainer.epoch == 0
    assert not at.session_state["playing"]
    assert [b.label for b in at.button if b.key in ("play", "pause")] == ["Play"]


def test_a_datasets_thumbnail_picks_it_as_the_widget_does():
    at = run_app()
    shown = [b.key for b in at.button if b.key.startswith("pick_")]
    assert shown == [f"pick_{n}" for n, d in DATASETS.items() if d.kind != "regression"]
    assert [b.label for b in at.button if b.key == "pick_spiral"] == ["Spiral"]  # its name, as text
    at.button(key="pick_spiral").click().run()
    assert not at.exception and config(at)["dataset"] == "spiral" and at.query_params["dataset"] == "spiral"
    assert at.selectbox(key="dataset").value == "spiral" and at.button(key="pick_spiral").proto.type == "primary"
    at = run_app(problem="regression")
    assert [b.key for b in at.button if b.key.startswith("pick_")] == ["pick_plane", "pick_multi_gauss"]
    assert not [b for b in run_app(hide="dataset").button if b.key.startswith("pick_")]  # a hidden control


def test_each_datasets_thumbnail_shows_its_own_points():
    pictures = {n: dataset_thumbnail(n) for n in DATASETS}
    assert all(p.startswith("data:image/png;base64,") for p in pictures.values())
    assert len(set(pictures.values())) == len(DATASETS)
