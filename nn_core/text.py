"""Plain-text helpers for messages that quote what a user typed or uploaded.

A URL value, a CSV cell or a model file's setting can be megabytes long, hold
control characters or be a 400-digit number.  Messages quote it through
``shown`` (at most ``SHOWN_CHARS`` characters, one line) and list problems
through ``capped`` (at most ``MAX_MESSAGES``, then "... and N more"), so a
message stays short whatever the input.  The texts are plain: the UI must show
them as text, never as Markdown or HTML.
"""

from __future__ import annotations

import math

SHOWN_CHARS = 40
MAX_MESSAGES = 5


def shown(value, limit=SHOWN_CHARS):
    """``value`` as a message quotes it: strings in quotes, one line, at most ``limit`` characters.

    >>> shown("x" * 100, 10)
    "'xxxxxxxxx…'"
    >>> shown(10 ** 400)
    'a number of 401 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of {_digits(value)} digits"  # str() of a 5000-digit int raises in Python >= 3.11
    if isinstance(value, (tuple, list)):
        text = ", ".join(shown(v, limit) for v in value[:limit])  # each item takes at least one character
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    text = clipped(text, limit)
    return f"'{text}'" if isinstance(value, str) else text


def clipped(text, limit):
    """``text`` on one line (control characters become spaces), cut to ``limit`` characters with an ellipsis."""
    text = "".join(c if c.isprintable() else " " for c in text[:limit + 1])
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _digits(n):
    """Decimal digits of an integer, without converting it to a string."""
    n = abs(n)
    d = max(1, math.floor((n.bit_length() - 1) * math.log10(2)) + 1)
    return d + (n >= 10 ** d)  # the estimate is exact or one short


def capped(messages, limit=MAX_MESSAGES):
    """The first ``limit`` messages, then one that counts the rest."""
    messages = list(messages)
    if len(messages) <= limit:
        return messages
    return messages[:limit] + [f"... and {len(messages) - limit} more."]
