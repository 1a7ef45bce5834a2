"""A throwaway PostgreSQL server for the class store's tests: Debian's ``postgresql`` binaries, a cluster in a
temporary folder, on a free loopback port, gone when it stops.

``throwaway_cluster()`` is a context manager giving the server's URL.  As root (CI), the cluster belongs to the
``postgres`` user (PostgreSQL refuses to run as root), through ``runuser``.  A developer can start one by hand:

    python -m tests.postgres          # prints NNPG_TEST_DATABASE_URL=...; Ctrl-C stops it and deletes it

and point the tests at it (or at any PostgreSQL they may wipe) with ``NNPG_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port

USER = "nnpg"  # the cluster's superuser; local connections are trusted (the server listens on loopback only)


def binaries():
    """The folder of ``initdb`` and ``pg_ctl`` (on PATH, or Debian's ``/usr/lib/postgresql/<version>/bin``),
    or None when PostgreSQL's server is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _as_owner(command):
    """``command`` run as the cluster's owner: ``postgres`` when we are root, else ourselves."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def throwaway_cluster():
    """Start a fresh cluster on a free port; yields its URL (``postgresql://nnpg@127.0.0.1:PORT/postgres``)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="nnpg-pg-"))
    data, port = folder / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    quiet = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                                  "-E", "UTF8", "--no-sync"]), **quiet)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                  str(folder / "log"), "-w", "start"]), **quiet)
        try:
            yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                      "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    with throwaway_cluster() as url:
        print(f"NNPG_TEST_DATABASE_URL={url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
