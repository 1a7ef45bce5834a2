"""Long-run benchmark: 20,000 epochs of play keep a session's memory flat.

Replays what the server does for one playing session, without the browser:
a batch holds ``SNAPSHOTS`` float32 snapshots of the network, one every
``speed`` epochs, encoded as the live view's batch (``playground.batch``);
every tenth batch also carries the points and the loss history, as a batch
after a jump does.
Every 2,000 epochs it prints the process's resident memory (RSS, from
/proc), the Python heap traced by ``tracemalloc`` and the sizes of the
trainer's history and snapshots, which are capped (older entries thinned).
Run it with ``python bench/long_run.py`` (options ``--epochs``, ``--speed``,
``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground import batch  # noqa: E402
from playground.experiment import Experiment  # noqa: E402
from ui import live  # noqa: E402
from ui.state import GRID_RES  # noqa: E402


def rss_mb():
    """Resident memory of this process, in MB."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


SNAPSHOTS = round(live.DEFAULT_FPS * live.LEAD_SECONDS)  # a batch at the browser's full frame rate


def tick(exp, speed, curves):
    """One batch of the live view while playing, as ``ui.live`` makes it: a snapshot every ``speed`` epochs."""
    tr = exp.trainer
    taken = []
    for _ in range(SNAPSHOTS if speed else 1):
        tr.run(speed)
        taken.append(batch.frame([tr]))
    return batch.encode_frames({}, taken, batch.points_of(exp) if curves else None,
                               tr.loss_curve(batch.CURVE_POINTS) if curves else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20_000)
    ap.add_argument("--speed", type=int, default=100, help="epochs per tick (the app's largest)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    exp = Experiment({"epochs": args.epochs}, grid_res=GRID_RES)
    tick(exp, 0, True)  # warm up: buffers, fonts, imports
    tracemalloc.start()
    rows, t0, n = [], time.perf_counter(), 0
    while exp.trainer.epoch < args.epochs:
        tick(exp, args.speed, n % 10 == 0)
        n += 1
        if exp.trainer.epoch >= 2000 * (len(rows) + 1):
            tr = exp.trainer
            rows.append({"epoch": tr.epoch, "rss_mb": round(rss_mb(), 1),
                         "heap_mb": round(tracemalloc.get_traced_memory()[0] / 1e6, 2),
                         "history_rows": len(tr.history), "snapshots": len(tr.snapshot_epochs),
                         "seconds": round(time.perf_counter() - t0, 1)})
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    if args.json:
        print(json.dumps({"rows": rows, "heap_peak_mb": round(peak, 2)}, indent=1))
        return
    print(f"{'epoch':>7s} {'RSS MB':>8s} {'heap MB':>8s} {'history':>8s} {'snapshots':>10s} {'s':>6s}")
    for r in rows:
        print(f"{r['epoch']:7d} {r['rss_mb']:8.1f} {r['heap_mb']:8.2f} {r['history_rows']:8d} {r['snapshots']:10d} "
              f"{r['seconds']:6.1f}")
    print(f"heap peak {peak:.2f} MB; RSS growth from epoch {rows[0]['epoch']} to {rows[-1]['epoch']}: "
          f"{rows[-1]['rss_mb'] - rows[0]['rss_mb']:+.1f} MB")


if __name__ == "__main__":
    main()
