"""The training lock shares time, not turns (issue 17, section 2): ``ui.live.FairLock``.

Threads wait on the lock for real; the time each one holds it (and the CPU time it uses, which the lock
charges) is a fake clock that the holder moves on, so the order of service depends only on the lock's rule,
never on how fast this machine is.  Every
release happens with all contenders already queued (``queued``), so the lock has a real choice to make.
"""

import re
import threading
import time
import types

import pytest

from nn_core.cohort import stack_key
from tests.conftest import run_app
from tests.servers import ROOT, wait_for
from tests.test_cohort import assert_same
from tests.test_cohort import trainer as cohort_trainer
from ui import live
from ui.live import FairLock

TURN = 0.02  # fake seconds each turn holds the lock


class Clock:
    """A clock that moves only when a holder says how long it trained."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def queued(lock, n):
    """Wait until ``n`` threads are waiting on ``lock`` (a thread that never queues fails the test)."""
    assert wait_for(lambda: len(lock._waiting) >= n, 10, every=0.001), f"{len(lock._waiting)} of {n} waiters queued"


def waiter(lock, clock, key, order, held=TURN):
    """A started thread that takes one turn of ``held`` seconds as ``key`` and notes ``key`` in ``order``."""
    def take():
        with lock.turn(key):
            clock.now += held
            order.append(key)
    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread


def served_in_order(lock, clock, keys):
    """The order in which ``keys`` are served when they queue in that order behind a holder."""
    order, threads = [], []
    with lock.turn("holder"):
        for n, key in enumerate(keys, 1):
            threads.append(waiter(lock, clock, key, order))
            queued(lock, n)
    for t in threads:
        t.join(10)
    return order


def test_a_light_session_waiting_beside_heavy_ones_is_served_first():
    clock = Clock()
    lock = FairLock(half_life=1.0, clock=clock, cpu_clock=clock)
    for _ in range(5):  # the heavy sessions trained a full turn each, five times, just now
        for key in ("heavy 1", "heavy 2", "heavy 3"):
            with lock.turn(key):
                clock.now += TURN
    with lock.turn("light"):  # the light one a little
        clock.now += TURN / 4
    assert served_in_order(lock, clock, ["heavy 1", "heavy 2", "heavy 3", "light"]) == [
        "light", "heavy 1", "heavy 2", "heavy 3"]


def test_sessions_that_used_the_same_time_are_served_in_the_order_they_asked():
    clock = Clock()
    lock = FairLock(clock=clock, cpu_clock=clock)
    assert served_in_order(lock, clock, list(range(6))) == list(range(6))
    with lock.turn("again"):  # free again: taken at once
        pass
    assert not lock._held


def test_usage_halves_every_half_life_and_old_sessions_are_forgotten():
    clock = Clock()
    lock = FairLock(half_life=1.0, clock=clock, cpu_clock=clock)
    with lock.turn("a"):
        clock.now += 0.5
    charged = lock.usage("a")
    clock.now += 2.0
    assert charged > 0 and lock.usage("a") == pytest.approx(charged / 4)
    clock.now += FairLock.FORGET_HALF_LIVES
    with lock.turn("b"):
        pass
    assert set(lock._keys) == {"b"}


def test_waiting_costs_nothing_so_a_session_kept_waiting_is_not_pushed_back():
    """Both held the lock for one turn; one of them had first waited two seconds for it (a crowded server).
    Waiting is no use of the lock: the one kept waiting is charged no more, and is served first."""
    clock = Clock()
    lock, order = FairLock(half_life=1.0, clock=clock, cpu_clock=clock), []
    with lock.turn("holder"):
        thread = waiter(lock, clock, "kept waiting", order)
        queued(lock, 1)
        clock.now += 2.0
    thread.join(10)
    with lock.turn("served at once"):
        clock.now += TURN
    assert lock.usage("kept waiting") <= lock.usage("served at once") == pytest.approx(TURN)
    assert served_in_order(lock, clock, ["served at once", "kept waiting"]) == ["kept waiting", "served at once"]


def test_a_session_of_cheap_frames_is_served_before_one_of_dear_frames():
    """The cheap one held the lock three times longer, but made a frame every millisecond (60 a second cost it
    6 % of the time: charged the least, a tenth); the other made one frame a turn (60 a second would take more
    than all the time), so its time held counts in full."""
    clock = Clock()
    lock = FairLock(half_life=1.0, clock=clock, cpu_clock=clock)
    with lock.turn("dear frames") as turn:
        clock.now += TURN
        turn.frames = 1
    for _ in range(3):
        with lock.turn("cheap frames") as turn:
            clock.now += TURN
            turn.frames = 20
    assert lock.usage("cheap frames") < lock.usage("dear frames")
    assert served_in_order(lock, clock, ["dear frames", "cheap frames"]) == ["cheap frames", "dear frames"]


def test_a_heavy_session_waiting_behind_busier_ones_is_served_in_the_end():
    """Two sessions take turn after turn (each turn ends only once both others wait, so the lock always
    chooses among three); the third used a thousand turns' time lately.  Its usage only decays while theirs
    grows, so it is served after a few hundred of their turns: without the decay it would wait for 1,000."""
    clock = Clock()
    lock = FairLock(half_life=1.0, clock=clock, cpu_clock=clock)
    with lock.turn("starved"):
        clock.now += 1000 * TURN
    done, order = threading.Event(), []

    def busy(key):
        while not done.is_set() and len(order) < 1000:
            with lock.turn(key):
                clock.now += TURN
                order.append(key)
                while len(lock._waiting) < 2 and not done.is_set():  # the other busy one and the starved one
                    time.sleep(0.001)

    def starved():
        with lock.turn("starved"):
            order.append("starved")
            done.set()

    with lock.turn("holder"):
        threads = [threading.Thread(target=busy, args=(k,), daemon=True) for k in ("a", "b")]
        threads.append(threading.Thread(target=starved, daemon=True))
        for n, t in enumerate(threads, 1):
            t.start()
            queued(lock, n)
    for t in threads:
        t.join(30)
    assert "starved" in order and 100 < order.index("starved") < 500, len(order)
    assert {"a", "b"} <= set(order[:order.index("starved")])


def test_an_exception_inside_a_turn_releases_the_lock_to_the_next_waiter():
    clock = Clock()
    lock, order = FairLock(clock=clock, cpu_clock=clock), []
    with pytest.raises(RuntimeError):
        with lock.turn("failing"):
            thread = waiter(lock, clock, "next", order)
            queued(lock, 1)
            clock.now += TURN
            raise RuntimeError("training failed")
    thread.join(10)
    assert order == ["next"] and not lock._held
    assert lock.usage("failing") > 0  # its time held was charged all the same


def test_many_threads_hold_it_one_at_a_time_and_all_finish():
    """No two holders at once and no lost wake-up: every turn of every thread happens."""
    lock = FairLock()
    inside, most, turns = [0], [0], []

    def work(key):
        for _ in range(200):
            with lock.turn(key):
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0)  # let another thread run here, were the lock not held
                turns.append(key)
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(k % 3,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert len(turns) == 8 * 200 and most[0] == 1 and not lock._held and not lock._waiting


def test_a_playing_session_is_charged_under_its_session_id(monkeypatch):
    """``train_turn`` takes the lock with its Streamlit session's id, the same for every turn of the session."""
    keys = []

    class Recording(FairLock):
        def turn(self, key, job=None):
            keys.append(key)
            return super().turn(key, job)

    monkeypatch.setattr(live, "TURN_LOCK", Recording())
    at = run_app()
    at.button(key="play").click().run()
    at.run()
    assert not at.exception and len(keys) >= 2
    assert set(keys) == {"test session id"}  # the id AppTest gives its session; a server's are uuids


