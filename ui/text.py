"""User-supplied text (URL values, file names, file contents) shown as plain text, never as Markdown.

Streamlit renders the text of ``st.warning``, ``st.info``, ``st.caption`` and the like as Markdown, with
LaTeX (``$...$``), colour directives (``:red[...]``), icons and emoji shortcodes: a link such as
``?dataset=[log in](https://evil.example)`` would become a clickable link inside the app's own warning.
``plain`` escapes every ASCII punctuation character (CommonMark lets a backslash escape any of them), so
each shows as itself, and folds line breaks, so text cannot open a block of its own.  Escapes do not stop
GitHub-style autolinks (a bare ``https://...``, ``www.``, or an e-mail address becomes a link), so a word
joiner (U+2060, invisible) goes after ``:`` of ``://``, after ``www`` and before ``@``.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=www)(?=\.))|(?=@)")
WORD_JOINER = "\u2060"


def plain(text):
    """``text`` escaped so that Markdown shows it literally, on one line, with no link."""
    text = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).split()))
    return _PUNCTUATION.sub(r"\\\1", text)

