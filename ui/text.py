"""User-supplied text (URL values, file names, file contents) shown as plain text, never as Markdown.

Streamlit renders the text of ``st.warning``, ``st.info``, ``st.caption`` and the like as Markdown, with
LaTeX (``$...$``), colour directives (``:red[...]``), icons and emoji shortcodes: a link such as
``?dataset=[log in](https://evil.example)`` would become a clickable link inside the app's own warning.
``plain`` escapes every ASCII punctuation character (CommonMark lets a backslash escape any of them), so
each shows as itself, and folds line breaks, so text cannot open a block of its own.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def plain(text):
    """``text`` escaped so that Markdown shows it literally, on one line."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