def test_runs_grow_with_the_sessions_that_want_turns_and_end_before_the_browser_asks_again():
    assert live.run_seconds(1) == live.RUN_SECONDS  # alone: a tenth of a second, as always
    lengths = [live.run_seconds(n) for n in range(1, 201)]
    assert lengths == sorted(lengths) and lengths[-1] == live.MAX_RUN_SECONDS
    assert live.run_seconds(20) == 20 / live.RUNS_PER_SECOND  # many: all their runs end RUNS_PER_SECOND a second
    main_js = (ROOT / "static" / "live_view" / "main.js").read_text()
    asked_again = int(re.search(r"REQUEST_TIMEOUT_MS = (\d+);", main_js).group(1)) / 1000
    assert live.MAX_RUN_SECONDS + 0.5 <= asked_again  # a run ends, and its batch is sent, before that


def test_a_batch_holds_a_run_of_play_so_crowded_runs_send_fuller_batches():
    need = {"queued": 15, "fps": 60}
    alone = live.batch_size(need, live.run_seconds(1))
    assert alone == round(60 * live.LEAD_SECONDS) - 15  # alone: the usual lead, less what the browser holds
    crowded = [live.batch_size(need, live.run_seconds(n)) for n in range(1, 201)]
    assert crowded == sorted(crowded) and crowded[-1] == live.MAX_BATCH > alone
    assert live.batch_size({"queued": 0, "fps": 20}, 2.0) == 40  # a run's length of play at the browser's rate


def test_demand_is_what_the_sessions_playing_lately_would_need_for_sixty_frames_a_second():
    clock = Clock()
    lock = FairLock(clock=clock, cpu_clock=clock)
    assert lock.demand() == 0
    for key, cpu, frames in [("light", 0.002, 4), ("heavy", 0.03, 1)]:  # 0.5 ms and 30 ms a frame
        with lock.turn(key) as turn:
            clock.now += cpu
            turn.frames = frames
    assert lock.demand() == pytest.approx(60 * (0.002 / 4 + 0.03))
    clock.now += 0.5
    with lock.turn("light") as turn:  # a frame's cost is the session's, whatever its turn's length
        clock.now += 0.001
        turn.frames = 2
    assert lock.demand(window=0.4) == pytest.approx(60 * 0.003 / 6)  # the heavy one stopped playing 0.5 s ago
    with lock.turn("starting"):  # no frame yet: as slow as can be, a whole core
        clock.now += 0.01
    assert lock.demand(window=0.4) == pytest.approx(60 * 0.003 / 6 + 1.0)


