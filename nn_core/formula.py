"""A custom input feature typed as a formula in x1 and x2, e.g. ``sin(x1)*cos(x2)`` or ``sqrt(x1**2+x2**2)``.

The text is parsed by Python's ``ast`` (which only builds a syntax tree and runs nothing) and every node is
checked against a whitelist; the text is never given to ``eval`` or ``compile``.  Allowed:

* numbers (finite, e.g. ``2``, ``0.5``, ``1e-3``), the variables ``x1`` and ``x2``, parentheses;
* ``+ - * /``, unary ``-`` (and ``+``), and ``**`` with a number exponent in [-MAX_EXPONENT, MAX_EXPONENT]
  (``x1**2``, ``x2**-0.5``; not ``2**x1``, use ``exp``);
* the one-argument functions in ``FUNCTIONS``: sin cos tan tanh exp log sqrt abs.

Bounds: at most ``MAX_CHARS`` characters and ``MAX_NODES`` numbers, variables, operators and functions.
Anything else raises a ValueError in plain language that names the offending part (shortened).

A parsed formula is a *postfix program*: a list of tokens, each a number (push it), ``"x1"``/``"x2"``
(push the variable) or an operator of ``OPERATORS`` (pop its arguments, push the result).  For example
``sin(x1)*cos(x2)`` is ``["x1", "sin", "x2", "cos", "*"]``.  The program is JSON-able, and
``static/live_view/formula.js`` runs the same program in the browser with the same rules.

Evaluation is IEEE arithmetic on float64 arrays with warnings off; then the result is made safe for a
network's input: NaN (``log(-1)``, ``sqrt(-1)``, ``0/0``) becomes 0, and values beyond +-LIMIT
(including +-inf from ``1/0`` or ``exp(1000)``) are clipped to +-LIMIT.
"""

from __future__ import annotations

import ast
import functools
import math
import string
from dataclasses import dataclass

import numpy as np

MAX_CHARS = 100
MAX_NODES = 40
MAX_EXPONENT = 10
LIMIT = 1e6  # |feature value| at most this after evaluation
VARIABLES = ("x1", "x2")
FUNCTIONS = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "exp": np.exp, "log": np.log,
             "sqrt": np.sqrt, "abs": np.abs}
BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}
OPERATORS = {**{name: (1, f) for name, f in FUNCTIONS.items()}, "neg": (1, np.negative),
             **{name: (2, f) for name, f in BINARY.items()}}  # token -> (number of arguments, NumPy function)
_AST_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CHARACTERS = set(string.ascii_letters + string.digits + " .+-*/(),_")
_SHOWN = 24  # characters of an offending part quoted in an error message


@dataclass(frozen=True)
class Formula:
    """A checked formula: the ``text`` as typed (stripped) and its postfix ``program`` (a tuple of tokens)."""

    text: str
    program: tuple

    def evaluate(self, x1, x2):
        """The formula at points ``(x1, x2)`` (arrays of one shape): float64, finite, within +-LIMIT."""
        return evaluate(self.program, x1, x2)

    def to_json(self):
        """The program as a JSON-able list, for ``formula.js``'s ``evalFormula``."""
        return list(self.program)


def _shorten(text):
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


@functools.lru_cache(maxsize=256)
def parse(text):
    """The ``Formula`` of ``text``; ValueError, in plain language, if it is not an allowed formula."""
    if not isinstance(text, str):
        raise ValueError(f"a formula must be text; got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ValueError("the formula is empty; type an expression in x1 and x2, e.g. x1*x2")
    if len(text) > MAX_CHARS:
        raise ValueError(f"the formula is too long ({len(text)} characters; at most {MAX_CHARS})")
    if "^" in text:
        raise ValueError("^ is not allowed: write powers with **, e.g. x1**2")
    bad = sorted(set(text) - _CHARACTERS)
    if bad:
        raise ValueError(f"the character {_shorten(repr(bad[0]))} is not allowed in a formula")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"{_shorten(text)!r} is not a formula (check the brackets and operators)") from None
    program = []
    _emit(tree.body, text, program)
    return Formula(text, tuple(program))


def _emit(node, text, program):
    """Append the postfix program of ``node`` to ``program``, checking each node against the whitelist."""
    def part():
        return _shorten(ast.get_source_segment(text, node) or type(node).__name__)

    if isinstance(node, ast.Constant):
        number = _number(node)
        if number is None:
            too_big = isinstance(node.value, float) and not math.isfinite(node.value)
            raise ValueError(f"{part()!r} is " + ("too large a number" if too_big else
                                                  "not allowed: only numbers, x1 and x2"))
        program.append(number)
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES:
            hint = f" ({node.id} is a function: write {node.id}(...))" if node.id in FUNCTIONS else ""
            raise ValueError(f"unknown name {part()!r}: the variables are x1 and x2{hint}")
        program.append(node.id)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _emit(node.operand, text, program)
        if isinstance(node.op, ast.USub):
            program.append("neg")
    elif isinstance(node, ast.BinOp) and type(node.op) in _AST_BINARY:
        if isinstance(node.op, ast.Pow):
            exponent = _signed_number(node.right)
            if exponent is None or abs(exponent) > MAX_EXPONENT:
                raise ValueError(f"in {part()!r} the exponent must be a number between {-MAX_EXPONENT} and "
                                 f"{MAX_EXPONENT} (e.g. x1**2); for powers of e use exp(...)")
        _emit(node.left, text, program)
        _emit(node.right, text, program)
        program.append(_AST_BINARY[type(node.op)])
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ValueError(f"{part()!r} is not allowed: the functions are {', '.join(FUNCTIONS)}")
        if len(node.args) != 1 or node.keywords:
            raise ValueError(f"{part()!r}: {name} takes exactly one argument")
        _emit(node.args[0], text, program)
        program.append(name)
    else:
        raise ValueError(f"{part()!r} is not allowed: use numbers, x1, x2, + - * / **, brackets and "
                         f"{', '.join(FUNCTIONS)}")
    if len(program) > MAX_NODES:
        raise ValueError(f"the formula is too big (more than {MAX_NODES} numbers, variables and operations)")


def _number(node):
    """The float value of a number literal, or None (booleans, complex numbers, text, inf are not numbers)."""
    v = node.value
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _signed_number(node):
    """The value of a number literal, possibly negated, or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _signed_number(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    return _number(node) if isinstance(node, ast.Constant) else None


def evaluate(program, x1, x2):
    """Run a postfix ``program`` (see the module docstring) at points ``(x1, x2)``.

    Returns a float64 array of their shape: NaN becomes 0, the rest is clipped to [-LIMIT, LIMIT].
    """
    x1, x2 = np.asarray(x1, dtype=np.float64), np.asarray(x2, dtype=np.float64)
    variables = {"x1": x1, "x2": x2}
    stack = []
    with np.errstate(all="ignore"):
        for token in program:
            if not isinstance(token, str):  # a number
                stack.append(float(token))
            elif token in variables:
                stack.append(variables[token])
            else:
                n_args, f = OPERATORS[token]
                args = stack[-n_args:]
                del stack[-n_args:]
                stack.append(f(*args))
        (result,) = stack
        out = np.broadcast_to(np.asarray(result, dtype=np.float64), np.broadcast(x1, x2).shape)
        return np.clip(np.nan_to_num(out, nan=0.0, posinf=LIMIT, neginf=-LIMIT), -LIMIT, LIMIT)
