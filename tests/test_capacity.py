"""What a session may cost and how many a process takes (issue 17, section 2): the memory of the heaviest
links a URL can ask for, measured as the sizes of what the session holds; the cap on open sessions and its
full page; closed sessions closed by the sweeper; websocket message limits that fit the app's own messages."""

import asyncio
import contextlib
import gc
import json
import os
import re
import sys
import types

import numpy as np
import pytest

from bench.load import Session, trigger_state
from nn_core.datasets import CSV_MAX_ROWS
from nn_core.network import Network
from playground import pins
from playground.batch import CURVE_POINTS, size
from playground.params import MAX_LAYERS, MAX_RACERS
from tests.conftest import run_app
from tests.servers import ROOT, streamlit_server
from ui import capacity, live, memory, state
from ui.state import K

BUDGET_MB = 10.0  # a session of the heaviest link, its records grown to their caps
HEAVY = {"hidden": ",".join(["16"] * MAX_LAYERS), "features": "x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2,custom",
         "n_samples": "2000", "train_ratio": "0.9", "speed": "100", "optimizer": "adam"}
HEAVY_LINKS = {
    "race of 4 rates, 6 classes, dropout": {"race": "learning_rate:0.3/0.1/0.03/0.01", "dataset": "blobs",
                                            "n_classes": "6", "dropout": "0.5"},
    "race of 4 batch sizes": {"race": "batch_size:1/10/100/500"},
    "race of 4 layer sizes": {"race": "hidden:" + "/".join(",".join(["16"] * 7 + [str(k)]) for k in (16, 15, 14, 13))},
    "one network, full batch": {"full_batch": "true"},
}
SKIPPED = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, np.ufunc)


def held_bytes(roots):
    """Bytes of everything reachable from ``roots``: each array's own buffer once (a view counts its base),
    every other object by ``sys.getsizeof``; modules, classes, functions and ufuncs are shared, not held."""
    seen, stack, total = set(), list(roots), 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, SKIPPED):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            if obj.base is None:
                total += obj.nbytes
            else:
                stack.append(obj.base)
            continue
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def session_values(at):
    """What a session holds in its state (the keys ``ui.state.K`` declares)."""
    return [at.session_state[key] for name, key in vars(K).items() if name.isupper() and key in at.session_state]


@pytest.mark.parametrize("extra", HEAVY_LINKS.values(), ids=HEAVY_LINKS.keys())
def test_the_heaviest_links_stay_within_the_session_budget(extra):
    at = run_app(**HEAVY, **extra)
    assert not at.exception
    runner = at.session_state[K.RACING] or at.session_state[K.EXP].trainer
    trainers = live.trainers_of(runner)
    for _ in range(2):  # every workspace a training epoch and its evaluation use
        runner.train_epoch()
    now = held_bytes(session_values(at))
    # a long run adds history rows and snapshots up to each trainer's caps, each the size of its latest
    records = [tr.records for tr in trainers]
    grows = sum((r.max_history + 1 - len(r.rows)) * held_bytes([r.rows[-1]])
                + (r.max_snapshots + 1 - len(r.snapshots)) * held_bytes([r.snapshots[-1]]) for r in records)
    print(f"{extra}: {now / 1e6:.2f} MB now, {(now + grows) / 1e6:.2f} MB at the caps")
    assert (now + grows) / 1e6 <= BUDGET_MB


