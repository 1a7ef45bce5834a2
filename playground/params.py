"""Every playground parameter, declared once, with every fact about it.

A parameter is one row of ``ROWS`` (a ``Param``): its default, widget label
and range, value labels, whether a link may hide it, what a change does to a
running experiment, whether and how a race may vary it.  ``PARAMS``,
``DEFAULTS``, the hideable names and the raceable settings derive from the
rows (``declare``); URL encoding and validation from its kind's ``Codec``.
Nothing else lists a parameter's facts.  A configuration is a plain dict
``{name: value}``.  ``decode`` turns URL query strings into a valid
configuration, replacing each bad value by its default with a warning;
``encode`` does the reverse; ``decode(encode(c)) == c`` for every valid ``c``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlencode

from nn_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nn_core.datasets import DATASETS, MAX_CLASSES
from nn_core.features import DEFAULT_FORMULA, FEATURES, feature_label
from nn_core.formula import MAX_CHARS as MAX_FORMULA_CHARS
from nn_core.formula import parse as parse_formula
from nn_core.losses import LOSSES
from nn_core.network import INITS
from nn_core.optimizers import OPTIMIZERS, REGULARIZATIONS
from nn_core.schedules import SCHEDULES
from nn_core.text import MAX_MESSAGES, SHOWN_CHARS, capped, clipped, shown

from .challenges import CHALLENGES, challenge_start
from .lessons import LESSONS

MAX_LAYERS = 8
# Names and values of a link read at most: 16 KiB, the most that surely reaches the app, well above the longest
# link the app writes.  Streamlit's server (uvicorn/h11) may answer a longer request line with a bare "400 Invalid
# HTTP request received." (bench/README.md); the deployment's nginx passes request lines up to 24 kB and answers
# a longer one with a plain page.
MAX_QUERY_CHARS = 16 * 1024
USEFUL_REG_RATE = 0.01  # the rate a regulariser is given when it is picked (or raced) while the rate is 0
MAX_NEURONS = 16


EFFECTS = {  # what a change of a parameter does to a running experiment (``Experiment.update``)
    "rebuild": "new data or a new network: the experiment is built afresh, from epoch 0",
    "training": "the trainer takes it in place (an argument of ``Trainer`` by its name; full_batch: batch_size "
                "None), keeping the weights and the epoch",
    "neurons": "the network switches neurons off or on in place",
    "display": "training is untouched: what is drawn, when playing stops, the link's hidden controls, the race "
               "(whose racers are built apart)",
}


@dataclass(frozen=True)
class Param:
    """One parameter and every fact about it: a row of ``ROWS``.

    kind: a key of ``CODECS``, the ``Codec`` that reads, writes and checks its values (each says what it
    accepts).  default; choices, or lo, hi and step: its allowed values and the widget's range.
    label, help: the widget's.  value_label: how the page names a value (or one choice of a list); percent: a
    share, shown as a percentage; without either a value shows as written (``label_of``).
    hideable: a teacher's link (``hide``) may hide its control.
    effect: what a change does to a running experiment (a key of ``EFFECTS``).
    race: the values the Race panel suggests for a race over it, as a race value's part after the colon (""
    when a race may not vary it); race_rank: its place in the panel's list of settings (1 first); racer: a
    racer's name for a value (None: ``label_of``).
    """

    name: str
    kind: str
    default: Any
    label: str
    help: str
    choices: tuple = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None  # widget granularity
    percent: bool = False
    value_label: Callable[[Any], str] | None = None
    hideable: bool = True
    effect: str = "rebuild"
    race: str = ""
    race_rank: int = 0
    racer: Callable[[Any], str] | None = None
    codec: Codec = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in CODECS or self.effect not in EFFECTS:
            raise ValueError(f"{self.name}: kind must be one of {', '.join(CODECS)} and effect one of "
                             f"{', '.join(EFFECTS)}; got {self.kind!r}, {self.effect!r}")
        object.__setattr__(self, "codec", CODECS[self.kind])

    def validate(self, value):
        """``value`` normalised to this parameter's type; ValueError if not allowed."""
        return self.codec.validate(self, value)

    def parse(self, text):
        """The value written as ``text`` in a URL (not yet validated)."""
        return self.codec.parse(self, text.strip())

    def read(self, text):
        """``parse`` for a link: the value (not yet validated) and warnings about parts of ``text`` dropped."""
        return self.codec.read(self, text.strip())

    def format(self, value):
        """``value`` as written in a URL."""
        return self.codec.format(self, value)

    def label_of(self, value):
        """How the page names ``value``: ``value_label``'s name, a percentage, or the number or text; a list's
        labels joined by commas ("none" for an empty one)."""
        if isinstance(value, tuple):
            return ", ".join(map(self.label_of, value)) or "none"
        if self.value_label is not None:
            return self.value_label(value)
        if self.percent:
            return f"{value:.0%}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def racer_label(self, value):
        """A racer's name in a race over this setting, e.g. ``Adam``, ``rate 0.1``, ``hidden 4-2``."""
        return self.racer(value) if self.racer is not None else self.label_of(value)