def test_a_busy_server_sends_fuller_batches_up_to_twice_the_usual_lead():
    assert live.lead_seconds(0.0) == live.lead_seconds(live.BUSY_DEMAND) == live.LEAD_SECONDS  # room to spare
    leads = [live.lead_seconds(d / 10) for d in range(100)]
    assert leads == sorted(leads) and leads[-1] == live.MAX_LEAD_FACTOR * live.LEAD_SECONDS
    need = {"queued": 0, "fps": 60}
    assert live.batch_size(need, lead_s=live.lead_seconds(10.0)) == round(60 * live.MAX_LEAD_FACTOR * live.LEAD_SECONDS)
    assert live.batch_size(need, lead_s=live.lead_seconds(10.0)) <= live.MAX_BATCH  # the largest lead fits a batch


def test_players_counts_the_sessions_charged_within_the_last_second():
    """Those holding or waiting for the lock now, served by a holder, or between two runs: every session that
    trained lately (``run_seconds`` grows with them)."""
    clock, order = Clock(), []
    lock = FairLock(clock=clock, cpu_clock=clock)
    assert lock.players() == 0
    with lock.turn("a"):
        threads = [waiter(lock, clock, key, order) for key in "bc"]
        queued(lock, 2)
        assert lock.players() == 0  # nobody charged yet
    for t in threads:
        t.join(10)
    assert lock.players() == 3 and sorted(order) == ["b", "c"]
    clock.now += 0.6
    with lock.turn("d"):
        pass
    assert lock.players() == 4
    clock.now += 0.6  # a, b and c were charged 1.2 s ago
    assert lock.players() == 1


def job_of(trainer, most):
    """What ``train_turn`` queues for a turn: train ``trainer`` up to ``most`` epochs (no frames taken here)."""
    return types.SimpleNamespace(runner=trainer, most=most, after_epoch=None, taken=[], served=False, error=None,
                                 alike=stack_key(trainer))


def take_turn(lock, key, job, served):
    """A started thread taking one turn of ``job`` as ``train_turn`` does; notes in ``served`` whether another
    holder did the job."""
    def take():
        with lock.turn(key, job) as turn:
            served[key] = turn.served
            if not turn.served:
                turn.share = live.train_jobs(job)
    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread


def test_a_holder_trains_the_waiting_alike_networks_with_its_own_exactly_as_each_alone(monkeypatch):
    """Three default networks waiting behind a holder of the same kind are trained in the holder's turn, each
    to exactly the numbers it gets alone; an Adam network (not alike them) waits for a turn of its own; each
    session is charged for its share."""
    lock, served = FairLock(), {}
    monkeypatch.setattr(live, "TURN_LOCK", lock)
    monkeypatch.setattr(live, "TURN_SECONDS", 60.0)  # every job finishes its epochs in its turn
    trainers = {key: cohort_trainer("default", seed) for seed, key in enumerate("abcd")}
    trainers["e"] = cohort_trainer("default", 4)
    trainers["e"].configure(optimizer="adam")
    jobs = {key: job_of(tr, 5) for key, tr in trainers.items()}
    with lock.turn("a", jobs["a"]) as turn:
        threads = [take_turn(lock, key, jobs[key], served) for key in "bcde"]
        queued(lock, 4)
        turn.share = live.train_jobs(jobs["a"])
        assert 0 < turn.share < 1
    for t in threads:
        t.join(30)
    assert served == {"b": True, "c": True, "d": True, "e": False}
    assert not lock._held and not lock._waiting and not lock._taken
    for seed, (key, tr) in enumerate(trainers.items()):
        alone = cohort_trainer("default", seed)
        if key == "e":
            alone.configure(optimizer="adam")
        alone.run(5)
        assert_same(tr, alone)
        assert lock.usage(key) > 0


def test_a_holder_that_fails_lets_the_waiters_it_took_go_on(monkeypatch):
    """If training fails in the holder's turn, the jobs it took are handed back (their turns end, untrained)
    and the lock passes on: nobody waits forever."""
    lock, served = FairLock(), {}
    monkeypatch.setattr(live, "TURN_LOCK", lock)

    def broken(jobs, deadline):
        raise RuntimeError("broken")

    monkeypatch.setattr(live, "train_together", broken)
    jobs = {key: job_of(cohort_trainer("default", seed), 3) for seed, key in enumerate("ab")}
    with pytest.raises(RuntimeError, match="broken"):
        with lock.turn("a", jobs["a"]):
            thread = take_turn(lock, "b", jobs["b"], served)
            queued(lock, 1)
            live.train_jobs(jobs["a"])
    thread.join(10)
    assert served == {"b": True} and not thread.is_alive() and not lock._held and not lock._waiting
    assert jobs["b"].runner.epoch == 0