def test_a_race_shares_one_networks_budget_and_its_workspaces():
    at = run_app(**HEAVY, race="learning_rate:0.3/0.1/0.03/0.01")
    race, single = at.session_state[K.RACING], at.session_state[K.EXP].trainer
    assert len({id(tr._workspaces) for tr in race.trainers}) == 1
    alone, racers = single.records, [tr.records for tr in race.trainers]
    assert all(r.max_history <= alone.max_history // MAX_RACERS + 1 for r in racers)
    assert all(r.max_snapshots <= max(alone.max_snapshots // MAX_RACERS + 1, 2) for r in racers)


def test_a_session_keeps_no_picture_buffers_of_a_large_network():
    heavy, default = (run_app(**query).session_state[K.EXP] for query in (HEAVY, {}))
    for exp in (heavy, default):
        exp.grid.activations(exp.net)
    assert held_bytes([heavy.grid]) < 0.5e6  # the lattice's features, not its buffers (bench/README.md)
    assert default.grid._ws is not None  # a small network's are kept for the next picture


def test_a_large_batch_trains_in_chunks_as_in_one_pass():
    at = run_app(**HEAVY, full_batch="true")
    tr = at.session_state[K.EXP].trainer
    x, Y = tr._train.x_aug, tr._train.Y
    assert tr._chunk < tr._train.n  # so the trainer's pass is chunked
    tr._chunked_gradient(x, Y, tr._grad)
    net, loss = tr.net, tr._loss
    whole = net.workspace(tr._train.n)
    net.forward_into(whole, x)
    expected = np.empty_like(tr._grad)
    net.backward_into(whole, x, Y, loss, net.layer_views(expected))
    np.testing.assert_allclose(tr._grad, expected, rtol=1e-10, atol=1e-14)


def test_the_cap_reads_nnpg_max_sessions(monkeypatch):
    cases = (("7", 7), (" 250 ", 250), ("0", None), ("-3", None), ("many", None), ("²", None), ("", None))
    for text, expected in cases:
        monkeypatch.setenv("NNPG_MAX_SESSIONS", text)
        assert capacity.max_sessions() == (expected or capacity.DEFAULT_MAX_SESSIONS)


def full(session_id, again=False):
    """``capacity.let_in`` of a server whose sessions let in are as many as the cap."""
    return again


def test_a_full_server_shows_its_page_and_builds_nothing(monkeypatch):
    monkeypatch.setattr(capacity, "let_in", full)
    at = run_app(**HEAVY)
    assert not at.exception
    assert any(capacity.FULL_TEXT in m.value for m in at.markdown)
    assert not at.button and K.CONFIG not in at.session_state and K.EXP not in at.session_state


def test_an_admitted_session_stays_admitted_when_the_server_fills(monkeypatch):
    at = run_app()
    monkeypatch.setattr(capacity, "let_in", full)
    at.button(key="step").click().run()
    assert not at.exception and state.K.EXP in at.session_state
    assert not any(capacity.FULL_TEXT in m.value for m in at.markdown)


@contextlib.contextmanager
def capped_server(max_sessions):
    """A server process started with ``NNPG_MAX_SESSIONS``; yields its port."""
    before = os.environ.get("NNPG_MAX_SESSIONS")
    os.environ["NNPG_MAX_SESSIONS"] = str(max_sessions)
    try:
        with streamlit_server() as (url, _):
            yield int(url.rsplit(":", 1)[1])
    finally:
        if before is None:
            del os.environ["NNPG_MAX_SESSIONS"]
        else:
            os.environ["NNPG_MAX_SESSIONS"] = before


def test_a_server_refuses_sessions_beyond_its_cap_and_closes_left_ones():
    async def scenario(port):
        first, second, third, fourth = (Session(port, "epochs=100000") for _ in range(4))
        await first.open()
        await second.open()
        await third.open()  # one more than the cap
        assert first.play_label == second.play_label == "Play" and not first.refused and not second.refused
        assert third.refused and third.play_label is None and not third.error
        await second.close()
        await fourth.open()  # a place is free: the refused tab left open does not hold it
        assert fourth.play_label == "Play" and not fourth.refused
        await asyncio.gather(third.close(), fourth.close())
        left = first.session_id
        await first.close()  # a tab closed: its session is stored for a reconnect
        await asyncio.sleep(1)
        back = Session(port, "epochs=100000")
        await back.open(resume=left)  # a reconnect within a moment resumes it
        assert back.session_id == left and back.play_label == "Play"
        await back.close()
        # a sweep sees it stored within SWEEP_SECONDS and closes it RECONNECT_SECONDS later (at a sweep): well
        # before Streamlit's own TTL, which would still resume it
        ttl = int(re.search(r"^disconnectedSessionTTL\s*=\s*(\d+)", CONFIG, re.M).group(1))
        wait = memory.RECONNECT_SECONDS + memory.SWEEP_SECONDS + 2
        assert wait < ttl
        await asyncio.sleep(wait)
        late = Session(port, "epochs=100000")
        await late.open(resume=left)
        assert late.session_id != left and late.play_label == "Play"  # a new session: the old one was closed
        await late.close()

    with capped_server(2) as port:
        asyncio.run(asyncio.wait_for(scenario(port), 180))


CONFIG = (ROOT / ".streamlit" / "config.toml").read_text()  # tomllib is Python >= 3.11


def config_mb(name):
    return int(re.search(rf"^{name}\s*=\s*(\d+)", CONFIG, re.M).group(1))


def test_the_message_limits_fit_the_largest_messages_of_the_app():
    envelope = 64_000  # the rest of a message: widget states, metadata
    # out: a live batch of a race of the largest networks, a full batch of pictures, the most points, a curve
    net = Network([8, *[16] * MAX_LAYERS, 6], "tanh", "softmax")
    batch = size(live.MAX_BATCH * MAX_RACERS, len(net.params), 16_000, CSV_MAX_ROWS, CURVE_POINTS)
    assert batch + envelope <= config_mb("maxMessageSize") * 1e6
    # in: the stored pins sent back by the tab, the largest kept (pins.MAX_BYTES), escaped as JSON in the trigger
    at = run_app(**HEAVY)
    tr = at.session_state[K.EXP].trainer
    for _ in range(3):
        tr.train_epoch()
    kept = [pins.pinned(f"Run {i}", at.session_state[K.CONFIG], tr, False, np.zeros((pins.PICTURE,) * 2 + (3,)))
            for i in range(pins.MAX_PINNED)]
    text = pins.to_json(kept, pins.MAX_PINNED)
    escaped = len(trigger_state("x" * 40, "stored", text).SerializeToString()) / len(text)
    assert pins.MAX_BYTES * escaped + envelope <= config_mb("maxWidgetStateSize") * 1e6
    assert config_mb("maxWidgetStateSize") <= config_mb("maxMessageSize") < 50  # 50: the limit before issue 17
    assert json.loads(trigger_state("x", "stored", text).json_trigger_value)[0]["value"] == text