class Codec:
    """How the values of one kind of parameter are read from a URL, written to one and checked.

    ``parse`` reads stripped URL text, not yet validated (a part it cannot read stays text, for ``validate``
    to refuse); ``read`` is ``parse`` for a link, with warnings about parts it drops; ``format`` writes a value;
    ``validate`` returns a value normalised, or raises ValueError naming the parameter and what it allows.
    """

    def parse(self, p, text):
        return text

    def read(self, p, text):
        return self.parse(p, text), []

    def format(self, p, value):
        return repr(value) if isinstance(value, float) else str(value)

    def validate(self, p, value):
        raise NotImplementedError


class ChoiceCodec(Codec):
    """``choice``: one of ``choices``; a number close to a numeric choice stands for it."""

    def parse(self, p, text):
        return _number(text) if _is_number(p.default) else text

    def validate(self, p, value):
        choice = _choice(p, value)
        if choice is None:
            raise ValueError(f"{p.name} must be one of {', '.join(map(str, p.choices))}; got {shown(value)}")
        return choice


class BoolCodec(Codec):
    """``bool``: true or false (1 or 0 in a link too)."""

    WORDS = {"true": True, "1": True, "false": False, "0": False}

    def parse(self, p, text):
        return self.WORDS.get(text.lower(), text)

    def format(self, p, value):
        return "true" if value else "false"

    def validate(self, p, value):
        if isinstance(value, bool):
            return value
        raise ValueError(f"{p.name} must be true or false; got {shown(value)}")


class NumberCodec(Codec):
    """``int``, ``float``: a number in [lo, hi] (an integer for ``integer``)."""

    def __init__(self, integer):
        self.integer = integer

    def parse(self, p, text):
        return _number(text)

    def validate(self, p, value):
        if not _is_number(value) or (self.integer and value != int(value)) or not p.lo <= value <= p.hi:
            raise ValueError(f"{p.name} must be {'an integer' if self.integer else 'a number'} "
                             f"in [{p.lo}, {p.hi}]; got {shown(value)}")
        return int(value) if self.integer else float(value)


class ListCodec(Codec):
    """A tuple, comma-separated in URLs, read item by item (``item``: the text, unless a kind reads more)."""

    def parse(self, p, text):
        return tuple(self.item(p, t) for t in (t.strip() for t in text.split(",")) if t)

    def item(self, p, text):
        return text

    def format(self, p, value):
        return ",".join(map(str, value))


class MultiCodec(ListCodec):
    """``multi``: distinct values among ``choices``, kept in their order (at least one when the default has
    some)."""

    def validate(self, p, value):
        values = tuple(value)
        bad = [v for v in values if v not in p.choices]
        if bad or (not values and p.default) or len(set(values)) != len(values):
            raise ValueError(f"{p.name} must be distinct values among {_listed(p.choices, 80)}; "
                             f"got {shown(values) if values else 'none'}")
        return tuple(c for c in p.choices if c in values)  # canonical order


class IntListCodec(ListCodec):
    """``int_list``: hidden layer sizes, at most MAX_LAYERS integers in [lo, hi]."""

    def item(self, p, text):  # an entry that is not an integer stays text, for validate to refuse
        return _number(text) if _INTEGER.fullmatch(text) else text

    def validate(self, p, value):
        values = tuple(value)
        if len(values) > MAX_LAYERS or not all(_is_number(v) and v == int(v) and p.lo <= v <= p.hi for v in values):
            raise ValueError(f"{p.name} must be at most {MAX_LAYERS} integers in "
                             f"[{p.lo}, {p.hi}]; got {shown(values)}")
        return tuple(int(v) for v in values)


