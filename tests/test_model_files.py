"""Model files: Experiment.to_json / from_json round-trip a trained model and refuse every bad file clearly."""

import json

import numpy as np
import pytest

from nn_core.text import MAX_MESSAGES
from playground import params
from playground.experiment import MODEL_MAX_BYTES, Experiment


@pytest.fixture(scope="module")
def trained():
    exp = Experiment({"dataset": "spiral", "hidden": (8, 4), "activation": "relu", "optimizer": "adam",
                      "learning_rate": 0.01, "seed": 3}, grid_res=10)
    exp.trainer.run(7)
    return exp


def doc_of(exp):
    return json.loads(exp.to_json())


def test_round_trip_keeps_configuration_weights_and_epoch(trained):
    exp, warnings = Experiment.from_json(trained.to_json(), grid_res=10)
    assert warnings == []
    assert exp.config == trained.config
    assert np.array_equal(exp.net.params, trained.net.params)
    assert exp.trainer.epoch == 7  # not 0: the loaded model shows the epoch it reached
    assert exp.trainer.history["epoch"].tolist() == [7]
    assert exp.trainer.history["train_loss"].iloc[0] == pytest.approx(trained.trainer.history["train_loss"].iloc[-1])
    exp.trainer.run(2)
    assert exp.trainer.history["epoch"].tolist() == [7, 8, 9]
    assert exp.trainer.restore(0) == 7  # the loaded weights are the earliest point to go back to
    assert np.array_equal(exp.net.params, trained.net.params)


def test_bytes_and_text_both_load(trained):
    a, _ = Experiment.from_json(trained.to_json().encode(), grid_res=10)
    b, _ = Experiment.from_json(trained.to_json(), grid_res=10)
    assert np.array_equal(a.net.params, b.net.params)


def test_snapshots_thin_from_the_loaded_epoch():
    """Thinning keeps every 2^k-th epoch counted from the start, so the loaded weights stay restorable."""
    exp = Experiment({"hidden": (2,)}, grid_res=10)
    exp.trainer.run(1)
    loaded, _ = Experiment.from_json(exp.to_json(), grid_res=10)
    loaded.trainer.records.max_snapshots = 4
    loaded.trainer.run(9)
    assert loaded.trainer.snapshot_epochs[0] == 1


def _with(doc, **changes):
    return json.dumps({**doc, **changes})


def bad_files(doc):
    """(file, words the message must hold) for every way a file can be wrong."""
    model = doc["model"]
    deep = "[" * 100_000 + "]" * 100_000
    return {
        "too large": (" " * (MODEL_MAX_BYTES + 1), "over the limit of 2,000,000 bytes"),
        "not JSON": ("model = {'config': 1}", "not JSON"),
        "not UTF-8": (b"\xff\xfe\x00{", "not JSON"),
        "a list": ("[1, 2]", "'config' and 'model'"),
        "no model": (json.dumps({"config": doc["config"]}), "'config' and 'model'"),
        "nested 100,000 deep": ('{"config": {}, "model": ' + deep + "}", "nested too deeply"),
        "code in a string": (_with(doc, model={**model, "activation": "__import__('os').system('id')"}),
                             "activation must be one of"),
        "wrong shapes": (_with(doc, model={**model, "weights": [w[:-1] for w in model["weights"]]}),
                         "layer 0: expected weights"),
        "NaN weight": (_with(doc, model={**model, "biases": [[float("nan")] * len(b) for b in model["biases"]]}),
                       "finite"),
        "309-digit weight": (_with(doc, model={**model, "biases": [[10**309] * len(b) for b in model["biases"]]}),
                             "too large"),
        "5000-digit number": ('{"config": {}, "model": ' + "9" * 5000 + "}", "not JSON"),
        "config mismatch": (_with(doc, config={**doc["config"], "hidden": "3"}), "does not match"),
    }


@pytest.mark.parametrize("case", list(bad_files(json.loads(Experiment({}, grid_res=4).to_json()))))
def test_bad_files_raise_a_clear_value_error(case):
    text, words = bad_files(doc_of(Experiment({}, grid_res=4)))[case]
    with pytest.raises(ValueError) as e:
        Experiment.from_json(text, grid_res=4)
    assert words in str(e.value)
    assert len(str(e.value)) <= 260  # a message, not the file echoed back


def test_bad_settings_fall_back_with_few_short_warnings(trained):
    doc = doc_of(trained)
    doc["config"].update({f"setting_{i}": "x" * 40 for i in range(20_000)})  # 20,000 unknown settings
    doc["config"]["seed"] = "9" * 309
    doc["config"]["noise"] = 0.25  # a JSON number is read as its text
    doc["epoch"] = 10**309
    with pytest.raises(ValueError, match="does not match"):  # the seed fell back, so did not break the network
        Experiment.from_json(json.dumps({**doc, "config": {**doc["config"], "hidden": "9"}}), grid_res=10)
    exp, warnings = Experiment.from_json(json.dumps(doc), grid_res=10)
    assert exp.config == {**trained.config, "seed": 0, "noise": 0.25}
    assert exp.trainer.epoch == 0
    assert len(warnings) == MAX_MESSAGES + 1 and warnings[-1] == f"... and {20_002 - MAX_MESSAGES} more."
    assert all(len(w) <= 200 for w in warnings)
    assert np.array_equal(exp.net.params, trained.net.params)


def test_loaded_configuration_is_valid_and_encodes_as_a_url(trained):
    exp, _ = Experiment.from_json(trained.to_json(), grid_res=10)
    assert params.decode(params.encode(exp.config)) == (exp.config, [])
