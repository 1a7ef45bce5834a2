"""The URL configuration: every valid setup survives a round trip; any query decodes to a valid setup."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from nn_core.datasets import DATASETS
from nn_core.text import MAX_MESSAGES, SHOWN_CHARS, shown
from playground import params
from playground.challenges import CHALLENGES
from playground.experiment import Experiment
from playground.lessons import LESSONS
from playground.params import PARAMS
from tests.conftest import TIMEOUT

# The longest warning: our own words (a list of allowed values cut at 120 characters) plus one shortened quote.
MAX_WARNING_CHARS = 250

FORMULAS = ["x1*x2", "sin(x1)*cos(x2)", "sqrt(x1**2 + x2**2)", "abs(x1)-x2", "exp(-x1**2)", "3", "x2/(1+x1**2)"]


def values(p):
    """Every allowed value of one parameter, drawn from its own declaration."""
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        return st.integers(int(p.lo), int(p.hi))
    if p.kind == "float":
        return st.floats(p.lo, p.hi)
    if p.kind == "multi":  # validate gives the declaration's order
        return st.sets(st.sampled_from(p.choices), min_size=1 if p.default else 0).map(
            lambda s: tuple(c for c in p.choices if c in s))
    if p.kind == "int_list":
        return st.lists(st.integers(int(p.lo), int(p.hi)), max_size=params.MAX_LAYERS).map(tuple)
    if p.kind == "formula":
        return st.sampled_from(FORMULAS)
    if p.kind == "layer_list":  # validate gives the canonical form (only the first choice: empty)
        return st.lists(st.sampled_from(p.choices), max_size=params.MAX_LAYERS).map(p.validate)
    if p.kind == "neurons":
        pairs = st.tuples(st.integers(1, params.MAX_LAYERS), st.integers(1, params.MAX_NEURONS))
        return st.lists(pairs, max_size=6).map(p.validate)
    if p.kind == "race":  # no race, or 2-4 different values of a raceable setting (a hidden layer at least)
        def race(setting):
            inner = values(PARAMS[setting]).filter(lambda v: v != ())
            return st.lists(inner, min_size=2, max_size=params.MAX_RACERS, unique=True).map(
                lambda vs: params.format_race(setting, vs))
        return st.just("") | st.sampled_from(params.RACE_SETTINGS).flatmap(race)
    raise AssertionError(p.kind)


def fits(config):
    try:
        params.validate(config)
        return True
    except ValueError:
        return False


@st.composite
def configs(draw):
    """A valid configuration: independent values, then per-layer settings fitted to the hidden layers, a
    problem and a loss that suit the dataset, a challenge or a lesson (not both)."""
    c = params.fit_layers({name: draw(values(p)) for name, p in PARAMS.items()})
    if c["challenge"] != "none":
        c["lesson"] = "none"
    c["problem"] = "regression" if DATASETS[c["dataset"]].kind == "regression" else "classification"
    c["loss"] = draw(st.sampled_from([loss for loss in PARAMS["loss"].choices if fits({**c, "loss": loss})]))
    return c


@settings(max_examples=100, deadline=None)
@given(configs())
def test_every_valid_configuration_survives_the_url(c):
    assert params.validate(c) == c
    query = params.encode(c)
    assert all(isinstance(v, str) for v in query.values())
    assert params.decode(query) == (c, [])
    assert params.decode(params.encode_changes(c)) == (c, [])  # the short link of the Lessons and Race panels


def test_a_short_link_names_only_what_differs_from_its_starting_point():
    race = params.validate({"dataset": "spiral", "race": "optimizer:sgd/momentum/adam"})
    assert params.encode_changes(race) == {"dataset": "spiral", "race": "optimizer:sgd/momentum/adam"}
    lesson = params.preset_config("lesson", "xor")
    assert params.encode_changes(lesson) == {"lesson": "xor"}
    assert params.encode_changes(params.DEFAULTS) == {}


def test_every_default_is_valid_and_an_empty_link_gives_the_defaults():
    for name, p in PARAMS.items():
        assert p.validate(p.default) == p.default, name
    assert params.validate({}) == params.DEFAULTS
    assert params.decode({}) == (params.DEFAULTS, [])


SPECIAL = ["", " ", ",", ",,", "-0", "0", "1", "-1", "nan", "NaN", "inf", "-inf", "1e309", "9" * 400, "1_0",
           "true", "false", "0.5", "4,x", " 4 , 2 ", "1,2,3,4,5,6,7,8,9", "0.03", "1e-05", "none", "x1,x1",
           "x1,,x2", "\u0661", "\x00", "\U0001f642"]
REAL = [str(c) for p in PARAMS.values() for c in p.choices] + list(PARAMS)
GARBAGE = st.one_of(
    st.sampled_from(SPECIAL + REAL),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.lists(st.sampled_from(REAL), max_size=4).map(",".join),
    st.text(max_size=20),
    st.integers(10**300, 10**400).map(str),  # beyond float: 1e308 is the largest
    st.builds(lambda piece, n: piece * n, st.sampled_from(["9", "x", "1,", "<b>", "\n", "\x00"]),
              st.integers(0, 20_000)),
)
# URL text per parameter: its valid values written out, or garbage; a value may be a list of texts
TEXTS = {name: st.one_of(values(p).map(p.format), GARBAGE) for name, p in PARAMS.items()}
VALUES = {name: st.one_of(t, st.lists(t, max_size=3)) for name, t in TEXTS.items()}
UNKNOWN = st.one_of(GARBAGE, st.lists(GARBAGE, max_size=3))


@st.composite
def queries(draw):
    """A query of known and unknown names, with good and bad values."""
    known = draw(st.lists(st.sampled_from(list(PARAMS)), unique=True, max_size=8))
    query = {name: draw(VALUES[name]) for name in known}
    query.update(draw(st.dictionaries(st.text(max_size=12), UNKNOWN, max_size=2)))
    return query


@settings(max_examples=200, deadline=None)
@given(queries())
@example(query={"race": "1" * 400})  # a long value in the longest of our own messages
def test_any_query_decodes_to_a_valid_configuration_with_a_warning_per_bad_value(query):
    config, warnings = params.decode(query)
    assert params.validate(config) == config
    text = "\n".join(warnings)
    last = {n: v[-1] if isinstance(v, list) and v else v for n, v in query.items()}
    lesson = PARAMS["lesson"].parse(last["lesson"]) if isinstance(last.get("lesson"), str) else None
    challenge = last.get("challenge").strip() if isinstance(last.get("challenge"), str) else None
    if challenge in CHALLENGES and lesson not in (None, "none"):  # the challenge wins; the lesson is dropped
        assert config["lesson"] == "none" and "not both" in text
        del last["lesson"]
    base = (params.preset_config("challenge", challenge) if challenge in CHALLENGES else
            params.preset_config("lesson", lesson) if lesson in LESSONS else params.DEFAULTS)
    unchanged = set(PARAMS) - {"problem", "dataset", "loss"}  # these three are also fitted to each other
    problems = []  # names that must be warned about
    for name, value in last.items():
        if name not in PARAMS:
            problems.append(shown(name))
            continue
        p = PARAMS[name]
        try:
            if not isinstance(value, str):  # an empty list
                raise ValueError
            parsed = p.parse(value)
            if p.kind == "neurons" and any(isinstance(v, str) for v in parsed):  # not layer.unit: dropped
                problems.append(name)
                parsed = tuple(v for v in parsed if not isinstance(v, str))
            wanted = p.validate(parsed)
        except ValueError:
            problems.append(name)
            continue
        unchanged.discard(name)
        if name == "dropout" and len(wanted) == 1:  # one rate for every hidden layer
            wanted *= len(config["hidden"])
        if config[name] != wanted:  # a good value is only ever replaced to fit the dataset or the layers, with a
            # warning; switched-off neurons that do not exist are dropped from the list, with a warning
            assert name in ("dataset", "loss", "layer_activations", "dropout", "off"), (name, value, warnings)
            problems.append(name)
    if len(warnings) <= MAX_MESSAGES:
        assert all(name in text for name in problems), (problems, warnings)
    else:  # the first few, then a count of the rest
        assert len(warnings) == MAX_MESSAGES + 1
        more = int(warnings[-1].removeprefix("... and ").removesuffix(" more."))
        assert MAX_MESSAGES + more >= len(problems)
    assert all(len(w) <= MAX_WARNING_CHARS for w in warnings), warnings
    for name in unchanged:  # left out or bad: the starting value (default or lesson's)
        assert config[name] == base[name], name


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(list(PARAMS)), st.text()), st.one_of(st.text(), GARBAGE)))
def test_decode_is_total_on_any_text(query):
    """Any dict of strings: a valid configuration, at most MAX_MESSAGES + 1 short warnings, no exception."""
    config, warnings = params.decode(query)
    assert params.validate(config) == config
    assert len(warnings) <= MAX_MESSAGES + 1
    assert all(len(w) <= MAX_WARNING_CHARS for w in warnings), warnings


def test_a_bad_list_under_a_challenges_long_list_gets_a_short_warning():
    """Found by hypothesis: a bad ``hide`` beside a challenge, whose own list of hidden controls is long, gave a
    306-character warning (every choice, then the whole list used instead)."""
    for query in ({"challenge": "xor_no_hidden", "hide": "x"},
                  {"challenge": "xor_no_hidden", "hide": ",".join(PARAMS["hide"].choices * 2)}):
        config, warnings = params.decode(query)
        assert config["hide"] == params.preset_config("challenge", "xor_no_hidden")["hide"]
        assert len(warnings) == 1 and len(warnings[0]) <= MAX_WARNING_CHARS, warnings


@pytest.mark.parametrize("name", ["hidden", "seed", "n_samples", "learning_rate", "speed", "noise", "epochs"])
def test_a_400_digit_number_falls_back_to_the_default_with_a_short_warning(name):
    config, warnings = params.decode({name: "1" + "0" * 400})
    assert config == params.DEFAULTS
    assert len(warnings) == 1 and warnings[0].startswith(f"{name} must be"), warnings
    assert "0" * (SHOWN_CHARS + 1) not in warnings[0]
    with pytest.raises(ValueError, match=name):  # validate: a clear ValueError, never OverflowError
        params.validate({name: 10**400 if name != "hidden" else (10**400,)})


def test_dataset_and_problem_are_made_consistent():
    config, warnings = params.decode({"dataset": "multi_gauss"})
    assert (config["problem"], warnings) == ("regression", [])
    config, warnings = params.decode({"problem": "regression", "dataset": "spiral", "loss": "bce"})
    assert config["problem"] == "regression" and DATASETS[config["dataset"]].kind == "regression"
    assert config["loss"] == "auto"
    assert any("dataset" in w for w in warnings) and any("loss" in w for w in warnings)


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_link_builds_and_trains(name):
    config, warnings = params.decode({"lesson": name})
    assert warnings == [] and config["lesson"] == name
    assert params.decode({"lesson": f" {name} "}) == (config, [])  # read like every other value
    for k, v in LESSONS[name].config.items():
        assert config[k] == PARAMS[k].validate(v)
    assert config["hide"] == PARAMS["hide"].validate(LESSONS[name].hide)
    exp = Experiment(config, grid_res=10)
    assert exp.trainer.run(1) == 1
    override, _ = params.decode({"lesson": name, "seed": "7"})
    assert override == {**config, "seed": 7}


def test_per_layer_settings_in_the_url():
    query = {"hidden": "4,3", "layer_activations": "relu,same", "dropout": "0.2,0", "off": "2.3, 1.1"}
    config, warnings = params.decode(query)
    assert warnings == []
    assert (config["layer_activations"], config["dropout"], config["off"]) == (
        ("relu", "same"), (0.2, 0.0), ((1, 1), (2, 3)))
    assert params.hidden_activations(config) == ("relu", "tanh")
    assert {k: params.encode(config)[k] for k in query} == {
        "hidden": "4,3", "layer_activations": "relu,same", "dropout": "0.2,0.0", "off": "1.1,2.3"}
    assert params.decode({"layer_activations": "same,same", "dropout": "0,0"}) == (params.DEFAULTS, [])
    assert params.decode({"hidden": "4,3,2", "dropout": "0.5"})[0]["dropout"] == (0.5,) * 3  # one rate for all


@pytest.mark.parametrize("query, name, kept", [
    ({"layer_activations": "relu"}, "layer_activations", ()),  # hidden is 4,2: two layers
    ({"hidden": "4", "layer_activations": "relu,tanh"}, "layer_activations", ()),
    ({"dropout": "0.1,0.2,0.3"}, "dropout", ()),
    ({"off": "1.2,3.1,2.3"}, "off", ((1, 2),)),  # hidden 4,2: there is no layer 3, no neuron 2.3
    ({"off": "1.2,x,1.2.3,0.1"}, "off", ((1, 2),)),  # not layer.unit: dropped
])
def test_per_layer_settings_that_do_not_fit_warn_and_fall_back(query, name, kept):
    config, warnings = params.decode(query)
    assert config[name] == kept and params.validate(config) == config
    assert len(warnings) == 1 and warnings[0].startswith(name), warnings


@pytest.mark.parametrize("config", [{"layer_activations": ("relu",)}, {"dropout": (0.1, 0.1, 0.1)},
                                    {"hidden": (3,), "off": ((1, 4),)}, {"off": ((3, 1),)}])
def test_validate_refuses_per_layer_settings_that_do_not_fit(config):
    with pytest.raises(ValueError, match="|".join(config)):
        params.validate(config)


def test_changing_the_hidden_layers_fits_the_per_layer_settings():
    config = params.validate({"hidden": (4, 3), "layer_activations": ("relu", "sigmoid"), "dropout": (0.2, 0.1),
                              "off": ((1, 4), (2, 1))})
    wider = params.fit_layers({**config, "hidden": (3, 3, 2)})
    assert (wider["layer_activations"], wider["dropout"], wider["off"]) == (
        ("relu", "sigmoid", "same"), (0.2, 0.1, 0.0), ((2, 1),))
    assert params.fit_layers({**config, "hidden": ()})["layer_activations"] == ()
    assert params.validate(wider) == wider


def _page_of(name):
    """A page of parameter ``name``'s widget alone, in a session set up as the app sets one up."""
    from ui import controls, state

    state.init_session()
    state.drawing_page()
    controls.param_widget(name)
    controls.page_mark_ui()