class LayerListCodec(ListCodec):
    """``layer_list``: a value per hidden layer, each among ``choices``; the first choice means "not set", and a
    list of nothing else is empty.  Whether it fits the hidden layers is checked across parameters
    (``layer_problems``)."""

    def item(self, p, text):
        return _number(text) if _is_number(p.choices[0]) else text

    def validate(self, p, value):
        values = tuple(value)
        picked = [_choice(p, v) for v in values]
        if len(values) > MAX_LAYERS or None in picked:
            raise ValueError(f"{p.name} must be at most {MAX_LAYERS} values among {_listed(p.choices)}; "
                             f"got {shown(values)}")
        return () if all(v == p.choices[0] for v in picked) else tuple(picked)


class NeuronsCodec(ListCodec):
    """``neurons``: hidden neurons written ``layer.unit`` counted from 1, as the picture labels them; a sorted
    tuple of ``(layer, unit)``.  A link's entries that are not such are dropped with a warning (``read``)."""

    def item(self, p, text):  # an entry that is not layer.unit stays text, for read to drop
        return _neuron(text)

    def read(self, p, text):
        value = self.parse(p, text)
        dropped = [v for v in value if isinstance(v, str)]
        if not dropped:
            return value, []
        return tuple(v for v in value if not isinstance(v, str)), [
            f"{p.name}: dropped {shown(', '.join(dropped))}, not neurons written layer.unit from 1 (e.g. 1.2)."]

    def format(self, p, value):
        return ",".join(f"{layer}.{unit}" for layer, unit in value)

    def validate(self, p, value):
        pairs = tuple(value)
        if len(pairs) > MAX_LAYERS * MAX_NEURONS or not all(
                isinstance(v, tuple) and len(v) == 2 and all(type(n) is int and n >= 1 for n in v) for v in pairs):
            raise ValueError(f"{p.name} must be hidden neurons written layer.unit (from 1), e.g. 1.2,2.1; "
                             f"got {shown(value)}")
        return tuple(sorted(set(pairs)))


class FormulaCodec(Codec):
    """``formula``: text in x1 and x2 that ``formula.parse`` accepts, kept as typed (stripped)."""

    def validate(self, p, value):
        try:
            return parse_formula(value).text
        except ValueError as e:
            raise ValueError(f"{p.name}: {e}") from None


class RaceCodec(Codec):
    """``race``: ``setting:value/value...`` (``parse_race``), kept in canonical form; "" for none."""

    def validate(self, p, value):
        race = parse_race(value)
        return "" if race is None else format_race(*race)


CODECS = {"choice": ChoiceCodec(), "int": NumberCodec(integer=True), "float": NumberCodec(integer=False),
          "bool": BoolCodec(), "multi": MultiCodec(), "int_list": IntListCodec(), "layer_list": LayerListCodec(),
          "neurons": NeuronsCodec(), "formula": FormulaCodec(), "race": RaceCodec()}


def _choice(p, value):
    """The choice of ``p`` that ``value`` stands for (a number close to a numeric one), or None."""
    for c in p.choices:
        if value == c or (isinstance(c, float) and _is_number(value) and math.isclose(value, c)):
            return c
    return None


# Numbers in a URL are written in ASCII digits only: Python's int() and float() also read other scripts' digits
# ("١٢" is 12) and underscores ("1_0" is 10), and str.isdigit() is true for "²", which int() refuses.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_UNIT = re.compile(r"[0-9]{1,3}")  # a neuron's layer or unit in ``off``


def _number(text):
    """``text`` as an int or a float if it is one in ASCII digits, else the text (int first: exact, and a
    309-digit integer is not read as inf; one of over 4300 digits, which int() refuses, is read as a float)."""
    if _NUMBER.fullmatch(text):
        for number in (int, float):
            try:
                return number(text)
            except ValueError:
                pass
    return text


def _neuron(text):
    """``"1.2"`` as ``(1, 2)`` (both from 1, at most 3 ASCII digits); anything else stays text."""
    layer, dot, unit = text.partition(".")
    if dot and all(_UNIT.fullmatch(t) and int(t) >= 1 for t in (layer, unit)):
        return int(layer), int(unit)
    return text


def _listed(choices, limit=120):
    """The allowed values, comma-separated; a long list is cut after about ``limit`` characters."""
    text = ", ".join(map(str, choices))
    if len(text) <= limit:
        return text
    return f"{text[:text.rindex(', ', 0, limit)]}, … ({len(choices)} in all)"


