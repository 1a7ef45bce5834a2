"""How many sessions one server process takes: beyond ``max_sessions()`` a new visitor gets a plain page.

Every session costs memory (a few MB for the largest network a link can ask
for, see ``nn_core/trainer.py``) and a share of the training turns, so one
process (one core) lets in at most ``NNPG_MAX_SESSIONS`` sessions at a time
(default ``DEFAULT_MAX_SESSIONS``).  A session let in stays in; a refused one
gets "This server is full, try again in a minute" and nothing else is built for
it (no data, no network), and it does not count: refused tabs left open cannot
keep the server full.

The process keeps the ids of the sessions let in, pruned at each count to those
Streamlit's session manager lists as connected; a session counts itself again
at each of its full runs (after a reconnect, say).
"""

from __future__ import annotations

import os
import threading

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import state
from .state import K

DEFAULT_MAX_SESSIONS = 100  # per process (one core): 100 default students play at 60 pictures a second
FULL_TEXT = "This server is full, try again in a minute."
_LET_IN: set[str] = set()  # ids of the sessions let in (this process's, shared by its script threads)
_LOCK = threading.Lock()


def max_sessions():
    """The cap on sessions let in per process: ``NNPG_MAX_SESSIONS`` if it is a whole number >= 1, else the
    default."""
    text = os.environ.get("NNPG_MAX_SESSIONS", "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) >= 1 else DEFAULT_MAX_SESSIONS


def session_manager():
    """Streamlit's session manager of this process, or None (no server running, as under AppTest)."""
    return getattr(runtime.get_instance(), "_session_mgr", None) if runtime.exists() else None


def let_in(session_id, again=False):
    """Count ``session_id`` among the sessions let in if fewer than ``max_sessions()`` others are connected
    (``again``: it was let in before, count it whatever the number); returns whether it counts.  Always True
    without a server."""
    manager = session_manager()
    if manager is None:
        return True
    with _LOCK:
        _LET_IN.intersection_update(info.session.id for info in manager.list_active_sessions())
        if not again and len(_LET_IN - {session_id}) >= max_sessions():
            return False
        _LET_IN.add(session_id)
        return True


def admit():
    """Whether this session may use the playground: it was let in before, or there is room now (then it is
    let in for good)."""
    ctx = get_script_run_ctx()
    if ctx is not None and not let_in(ctx.session_id, again=bool(st.session_state.get(K.ADMITTED))):
        return False
    state.note_admitted()
    return True


def full_page():
    """The page a refused visitor sees: one sentence, nothing else."""
    st.markdown(f"### {FULL_TEXT}")
    st.caption("So many people are using the Neural Network Playground right now that it has no room for "
               "one more. Reload this page in a minute.")
