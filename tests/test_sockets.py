"""The server's replies leave at once: no reply waits for the browser's delayed acknowledgement (ui/sockets.py)."""

import os
import socket

from ui import sockets


def nodelay(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_every_connection_of_a_listener_bound_as_streamlit_binds_it_sends_without_delay():
    listener = socket.socket(socket.AF_INET)  # as Streamlit 1.67 binds it: protocol 0, which asyncio leaves alone
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    early_client = socket.create_connection(listener.getsockname())
    early, _ = listener.accept()
    local_a, local_b = socket.socketpair()  # not TCP: left as it is, and open
    with listener, early_client, early, local_a, local_b:
        assert nodelay(early) == 0  # what Streamlit's connections had: Nagle's algorithm on
        open_files = len(os.listdir(sockets.FDS))
        sockets.send_without_delay.clear()
        assert sockets.send_without_delay() >= 3  # the listener and both ends of the open connection
        assert len(os.listdir(sockets.FDS)) == open_files  # nothing left open behind (duplicates kept open went
        # with closed tabs' sessions that were never closed, their memory kept: tests/test_session_memory.py)
        late_client = socket.create_connection(listener.getsockname())
        late, _ = listener.accept()
        with late_client, late:
            assert nodelay(early) == 1 and nodelay(late) == 1
            local_a.sendall(b"still open")
            assert local_b.recv(16) == b"still open"