def _is_number(v):
    """A finite int or float (not bool); an int too large for a float (over 1.8e308) is not a number here."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


MAX_RACERS = 4
RACE_VALUES_SEPARATOR = "/"


def parse_race(text):
    """The race a ``race`` value names, ``(setting, values)``, or None for "" (no race).

    Written ``setting:value/value/...``, each value as in a URL, e.g. ``optimizer:sgd/momentum/adam`` or
    ``hidden:8/4,4/2,2,2,2``; 2 to ``MAX_RACERS`` distinct values.  ValueError says what is wrong.
    """
    if not isinstance(text, str):
        raise ValueError(f"race must be text; got {shown(text)}")
    text = text.strip()
    if not text:
        return None
    setting, colon, rest = text.partition(":")
    setting = setting.strip()
    if not colon or setting not in RACE_SETTINGS:
        raise ValueError(f"race must be setting:value{RACE_VALUES_SEPARATOR}value..., the setting one of "
                         f"{', '.join(RACE_SETTINGS)}; got {shown(text)}")
    parts = [t for t in rest.split(RACE_VALUES_SEPARATOR, MAX_RACERS) if t.strip()]
    p = PARAMS[setting]
    values = []
    for part in parts[:MAX_RACERS]:
        try:
            value = p.validate(p.parse(part))
        except ValueError as e:
            raise ValueError(f"race: {e}") from None
        if value not in values:
            values.append(value)
    if not 2 <= len(values) <= MAX_RACERS or len(parts) > MAX_RACERS:
        raise ValueError(f"race must name 2-{MAX_RACERS} different values of {setting}; got {shown(text)}")
    return setting, tuple(values)


def format_race(setting, values):
    """The ``race`` value of a race of ``setting`` over ``values`` (the inverse of ``parse_race``)."""
    return f"{setting}:{RACE_VALUES_SEPARATOR.join(PARAMS[setting].format(v) for v in values)}"


PANELS = {  # the panels below the playground, name -> label (a link hides them as it hides controls)
    "history": "Step back in time",
    "neuron": "Inside a neuron",
    "performance": "How well it does",
    "gradients": "Gradient flow",
    "hidden_space": "Hidden space",
    "data": "Your data",
    "export": "Export",
    "lesson": "Lessons",
    "challenges": "Challenges",
    "race": "Race",
    "compare": "Compare runs",
    "class": "Class",
}
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LOSS_CHOICES = ("auto",) + tuple(LOSSES)
DECAY_FACTORS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
CLIP_NORMS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
STOP_LOSSES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
SAME = "same"  # a hidden layer whose activation follows Activation
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

ROWS = (  # every parameter but race and hide, whose allowed values follow from these (``declare``)
    # data
    Param("problem", "choice", "classification", "Problem type",
          "Classification predicts a class per point; regression predicts a number.",
          ("classification", "regression"), value_label=str.capitalize),
    Param("dataset", "choice", "circle", "Dataset", "Which toy dataset to learn.", tuple(DATASETS),
          value_label=lambda v: DATASETS[v].label),
    Param("n_classes", "int", 3, "Classes", "Number of classes of the multi-class datasets.", lo=2, hi=MAX_CLASSES),
    Param("n_samples", "int", 500, "Points", "Number of points, train and test together.", lo=50, hi=2000, step=50),
    Param("noise", "float", 0.0, "Noise", "How much the points are blurred (0-50 %).", lo=0.0, hi=0.5, step=0.05,
          percent=True),
    Param("train_ratio", "float", 0.5, "Training share",
          "Share of the points used for training; the rest measure generalisation.", lo=0.1, hi=0.9, step=0.1,
          percent=True),
    Param("seed", "int", 0, "Seed", "Seed of the data and the initial weights; Regenerate changes it.",
          lo=0, hi=2**31 - 1),
    # features and network
    Param("features", "multi", ("x1", "x2"), "Features", "Inputs computed from each point (x1, x2).",
          tuple(FEATURES), value_label=feature_label,
          race="x1,x2/x1_sq,x2_sq/x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2", race_rank=5),
    Param("formula", "formula", DEFAULT_FORMULA, "Formula (x1, x2)",
          f"The custom feature, in x1 and x2: numbers, + - * / ** (a number exponent), brackets, "
          f"sin cos tan tanh exp log sqrt abs; at most {MAX_FORMULA_CHARS} characters."),
    Param("hidden", "int_list", (4, 2), "Hidden layers", "Neurons in each hidden layer, e.g. 4,2.",
          lo=1, hi=MAX_NEURONS, race="8/4,4/2,2,2,2", race_rank=4,
          racer=lambda v: f"hidden {'-'.join(map(str, v))}" if v else "no hidden layer"),
    Param("activation", "choice", "tanh", "Activation", "Non-linearity of the hidden neurons.",
          HIDDEN_ACTIVATIONS, value_label=lambda v: ACTIVATIONS[v].label, race="relu/tanh/sigmoid", race_rank=3),
    Param("layer_activations", "layer_list", (), "Layer activations",
          "An activation per hidden layer, e.g. relu,tanh; same (or nothing) follows Activation.",
          (SAME,) + HIDDEN_ACTIVATIONS, value_label=lambda v: SAME if v == SAME else ACTIVATIONS[v].label),
    Param("off", "neurons", (), "Switched-off neurons",
          "Hidden neurons held at output 0 (click one in the picture), as layer.unit: 1.2 is the second "
          "neuron of the first hidden layer.", hideable=False, effect="neurons"),
    Param("init", "choice", "xavier", "Initialisation",
          "How initial weights are drawn: Xavier (tanh, sigmoid), He (ReLU) or uniform in [-1, 1].", INITS,
          value_label=str.capitalize, race="xavier/he/uniform", race_rank=9,
          racer=lambda v: f"{v.capitalize()} init"),
    Param("loss", "choice", "auto", "Loss", "auto: cross-entropy for classes, squared error for regression.",
          LOSS_CHOICES, value_label=lambda v: "Auto" if v == "auto" else LOSSES[v].label),
    # training
    Param("learning_rate", "choice", 0.03, "Learning rate", "Step size of each update.", LEARNING_RATES,
          effect="training", race="1.0/0.1/0.01", race_rank=2, racer=lambda v: f"rate {v:g}"),
    Param("optimizer", "choice", "sgd", "Optimizer", "How gradients become updates.", tuple(OPTIMIZERS),
          value_label=lambda v: OPTIMIZERS[v].label, effect="training", race="sgd/momentum/adam", race_rank=1),
    Param("regularization", "choice", "none", "Regularisation",
          "Penalty on large weights: L1 pushes weights to zero, L2 shrinks them.", REGULARIZATIONS,
          value_label=lambda v: "None" if v == "none" else v.upper(), effect="training", race="none/l1/l2",
          race_rank=6, racer=lambda v: "no regularisation" if v == "none" else v.upper()),
    Param("reg_rate", "choice", 0.0, "Regularisation rate", "Strength of the penalty.", REG_RATES,
          effect="training", race="0.001/0.01/0.1", race_rank=7, racer=lambda v: f"reg. rate {v:g}"),
    Param("batch_size", "int", 10, "Batch size", "Points per update.", lo=1, hi=500, effect="training",
          race="1/10/100", race_rank=8, racer=lambda v: f"batch {v}"),
    Param("full_batch", "bool", False, "Full batch", "Use all training points in every update.",
          effect="training"),
    Param("schedule", "choice", "constant", "Rate schedule",
          "How the learning rate changes over epochs: constant; step (times the decay factor every N epochs); "
          "cosine (down to decay factor x rate over N epochs, then again).", SCHEDULES, effect="training"),
    Param("decay_every", "int", 100, "Decay every (epochs)",
          "N: the step schedule's interval, the cosine schedule's period.", lo=1, hi=10_000, effect="training"),
    Param("decay_factor", "choice", 0.5, "Decay factor",
          "Step: the rate is multiplied by it every N epochs. Cosine: the lowest rate, as a share of the rate.",
          DECAY_FACTORS, effect="training"),
    Param("dropout", "layer_list", (), "Dropout",
          "The share of each hidden layer's neurons dropped at random in every training step (inverted "
          "dropout; losses and pictures use the whole network), e.g. 0.2,0; one rate alone applies to every "
          "hidden layer.", DROPOUT_RATES, value_label=lambda v: "none" if v == 0 else f"{v:.0%}",
          effect="training"),
    Param("clip_norm", "choice", 0.0, "Clip gradient norm",
          "Gradients longer than this are scaled down to it before each update (0: off).", CLIP_NORMS,
          effect="training"),
    Param("stop_below", "choice", 0.0, "Stop below loss",
          "Playing stops when the test loss falls below this (0: off).", STOP_LOSSES, hideable=False,
          effect="display"),
    Param("patience", "int", 0, "Patience (epochs)",
          "Playing stops when the test loss has not improved for this many epochs (0: off).", lo=0, hi=10_000,
          hideable=False, effect="display"),
    Param("epochs", "int", 1000, "Stop at", "Playing stops after this many epochs; Play there raises the limit.",
          lo=1, hi=100_000, effect="display"),
    Param("speed", "choice", 1, "Epochs per frame",
          "Epochs trained between two pictures while playing (TensorFlow Playground trains 1).",
          (1, 2, 5, 10, 20, 50, 100), effect="display"),
    # display
    Param("show_test", "bool", False, "Show test data", "Draw the test points on the output.", effect="display"),
    Param("discretize", "bool", False, "Discretise output", "Show the predicted class instead of a shade.",
          effect="display"),
    Param("present", "bool", False, "Presentation mode",
          "For a projector: the picture alone, full width, larger, in high contrast; keys Space (play or pause), "
          "S (step) and R (reset), ? lists them.", hideable=False, effect="display"),
    # classroom
    Param("lesson", "choice", "none", "Lesson", "A preset with an explanation, for the classroom.",
          ("none",) + tuple(LESSONS), hideable=False),
    Param("challenge", "choice", "none", "Challenge",
          "A graded exercise: a goal, a start setup and conditions checked as training runs.",
          ("none",) + tuple(CHALLENGES), hideable=False),
)


class Tables(NamedTuple):
    """Every parameter by name, and the tables that follow from the declarations, named as this module names
    them."""

    PARAMS: dict
    DEFAULTS: dict
    HIDEABLE: tuple
    RACE_SETTINGS: tuple


def declare(rows):
    """The ``Tables`` of the parameters ``rows`` declare (a ``Param`` each), ``race`` and ``hide`` added last.

    Their allowed values follow from the rows: a race varies a setting that has ``race`` values (the settings
    listed by ``race_rank``), a link hides the ``hideable`` controls and the panels.  Called once, below, for
    ``ROWS``; a parameter declared in one more row reaches every table the same way.
    """
    races = tuple(p.name for p in sorted((p for p in rows if p.race), key=lambda p: p.race_rank))
    hideable = tuple(p.name for p in rows if p.hideable) + tuple(PANELS)
    every = {p.name: p for p in rows}
    every["race"] = Param(
        "race", "race", "", "Race",
        f"Networks that differ in one setting, trained side by side from the same data and initial weights: "
        f"a setting ({', '.join(races)}), a colon and 2-{MAX_RACERS} values separated by "
        f"{RACE_VALUES_SEPARATOR}, e.g. optimizer:sgd/momentum/adam.", hideable=False, effect="display")
    every["hide"] = Param("hide", "multi", (), "Hide these controls in the link",
                          "The URL carries the hidden list: share it for a focused lesson.", hideable,
                          value_label=lambda name: every[name].label if name in every else PANELS[name],
                          hideable=False, effect="display")
    return Tables(every, {name: p.default for name, p in every.items()}, hideable, races)


PARAMS, DEFAULTS, HIDEABLE, RACE_SETTINGS = declare(ROWS)


def output_setup(kind, loss, n_classes):
    """Output activation, number of outputs and loss for a data kind and a loss choice.

    ``kind`` is binary, multiclass or regression; ``loss`` one of LOSS_CHOICES.
    Raises ValueError when the loss does not fit the kind.
    """
    if kind == "regression":
        if loss not in ("auto", "mse"):
            raise ValueError(f"loss {loss!r} does not fit regression; use mse")
        return "linear", 1, "mse"
    if kind == "multiclass" or loss == "cross_entropy":
        if loss not in ("auto", "cross_entropy"):
            raise ValueError(f"loss {loss!r} does not fit {n_classes} classes; use cross_entropy")
        return "softmax", n_classes if kind == "multiclass" else 2, "cross_entropy"
    return "sigmoid", 1, "bce" if loss == "auto" else loss


def dataset_kind(config):
    """binary, multiclass or regression for a configuration's built-in dataset."""
    kind = DATASETS[config["dataset"]].kind
    return "binary" if kind == "multiclass" and config["n_classes"] == 2 else kind