def test_a_parameter_declared_in_one_row_reaches_the_url_the_widgets_and_the_hide_list(monkeypatch):
    glow = params.Param("glow", "bool", False, "Glow", "Made up for this test.", effect="display")
    for name, table in params.declare(params.ROWS + (glow,))._asdict().items():  # as the module builds them
        monkeypatch.setattr(params, name, table)
    config = params.validate({"glow": True})
    assert params.decode(params.encode(config)) == (config, [])
    assert params.encode_changes(config) == {"glow": "true"}
    assert "glow" in params.HIDEABLE and params.decode({"hide": "glow,dataset"})[0]["hide"] == ("dataset", "glow")

    at = AppTest.from_function(_page_of, args=("glow",), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [(t.label, t.value) for t in at.toggle] == [("Glow", False)]
    at.toggle(key="glow").set_value(True).run()
    assert at.session_state["config"]["glow"] is True and at.query_params["glow"] == "true"

    at = AppTest.from_function(_page_of, args=("glow",), default_timeout=TIMEOUT)
    at.query_params["hide"] = "glow"
    assert not at.run().toggle  # hidden by the link: not drawn


@pytest.mark.parametrize("setting", params.RACE_SETTINGS)
def test_the_race_suggested_for_each_setting_is_a_race(setting):
    race = params.parse_race(f"{setting}:{PARAMS[setting].race}")
    assert race[0] == setting and len(race[1]) == 3
