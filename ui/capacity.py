"""How many sessions one server process takes: beyond ``max_sessions()`` a new visitor gets a plain page.

Every session costs memory (a few MB for the largest network a link can ask
for, see ``nn_core/trainer.py``) and a share of the training turns, so one
process (one core) admits at most ``NNPG_MAX_SESSIONS`` open sessions (default
``DEFAULT_MAX_SESSIONS``), counted by Streamlit's session manager.  A session
admitted once stays admitted; a refused one gets "This server is full, try
again in a minute" and nothing else is built for it (no data, no network).
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit import runtime

DEFAULT_MAX_SESSIONS = 100  # per process (one core): 100 default students play at 60 pictures a second
ADMITTED = "capacity_admitted"  # session key: this session was let in
FULL_TEXT = "This server is full, try again in a minute."


def max_sessions():
    """The cap on open sessions per process: ``NNPG_MAX_SESSIONS`` if it is a whole number >= 1, else the
    default."""
    text = os.environ.get("NNPG_MAX_SESSIONS", "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) >= 1 else DEFAULT_MAX_SESSIONS


def session_manager():
    """Streamlit's session manager of this process, or None (no server running, as under AppTest)."""
    return getattr(runtime.get_instance(), "_session_mgr", None) if runtime.exists() else None


def open_sessions():
    """Sessions connected to this process now (this one included); 0 without a server."""
    manager = session_manager()
    return manager.num_active_sessions() if manager is not None else 0


def admit():
    """Whether this session may use the playground: it was let in before, or there is room now (then it is
    let in for good)."""
    ss = st.session_state
    if ss.get(ADMITTED):
        return True
    if open_sessions() > max_sessions():
        return False
    ss[ADMITTED] = True
    return True


def full_page():
    """The page a refused visitor sees: one sentence, nothing else."""
    st.markdown(f"### {FULL_TEXT}")
    st.caption("So many people are using the Neural Network Playground right now that it has no room for "
               "one more. Reload this page in a minute.")