def _check_dataset(config):
    kind = DATASETS[config["dataset"]].kind
    if (kind == "regression") != (config["problem"] == "regression"):
        raise ValueError(f"dataset {config['dataset']!r} does not fit problem {config['problem']!r}")


def _check_loss(config):
    output_setup(dataset_kind(config), config["loss"], config["n_classes"])


def hidden_activations(config):
    """The activation of each hidden layer: its ``layer_activations`` entry, or ``activation`` for same."""
    own = config["layer_activations"] or (SAME,) * len(config["hidden"])
    return tuple(config["activation"] if a == SAME else a for a in own)


def layer_problems(config):
    """What of the per-layer settings does not fit the hidden layers, as {name: message} (empty: all fit)."""
    hidden, problems = config["hidden"], {}
    for name in ("layer_activations", "dropout"):
        if config[name] and len(config[name]) != len(hidden):
            problems[name] = (f"{name} must give one value per hidden layer ({len(hidden)}: hidden is "
                              f"{PARAMS['hidden'].format(hidden) or 'none'}); got {PARAMS[name].format(config[name])}")
    missing = [p for p in config["off"] if not _exists(p, hidden)]
    if missing:
        problems["off"] = (f"off names neurons the hidden layers ({PARAMS['hidden'].format(hidden) or 'none'}) "
                           f"do not have: {PARAMS['off'].format(missing)}")
    return problems


