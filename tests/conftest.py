"""Shared helpers of the AppTest suites: start the app, read what it shows, open a panel."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(**query):
    """The app after its first run on the URL query ``query``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def config(at):
    return at.session_state["config"]


def shown(markdown):
    """What a reader sees of Markdown source that escapes its punctuation (``ui.text.plain``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def notices(at, kind):
    """The text of every ``kind`` element (warning, error, info, success) as the reader sees it."""
    return " ".join(shown(e.value) for e in getattr(at, kind))


def trained(epochs=3, **query):
    """The app after ``epochs`` presses of Step."""
    at = run_app(**query)
    for _ in range(epochs):
        at.button(key="step").click().run()
    assert metric(at, "Epoch") == str(epochs)
    return at


def open_panel(at, name):
    at.segmented_control(key="panel").set_value(name).run()
    assert not at.exception
    return at
