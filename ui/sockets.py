"""Let the server's replies leave at once: Nagle's algorithm off (TCP_NODELAY) on this process's TCP sockets.

Streamlit 1.67 binds its listening socket itself (``socket.socket(family)``, protocol 0), and asyncio turns
Nagle's algorithm off only on connections whose protocol is ``IPPROTO_TCP``, so on every kept-alive
connection a reply, written as its headers and then its body, waited for the browser's delayed
acknowledgement of the headers (40 ms on Linux) before the body left.  A page load asks for about 110 of
Streamlit's scripts over the browser's six connections: 0.8 s of the first picture went to those waits
(bench/README.md).  A listening socket hands TCP_NODELAY on to the connections it accepts (Linux and the
BSDs), so setting it once on the listener, and on the connections already open, is enough.
"""

from __future__ import annotations

import contextlib
import os
import socket

import streamlit as st

FDS = "/dev/fd"  # this process's open files (Linux and macOS; absent on Windows, where nothing is done)


@st.cache_resource(show_spinner=False)
def send_without_delay():
    """Set TCP_NODELAY on every TCP socket of this process (once per process: a cached resource); returns how
    many it set it on."""
    with contextlib.suppress(OSError):
        return sum(_no_delay(int(fd)) for fd in os.listdir(FDS))
    return 0


def _no_delay(fd):
    """True once TCP_NODELAY is set on ``fd``'s socket; False if ``fd`` is no TCP socket (or already closed).

    The socket object wraps ``fd`` itself and lets go of it (``detach``) without closing it: no duplicate is
    made, so none can be left open (``socket.fromfd`` duplicates first and kept the duplicate of every
    non-socket descriptor; with those, closed tabs' sessions were sometimes never closed: bench/README.md)."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:  # not a socket, or closed meanwhile
        return False
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) != socket.IPPROTO_TCP:
            return False
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True
    except OSError:
        return False
    finally:
        sock.detach()
