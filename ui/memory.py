"""Give a closed tab's memory back to the system within about a minute.

Three things keep it otherwise (Streamlit 1.67 on Linux; tests/test_session_memory.py checks the remedy):

1. Streamlit stores a closed tab's session for ``server.disconnectedSessionTTL`` seconds so that a
   brief disconnection resumes it (``.streamlit/config.toml`` sets 30; the default is 120), and drops
   it only at the next disconnect after that (and then without shutting it down).
2. What a session held (its experiment: data, network, trainer buffers) hangs off reference
   cycles among Streamlit's own objects, which only Python's cycle collector frees; a full
   collection runs when enough objects have been allocated, so in a quiet server hardly ever.
3. glibc keeps the freed heap pages of NumPy arrays in its arenas (one per script thread)
   unless asked to trim them.

So one daemon thread per server process, every ``SWEEP_SECONDS``, asks Streamlit's session manager to
close the sessions a sweep has seen stored for a reconnect for ``RECONNECT_SECONDS`` (on the server's
event loop, where the manager expects to be called), then runs a full collection and ``malloc_trim``: a
closed tab's memory is back 10-20 s after it closed, whether or not anyone else leaves.

A full collection holds the GIL while it runs; once every ``SWEEP_SECONDS`` that is a small share of a
core (bench/README.md records what one took).  What survives a sweep (the modules, the live sessions) is
frozen (``gc.freeze``) until the next one unfreezes it, so Python's own automatic collections in between
look only at newer objects: otherwise a playing server also ran automatic full collections, each a pause
for every session.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import threading
import time

import streamlit as st
from streamlit import runtime

from .capacity import session_manager

SWEEP_SECONDS = 10
# A closed tab's session stays this long (at least) for a reconnect.  Shorter than disconnectedSessionTTL
# (30), so that the sweeper closes it before Streamlit's storage lets it expire without a shutdown.
RECONNECT_SECONDS = 10
_LOG = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def start_memory_sweeper():
    """Start the process's sweeping thread (once per process: a cached resource)."""
    thread = threading.Thread(target=_sweep_forever, name="memory-sweeper", daemon=True)
    thread.start()
    return thread


def _sweep_forever():
    trim = _malloc_trim()
    stored_since = {}  # id of a session stored for a reconnect -> when a sweep first saw it stored
    while True:
        time.sleep(SWEEP_SECONDS)
        manager = session_manager()
        if manager is not None:
            try:
                loop = runtime.get_instance()._get_async_objs().eventloop
                asyncio.run_coroutine_threadsafe(_close_stored(manager, stored_since), loop).result(SWEEP_SECONDS)
            except Exception:  # noqa: BLE001  (a Streamlit without these internals: memory is still swept)
                _LOG.exception("closing disconnected sessions failed")
        gc.unfreeze()
        gc.collect()
        gc.freeze()  # what survived is old: the automatic collections until the next sweep leave it alone
        if trim is not None:
            trim(0)


async def _close_stored(manager, stored_since):
    """Close the sessions stored for a reconnect (disconnected) that sweeps have seen stored for at least
    ``RECONNECT_SECONDS``."""
    now = time.monotonic()
    active = {info.session.id for info in manager.list_active_sessions()}
    stored = {info.session.id for info in manager.list_sessions()} - active
    for session_id in set(stored_since) - stored:  # reconnected, or dropped by Streamlit
        del stored_since[session_id]
    for session_id in stored:
        if now - stored_since.setdefault(session_id, now) >= RECONNECT_SECONDS:
            manager.close_session(session_id)
            del stored_since[session_id]


def _malloc_trim():
    """glibc's ``malloc_trim`` (returns free heap pages to the system), or None on other C libraries."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