def _exists(neuron, hidden):
    """Whether hidden layers of sizes ``hidden`` have ``neuron`` ((layer, unit), both from 1)."""
    layer, unit = neuron
    return layer <= len(hidden) and unit <= hidden[layer - 1]


def fit_layers(config):
    """``config`` with its per-layer settings fitted to its hidden layers, after ``hidden`` changed:
    layer_activations and dropout cut to their number or padded with same and 0 (a new layer's
    defaults), switched-off neurons that no longer exist dropped."""
    hidden, fitted = config["hidden"], dict(config)
    for name in ("layer_activations", "dropout"):
        if config[name]:
            fitted[name] = PARAMS[name].validate(
                (tuple(config[name]) + (PARAMS[name].choices[0],) * len(hidden))[:len(hidden)])
    fitted["off"] = tuple(p for p in config["off"] if _exists(p, hidden))
    return fitted


def fit(config):
    """``config`` after some settings changed, with the settings that depend on them following: the
    per-layer settings (``fit_layers``), a dataset of the problem type (its first, when the one set is of
    the other type) and a loss that fits the data (auto, when the one set does not)."""
    fitted = fit_layers(config)
    if fitted["dataset"] not in DATASETS:  # a bad value: ``validate`` names it
        return fitted
    for check, name, fallback in ((_check_dataset, "dataset", default_dataset(fitted["problem"])),
                                  (_check_loss, "loss", "auto")):
        try:
            check(fitted)
        except ValueError:
            fitted[name] = fallback
    return fitted


