"""Give a closed tab's memory back to the system within about a minute.

Three things keep it otherwise (measured with Streamlit 1.67 on Linux, see tests/test_session_memory.py):

1. Streamlit stores a closed tab's session for ``server.disconnectedSessionTTL`` seconds so that a
   brief disconnection resumes it (``.streamlit/config.toml`` sets 30; the default is 120), and drops
   it at the next disconnect after that.
2. What a session held (its experiment: data, network, trainer buffers) hangs off reference
   cycles among Streamlit's own objects, which only Python's cycle collector frees; a full
   collection runs when enough objects have been allocated, so in a quiet server hardly ever.
3. glibc keeps the freed heap pages of NumPy arrays in its arenas (one per script thread)
   unless asked to trim them.

So one daemon thread per server process runs a full collection and ``malloc_trim`` every
``SWEEP_SECONDS``.  A full collection holds the GIL: measured 26-29 ms with the app's modules loaded and five
heavy experiments (117,000 objects, one process on this 2-core machine), i.e. under 0.3 % of a core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time

import streamlit as st

SWEEP_SECONDS = 10


@st.cache_resource(show_spinner=False)
def start_memory_sweeper():
    """Start the process's sweeping thread (once per process: a cached resource)."""
    thread = threading.Thread(target=_sweep_forever, name="memory-sweeper", daemon=True)
    thread.start()
    return thread


def _sweep_forever():
    trim = _malloc_trim()
    while True:
        time.sleep(SWEEP_SECONDS)
        gc.collect()
        if trim is not None:
            trim(0)


def _malloc_trim():
    """glibc's ``malloc_trim`` (returns free heap pages to the system), or None on other C libraries."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
