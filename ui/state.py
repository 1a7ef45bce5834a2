"""Session state: one configuration (mirrored in the URL) and the experiment built from it.

Everything a session owns lives in ``st.session_state``; there is no module
level mutable state, so sessions never see each other.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nn_core import params
from nn_core.experiment import Experiment

GRID_RES = 96  # output picture resolution; neuron thumbnails take every 4th point


def init_session():
    """Set up a new session from the URL (bad values fall back with a warning)."""
    ss = st.session_state
    if "config" in ss:
        return
    config, warnings = params.decode(st.query_params.to_dict())
    ss.config = config
    ss.notices = [("warning", w) for w in warnings]
    ss.user_data = None
    ss.playing = False
    ss.exp = Experiment(config, grid_res=GRID_RES)
    load_widgets(config)
    st.query_params.from_dict(params.encode(config))


def load_widgets(config):
    """Put a configuration's values into the widgets' session-state keys."""
    ss = st.session_state
    for name, value in config.items():
        if name == "hidden":
            for i, n in enumerate(value):
                ss[f"neurons_{i}"] = n
        else:
            ss[name] = list(value) if params.PARAMS[name].kind == "multi" else value


def restore_widget(name):
    """Give parameter ``name``'s widget the configuration's value if its state was dropped.

    Streamlit forgets a widget's state when a run does not draw it (a closed
    panel, a hidden control); drawn again, it would start from its default.
    """
    if name not in st.session_state:
        load_widgets({name: st.session_state.config[name]})


def apply_config(config, fresh=False):
    """Make ``config`` the session's configuration: URL, and the experiment.

    Training and display settings change the running experiment in place;
    anything else (data, features, network), or ``fresh``, builds a new one.
    """
    ss = st.session_state
    if config == ss.config and not fresh:
        return
    ss.config = config
    st.query_params.from_dict(params.encode(config))
    if fresh or not ss.exp.update(config):
        rebuild()


def rebuild():
    """A fresh experiment (new data and initial weights) from the current configuration."""
    ss = st.session_state
    ss.exp = Experiment(ss.config, data=ss.user_data, grid_res=GRID_RES)


def add_points(X_new):
    """Add points ``X_new`` (m, 2) of the class picked in *Your data* (``draw_class``) to the user's data.

    The first points start from the points on screen (none for regression); once there are 4 points of
    2 classes, a fresh experiment trains on them.
    """
    ss = st.session_state
    if ss.user_data is not None:
        X, y = ss.user_data
    elif ss.exp.kind == "regression":
        X, y = np.empty((0, 2)), np.empty(0, np.int64)
    else:
        X, y = ss.exp.X, ss.exp.y
    X_new = np.clip(np.asarray(X_new, dtype=np.float64), -6, 6)
    X = np.vstack([X, X_new])
    y = np.concatenate([y, np.full(len(X_new), ss.get("draw_class") or 0, np.int64)])
    ss.user_data = (X, y)
    if len(X) >= 4 and len(np.unique(y)) >= 2:
        ss.playing = False
        rebuild()


def notify(kind, text):
    """Queue a message (``warning``, ``error``, ``info`` or ``success``) for the next run."""
    st.session_state.notices.append((kind, text))