PRESET_KINDS = ("challenge", "lesson")  # a link opens one; a challenge wins (``decode``)


def preset_config(kind, name):
    """The start configuration of lesson or challenge (``kind``) ``name``: the defaults, then its own values
    and hidden controls (a challenge's, see ``challenges.py``).

    Validated, so that it is normalised as a decoded URL is (e.g. ``hide`` in canonical order).
    """
    if kind == "lesson":
        lesson = LESSONS[name]
        return validate({**lesson.config, "lesson": name, "hide": lesson.hide})
    return validate(challenge_start(name))


def start_of(config):
    """Where ``decode`` starts reading a link to ``config``: its challenge's or lesson's setup, or the
    defaults."""
    for kind in PRESET_KINDS:
        if config[kind] != "none":
            return preset_config(kind, config[kind])
    return DEFAULTS


def decode(query, max_warnings=MAX_MESSAGES):
    """A valid configuration from URL query values; returns ``(config, warnings)``.

    ``query`` maps names to strings (or lists of strings: the last wins).
    A valid ``challenge`` (or else a valid ``lesson``) is the starting point instead of the defaults.
    Unknown names are ignored with a warning; a bad value falls back to its
    default (or the lesson's value) with a warning that names the parameter and the allowed values.
    Total: whatever the query holds (any length, any characters, 400-digit numbers), this never
    raises; warnings quote values shortened (``text.shown``) and are at most ``max_warnings``, then one
    that counts the rest (None: all of them, for a caller that adds its own before capping).
    A challenge wins over a lesson in the same query (the lesson is dropped, with a warning): its setup is
    graded, and the lesson's text would describe another.
    """
    config, warnings = dict(DEFAULTS), []
    texts = {}
    for name, raw in query.items():
        if name not in PARAMS:
            warnings.append(f"Unknown URL parameter {shown(name)} was ignored.")
            continue
        texts[name] = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
    lesson = texts.get("lesson")
    lesson = PARAMS["lesson"].parse(lesson) if isinstance(lesson, str) else None  # read as every value is
    challenge = texts.get("challenge")
    challenge = PARAMS["challenge"].parse(challenge) if isinstance(challenge, str) else None
    if challenge in CHALLENGES:
        config = preset_config("challenge", challenge)
        if lesson not in (None, "none"):
            warnings.append(f"A link opens a challenge or a lesson, not both: challenge {challenge} is open, and "
                            f"the lesson {shown(lesson)} was dropped.")
            del texts["lesson"]
    elif lesson in LESSONS:
        config = preset_config("lesson", lesson)
    for name, text in texts.items():
        p = PARAMS[name]
        try:
            if not isinstance(text, str):
                raise ValueError(f"{name} must be text; got {type(text).__name__}")
            value, dropped = p.read(text)
            warnings += dropped
            config[name] = p.validate(value)
        except ValueError as e:
            warnings.append(f"{e}. Using {clipped(p.format(config[name]), SHOWN_CHARS) or 'none'} instead.")
    if "dataset" in texts and "problem" not in texts:  # a link naming only the dataset implies its problem
        config["problem"] = "regression" if DATASETS[config["dataset"]].kind == "regression" else "classification"
    for name, check in (("dataset", _check_dataset), ("loss", _check_loss)):
        try:
            check(config)
        except ValueError as e:
            config[name] = default_dataset(config["problem"]) if name == "dataset" else DEFAULTS[name]
            warnings.append(f"{e}. Using {name} {config[name]}.")
    if len(config["dropout"]) == 1:  # one rate for every hidden layer
        config["dropout"] *= len(config["hidden"])  # a rate repeated: still valid
    for name, problem in layer_problems(config).items():
        kept = fit_layers(config)[name] if name == "off" else ()
        config[name] = kept
        instead = "same for every layer" if name == "layer_activations" else PARAMS[name].format(kept) or "none"
        warnings.append(f"{problem}. Using {instead} instead.")
    return config, warnings if max_warnings is None else capped(warnings, max_warnings)


