"""Server processes on free loopback ports, started and waited for until they answer (shared by tests and bench/).

``serving`` is the one way a test or a benchmark starts a process it talks to over HTTP: the app
(``streamlit_server``), nginx (``tests/proxy.py``), a static file server (``bench/ui.py``).  Plain Python, no
pytest: bench/ imports it too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANY_ANSWER = range(100, 600)  # every HTTP status: the server answers, whatever it says


def free_port():
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout=10.0, every=0.05):
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def status_of(url):
    """The HTTP status a GET of ``url`` answers with, None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except OSError:
        return None


@contextlib.contextmanager
def serving(command, probe, ready=(200,), timeout=60.0, log=None, **popen):
    """Run ``command`` while the block runs, once the URL ``probe`` answers with a status in ``ready``; yields
    the process, and stops it on leaving (terminate, then kill after 10 s).

    ``popen`` are keywords of ``subprocess.Popen`` (cwd, env).  The process's output goes to a temporary file
    (a pipe nobody reads could fill and stall it); when the process exits before answering, or does not answer
    within ``timeout`` seconds, RuntimeError shows that output and the text of the file ``log``, if given.
    """
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
        try:
            answered = wait_for(lambda: proc.poll() is not None or status_of(probe) in ready, timeout, every=0.1)
            if not answered or proc.poll() is not None:
                output.seek(0)
                said = output.read().decode(errors="replace") + (log.read_text() if log and log.exists() else "")
                raise RuntimeError(f"{' '.join(map(str, command))} did not answer at {probe}\n{said}")
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def streamlit_server(timeout=60):
    """Run ``streamlit run app.py`` on a free port; yields ``(url, process)`` once its health URL answers."""
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", url.rsplit(":", 1)[1],
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    with serving(command, f"{url}/_stcore/health", timeout=timeout, cwd=ROOT,
                 env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        yield url, proc
