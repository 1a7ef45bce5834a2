"""Pinned runs as JSON: a round trip keeps them exactly; hostile or corrupt text gives warnings or a
ValueError with a message, never another exception, and never a pin with a field of the wrong type."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core.trainer import HISTORY_COLUMNS
from playground import params
from playground.experiment import Experiment
from playground.pins import CURVE_POINTS, MAX_BYTES, MAX_PINNED, NAME, PICTURE, from_json, pinned, to_json


def runs(n=2):
    """``n`` pinned runs of real trainers: classification, then regression (R² set, accuracy NaN)."""
    pins = []
    for i in range(n):
        config = params.validate({"dataset": "plane", "problem": "regression"} if i % 2 else
                                 {"learning_rate": 0.3, "hidden": (3,)})
        exp = Experiment(config, grid_res=2)
        exp.trainer.run(i + 2)
        picture = np.random.default_rng(i).integers(0, 256, (PICTURE, PICTURE, 3), np.uint8)
        pins.append(pinned(f"Run {i + 1}", config, exp.trainer, own_data=bool(i % 2), picture=picture))
    return pins


def assert_same(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        assert (p["name"], p["config"], p["own_data"]) == (q["name"], q["config"], q["own_data"])
        assert p["numbers"].keys() == q["numbers"].keys()
        for k in p["numbers"]:
            assert p["numbers"][k] == q["numbers"][k] or (math.isnan(p["numbers"][k]) and math.isnan(q["numbers"][k]))
        np.testing.assert_array_equal(p["curve"], q["curve"])  # NaN equal to NaN
        np.testing.assert_array_equal(p["picture"], q["picture"])


def assert_valid(pins, made):
    """Every field of every pin has its type: what the Compare panel may rely on."""
    assert isinstance(made, int) and made >= len(pins) and len(pins) <= MAX_PINNED
    for p in pins:
        assert NAME.fullmatch(p["name"])
        assert params.validate(p["config"]) == p["config"]
        assert list(p["numbers"]) == HISTORY_COLUMNS and isinstance(p["numbers"]["epoch"], int)
        assert all(isinstance(v, float) for k, v in p["numbers"].items() if k != "epoch")
        assert isinstance(p["own_data"], bool)
        curve = p["curve"]
        assert curve.dtype == np.float64 and curve.ndim == 2 and curve.shape[1] == 3 and len(curve) <= CURVE_POINTS
        assert np.isfinite(curve[:, 0]).all() and not np.isinf(curve).any()
        assert p["picture"] is None or (p["picture"].dtype == np.uint8 and p["picture"].shape == (PICTURE, PICTURE, 3))


def test_a_round_trip_keeps_the_pins_exactly():
    pins = runs(2)
    text = to_json(pins, made=7)
    assert "NaN" not in text  # strict JSON: R² of a classifier is null
    back, made, warnings = from_json(text)
    assert warnings == [] and made == 7
    assert_same(back, pins)
    assert_valid(back, made)
    assert len(text) * MAX_PINNED / 2 < MAX_BYTES  # the size bound leaves room for ten long runs


def doc(**changes):
    """A stored document of one pin, with fields of it changed."""
    d = json.loads(to_json(runs(1), made=1))
    d["pins"][0].update(changes)
    return json.dumps(d)


@pytest.mark.parametrize("text, words", [
    ("", "not JSON"), ("{", "not JSON"), ("[]", "list of 'pins'"), ('{"pins": {}}', "list of 'pins'"),
    ('{"pins": [NaN]}', "not JSON"), ('{"pins": [Infinity]}', "not JSON"), ("[" * 100_000, "nested too deeply"),
    ('{"pins": [' + "1" * 5000 + "]}", "not JSON"), (" " * (MAX_BYTES + 1), "over the limit"),
    (b"\xff\xfe", "not JSON"),
])
def test_text_that_is_no_list_of_pins_is_refused_with_a_reason(text, words):
    with pytest.raises(ValueError, match=words):
        from_json(text)


@pytest.mark.parametrize("changes, words", [
    ({"name": "<a href='https://evil.example'>x</a>"}, "name must be Run and a number"),
    ({"name": "Run 1\n"}, "name must be"), ({"name": "Run 01"}, "name must be"), ({"name": 3}, "name must be"),
    ({"config": []}, "config must be"), ({"own_data": "yes"}, "own_data"),
    ({"numbers": {}}, "numbers must be"), ({"curve": [[0, 1]]}, "curve must be"),
    ({"curve": [[0, 1, 2]] * (CURVE_POINTS + 1)}, "curve must be"), ({"curve": [[None, 1, 2]]}, "curve must be"),
    ({"curve": [[0, True, 2]]}, "curve must be"),
    ({"curve": [[-1, 1, 2]]}, "curve must be"), ({"curve": [[0, 10**400, 2]]}, "curve must be"),
    ({"extra": 1}, "expected an object"),
    ({"picture": "00" * 7}, "picture must be"), ({"picture": "ZZ" * PICTURE * PICTURE * 3}, "picture must be"),
    ({"picture": "AB" * PICTURE * PICTURE * 3}, "picture must be"), ({"picture": 12}, "picture must be"),
])
def test_a_bad_pin_is_dropped_with_a_warning_that_says_why(changes, words):
    pins, made, warnings = from_json(doc(**changes))
    assert pins == [] and made == 1 and len(warnings) == 1  # made: the next pin is still Run 2
    assert warnings[0].startswith("Pinned run 1 was dropped: ") and words in warnings[0]


def test_an_infinite_number_refuses_the_whole_text():
    with pytest.raises(ValueError, match="Infinity is not a number JSON allows"):
        from_json(doc(curve=[[0, 1e999, 2]]))  # json.dumps writes Infinity


def test_bad_numbers_and_settings():
    numbers = dict.fromkeys(HISTORY_COLUMNS, 0.5) | {"epoch": 3}
    for bad, words in ((numbers | {"epoch": 2.5}, "epoch must be an integer"),
                       (numbers | {"epoch": -1}, "epoch must be an integer"),
                       (numbers | {"test_loss": "0.1"}, "test_loss must be a finite number or null")):
        _, _, warnings = from_json(doc(numbers=bad))
        assert words in warnings[0], warnings
    pins, _, warnings = from_json(doc(numbers=numbers | {"test_r2": None}, config={"learning_rate": "7", "x": "1"}))
    assert math.isnan(pins[0]["numbers"]["test_r2"]) and pins[0]["config"]["learning_rate"] == 0.03
    assert [w.split(":")[0] for w in warnings] == ["Run 1", "Run 1"]
    assert "learning_rate must be one of" in warnings[1] and "'x'" in warnings[0]


def test_only_the_last_ten_are_kept_and_made_counts_at_least_those():
    d = json.loads(to_json(runs(1) * 12, made="many"))
    pins, made, warnings = from_json(json.dumps(d))
    assert len(pins) == MAX_PINNED and made == MAX_PINNED
    assert warnings == [f"Only the last {MAX_PINNED} of 12 pinned runs are kept."]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=30), lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=5), max_leaves=30)


def valid_or_refused(value):
    """Read the JSON value ``value`` as a stored document: valid pins (asserted) and its warnings, or None when
    ``from_json`` refuses it with a ValueError."""
    try:
        pins, made, warnings = from_json(json.dumps(value))
    except ValueError:
        return None
    assert_valid(pins, made)
    return warnings


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_gives_valid_pins_or_a_value_error(value):
    warnings = valid_or_refused(value)
    assert warnings is None or all(isinstance(w, str) for w in warnings)


def leaves(value, path=()):
    """Every place in a JSON value (paths of keys and indices), containers included."""
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in children:
        yield from leaves(v, path + (k,))


VALID = json.loads(to_json(runs(2), made=2))
PLACES = [p for p in leaves(VALID) if p][:400]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PLACES), JSON | st.sampled_from(["<script>alert(1)</script>", "**bold**", "\x00", "é" * 50]))
def test_a_stored_document_with_any_part_replaced_gives_valid_pins_or_a_value_error(place, replacement):
    d = json.loads(json.dumps(VALID))
    target = d
    for k in place[:-1]:
        target = target[k]
    target[place[-1]] = replacement
    valid_or_refused(d)


def test_a_pin_stored_without_a_thumbnail_is_read_with_none():
    d = json.loads(to_json(runs(1), made=1))
    del d["pins"][0]["picture"]
    pins, _, warnings = from_json(json.dumps(d))
    assert warnings == [] and pins[0]["picture"] is None