def decode_link(query):
    """``decode`` for a link's query: one over ``MAX_QUERY_CHARS`` is not read (the defaults, with a warning)."""
    size = sum(len(name) + sum(len(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw]) if isinstance(v, str))
               for name, raw in query.items())
    if size > MAX_QUERY_CHARS:
        return dict(DEFAULTS), [f"This link is {size:,} characters long, over the {MAX_QUERY_CHARS:,} a playground "
                                "link may have: it was not read, and the playground starts from its defaults."]
    return decode(query)


def default_dataset(problem):
    """The first built-in dataset of a problem type."""
    want = "regression" if problem == "regression" else "binary"
    return next(n for n, d in DATASETS.items() if d.kind == want)


def validate(config):
    """``config`` with every value normalised; ValueError on the first bad or inconsistent one."""
    unknown = set(config) - set(PARAMS)
    if unknown:
        raise ValueError(f"unknown parameters {', '.join(sorted(unknown))}; known: {', '.join(PARAMS)}")
    out = dict(DEFAULTS)
    out.update({name: PARAMS[name].validate(v) for name, v in config.items()})
    _check_dataset(out)
    _check_loss(out)
    if out["challenge"] != "none" and out["lesson"] != "none":
        raise ValueError(f"a challenge ({out['challenge']}) and a lesson ({out['lesson']}) cannot be open together")
    for problem in layer_problems(out).values():
        raise ValueError(problem)
    return out


def encode(config):
    """URL query values (all strings) for a configuration."""
    return {name: PARAMS[name].format(config[name]) for name in PARAMS}


def encode_changes(config):
    """The shortest query ``decode`` reads back as ``config``: its challenge or lesson, and the values that
    differ from where ``decode`` starts (that challenge's or lesson's setup, or the defaults) -- a link to
    share, e.g. ``{"dataset": "spiral", "race": "optimizer:sgd/momentum/adam"}``."""
    full, base = encode(config), encode(start_of(config))
    return {name: text for name, text in full.items()
            if text != base[name] or (name in PRESET_KINDS and config[name] != "none")}


def short_query(config):
    """The URL query of the link to share (``encode_changes``), e.g. ``dataset=spiral&hidden=6,4``."""
    return urlencode(encode_changes(config), safe=",:/")
