"""bench/: every benchmark imports, and its pure parts compute what they claim (no timing claims)."""

import asyncio
import json

import numpy as np
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench import core, load, ui
from playground import batch
from tests import proxy


@pytest.mark.parametrize("case", list(core.TRAINING_CASES))
def test_a_step_and_an_epoch_match_the_reference(case):
    assert core.check_training(case) < 1e-10


def test_grid_activations_match_the_reference():
    assert core.check_grid() < 1e-5


def test_a_tiny_run_gives_every_row():
    results = core.run({"step": 4, "epoch": 2, "grid": 1, "together": 1})
    assert list(results) == ["W1 step", "W1 epoch", "W2 step", "W2 epoch", "W1 together", "grid 200x200"]
    for row in results.values():
        assert row["ours_us"] > 0 and row["reference_us"] > 0
        assert row["ratio"] == pytest.approx(row["ours_us"] / row["reference_us"])
    json.dumps(results)
    assert "W2 epoch" in core.table(results)


# -- bench/load.py --

# A BackMsg Chromium sent (Streamlit 1.67's frontend, captured with Playwright's websocket events) when a
# v2 component in a fragment called setTriggerValue("need", {have: 1}), on a page at ?a=1&b=x holding a
# checkbox and a slider.
CHROMIUM_TRIGGER = bytes.fromhex(
    "5ae3020a07613d3126623d7812e1010a2e0a2a242449442d62613366636238383839353862613730636532643861633130616439"
    "363862332d4e6f6e6518010a380a2a242449442d3338336664313462333964653838383830336431383738616138316661373539"
    "2d4e6f6e653a0a0a0800000000000008400a750a4b242453545245414d4c49545f494e5445524e414c5f4b45595f242449442d35"
    "303236363732333939383265343438623137663933343938323732383234352d6c6976655f5f6576656e74738201255b7b226576"
    "656e74223a226e656564222c2276616c7565223a7b2268617665223a317d7d5d1a20383834366339643733643562393032646461"
    "65653866353731336263333332392a20656666343361666135626237663034363935383665663662326666393935663542300a03"
    "55544310001a05656e2d55532217687474703a2f2f3132372e302e302e313a36303639392f280032056c69676874"
)


def test_the_need_trigger_is_the_message_chromium_sends():
    sent = BackMsg.FromString(CHROMIUM_TRIGGER).rerun_script
    component_id = "$$ID-502667239982e448b17f934982728245-live"
    widgets = list(sent.widget_states.widgets)[:2]  # the checkbox's and the slider's states
    built = load.rerun_message("a=1&b=x", sent.page_script_hash, [*widgets, load.trigger_state(
        component_id, "need", {"have": 1})], sent.context_info.url, sent.fragment_id)
    assert built == BackMsg.FromString(CHROMIUM_TRIGGER)


def test_a_click_is_a_trigger_value_and_a_full_run():
    msg = load.rerun_message("", "hash", [load.WidgetState(id="b", trigger_value=True)], "http://x/")
    assert not msg.rerun_script.fragment_id and msg.rerun_script.widget_states.widgets[0].trigger_value


@pytest.mark.parametrize("shape", [(0, 25), (1, 25), (7, 3), (60, 1201)])
def test_count_batch_counts_the_snapshots_of_a_batch(shape):
    n, p = shape
    stats = np.zeros((n, len(batch.STATS)))
    stats[:, 0] = np.arange(10, 10 + n)
    meta = {"playing": True, "stream": 3}
    data = batch.encode(meta, stats, np.ones((n, p)), points=np.zeros((5, 3)))
    assert load.count_batch(data) == (n, 9 + n if n else None, meta)


def test_count_batch_refuses_other_bytes():
    with pytest.raises(ValueError):
        load.count_batch(b"not a batch of snapshots, only text")


def test_the_draw_queue_drains_at_its_rate_and_never_below_zero():
    q = load.DrawQueue(rate=60)
    q.add(60, now=10.0)
    assert q.level(10.5) == pytest.approx(30)
    assert q.seconds_until(30, 10.0) == pytest.approx(0.5)
    assert q.level(12.0) == 0 and q.seconds_until(30, 12.0) == 0
    q.add(6, now=12.0)
    assert q.level(12.05) == pytest.approx(3)


def test_the_draw_queue_says_when_it_ran_dry():
    q = load.DrawQueue(rate=60)
    assert q.ran_dry(5.0) is None  # nothing received yet: not a wait of the picture's
    q.add(30, now=10.0)
    assert q.ran_dry(10.4) is None  # still drawing
    assert q.ran_dry(11.5) == pytest.approx(10.5)


def test_still_spells_count_only_the_window():
    spells = [(0.5, 1.5), (2.0, 2.2), (3.5, 5.0)]
    seconds, longest = load.still_seconds(spells, 1.0, 4.0)
    assert seconds == pytest.approx(0.5 + 0.2 + 0.5) and longest == pytest.approx(1.5)
    assert load.still_seconds([], 1.0, 4.0) == (0, 0.0)


def test_delivery_counts_only_the_window():
    batches = [(0.5, 10, 10), (1.5, 20, 30), (2.5, 0, None), (3.5, 5, 35), (4.5, 7, 42)]
    assert load.delivery(batches, 1.0, 4.0) == (25, 3, 25)
    assert load.delivery([], 1.0, 4.0) == (0, 0, 0)


# One case of bench/load.py's results: two sessions on one process
ROW = {"sessions": 2, "snapshots_per_s_median": 25.0, "snapshots_per_s_min": 20.0, "snapshots_per_s_total": 50.0,
       "batches_per_s": 4.0, "snapshots_per_batch": 12.5, "epochs_per_s_median": 25.0, "server_cpu": 0.3,
       "server_cpu_ms_per_batch": 6.0, "rss_mb_before": 200, "rss_mb_after": 210, "client_cpu": 0.1,
       "other_cpu": 0.2, "kb_per_s_per_session": 3.0, "kb_per_batch": 1.0, "batch_kb_per_batch": 0.5,
       "not_playing": 0, "play_s": {"median": 0.4, "max": 1.5}, "errors": [], "still_share_median": 0.25,
       "still_longest_s": 1.2}


def test_the_tables_print_every_case():
    assert "25.0" in load.table([ROW, {"sessions": 30, "error": "boom"}], fairness=False)
    assert "Play's run 0.4 s median, 1.5 s slowest" in load.table([ROW], fairness=False)
    assert "still 25%, longest 1.2 s" in load.table([ROW], fairness=False)
    shared = {**ROW, "heavy": ROW, "click_s": {"default": {"median": 0.1, "max": 0.2}}}
    fair = {"sessions": 2, "alone": ROW, "with_heavy": shared, "share_median": 0.9, "share_min": 0.8}
    assert "90%" in load.table([fair], fairness=True)


# -- bench/load.py --proxy and tests/proxy.py --

# The head of nginx's answer to a first visit (the template's headers; Streamlit's own left out).
FIRST_VISIT = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"
               b"Connection: keep-alive\r\nSet-Cookie: other=1; Path=/\r\n"
               b"Set-Cookie: nnpg_route=7f3a9c; Path=/; HttpOnly; SameSite=Lax\r\n"
               b"X-Frame-Options: SAMEORIGIN\r\n\r\n")


def test_a_response_head_keeps_every_set_cookie():
    status, headers = load.read_head(FIRST_VISIT)
    assert status == 200 and ("x-frame-options", "SAMEORIGIN") in headers
    assert [v for k, v in headers if k == "set-cookie"] == ["other=1; Path=/",
                                                             "nnpg_route=7f3a9c; Path=/; HttpOnly; SameSite=Lax"]


def test_the_route_cookie_is_read_from_set_cookie_headers():
    assert proxy.route_cookie(["nnpg_route=7f3a9c; Path=/; HttpOnly; SameSite=Lax"]) == "7f3a9c"
    assert proxy.route_cookie(["other=1; Path=/", "nnpg_route=ab; Path=/"]) == "ab"
    assert proxy.route_cookie([""]) is None  # nginx's empty header once the browser holds the cookie
    assert proxy.route_cookie(["other=1", "not a cookie;;="]) is None
    assert proxy.route_cookie([]) is None


def test_the_first_visit_sends_no_cookie_and_returns_the_route():
    async def visit():
        seen = []

        async def answer(reader, writer):
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(FIRST_VISIT + b"hello")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, load.HOST, 0)
        async with server:
            route = await load.first_visit(server.sockets[0].getsockname()[1])
        return route, seen[0].decode()

    route, request = asyncio.run(visit())
    assert route == "7f3a9c"
    assert request.startswith("GET / HTTP/1.1\r\n") and "cookie" not in request.lower()


LOG = """GET / 200 upstream=127.0.0.1:8001 route=aaa
GET /_stcore/stream 101 upstream=127.0.0.1:8001 route=aaa
GET / 200 upstream=127.0.0.1:8002 route=bbb
GET / 200 upstream=127.0.0.1:8001 route=ccc
GET /_stcore/stream 101 upstream=127.0.0.1:8002 route=ccc
GET /_stcore/metrics 404 upstream=- route=ddd
"""


def test_the_access_log_says_which_process_served_each_route():
    served = proxy.served_by(LOG)
    assert served == {"aaa": {"127.0.0.1:8001"}, "bbb": {"127.0.0.1:8002"},
                      "ccc": {"127.0.0.1:8001", "127.0.0.1:8002"}, "ddd": {"-"}}
    # ccc moved between processes and eee never reached one: both are counted on no process
    assert load.sessions_per_server(["aaa", "bbb", "ccc", "eee"], served, [8001, 8002]) == ([1, 1], ["ccc", "eee"])
    assert load.sessions_per_server(["aaa", "aaa", "bbb"], served, [8002, 8001]) == ([1, 2], [])


def test_the_table_shows_how_nginx_spread_the_sessions():
    row = {**ROW, "sessions": 30, "snapshots_per_s_total": 750.0, "batches_per_s": 40.0, "server_cpu": 1.5,
           "rss_mb_before": 400, "rss_mb_after": 500, "client_cpu": 0.3, "other_cpu": 0.1}
    assert "nginx" not in load.case_row(row)
    assert "sessions per process 17+13, nginx CPU 4%" in load.case_row(
        {**row, "sessions_per_server": [17, 13], "proxy_cpu": 0.04})


# -- bench/ui.py --

SAMPLES = [[100.0, 1, 0], [200.0, 2, 1], [300.0, 3, 2], [1100.0, 5, 4], [1200.0, 6, 4]]


def test_window_rates_count_draws_and_epochs_first_shown_inside():
    rates = ui.window_rates(SAMPLES, 150.0, 1150.0)
    assert rates == {"draws_per_s": pytest.approx(4.0), "epochs_per_s": pytest.approx(3.0)}


def test_still_latency_is_the_last_change_after_the_click():
    assert ui.still_latency(SAMPLES, 1000.0, 2000.0) == pytest.approx(0.2)
    assert ui.still_latency(SAMPLES, 1000.0, 1500.0) is None  # changed 300 ms before the end: not still
    assert ui.still_latency(SAMPLES, 1300.0, 2000.0) == 0


def test_the_first_picture_is_split_into_its_steps_from_navigation_start():
    marks = {"websocket_open": 600.0, "first_message": 650.0, "live_message": 900.0, "modules_asked": 1000.0,
             "modules_loaded": 1100.0, "first_draw": 1150.0}
    steps = ui.first_picture_steps(marks)
    assert list(steps) == [step for step, _ in ui.FIRST_PICTURE_STEPS]
    assert sum(steps.values()) == pytest.approx(1.15) and steps["Streamlit's page and scripts"] == 0.6
    no_socket = ui.first_picture_steps({"first_draw": 330.0})  # TensorFlow Playground: one step
    assert no_socket == {"first batch drawn": pytest.approx(0.33)}


def test_the_ui_table_gives_the_ratio_to_tensorflow_playground():
    figures = {"frames_per_s": 60.0, "draws_per_s": 60.0, "epochs_per_s": 30.0, "ws_kb_per_s": 5.0,
               "server_cpu": 0.04, "pause_s": 0.1, "first_picture_s": 0.8}
    text = ui.table({"default": {**figures, "snapshots_per_s": 30.0, "batches_per_s": 3.0, "mounts": 1},
                     "8x16": {"error": "boom"},
                     "TensorFlow Playground": {**figures, "epochs_per_s": 60.0, "server_cpu": None}})
    assert "0.50x" in text and "boom" in text


def test_a_small_flood_through_nginx_reports_every_figure():
    from bench import flood

    r = flood.run(2, seconds=1.5, warmup=0.5, proxy=True)
    assert r["proxy"] and r["failed"] == 0 and r["refused"] == 0 and not r["errors"]
    assert r["student_alone"] > 0 and r["student_flooded"] > 0 and r["rss_mb_after"] > 0  # figures, not claims
    assert r["heavy_total_per_s"]["batches"] > 0 and not r["visitor_refused"]
    text = flood.report(r)
    assert "through nginx" in text and "default student" in text and "first run" in text


def test_readout_in_step_counts_the_text_changes_and_its_distance_from_the_picture():
    samples = [[100.0, 1, "0", 0], [200.0, 2, "1", 0], [300.0, 3, "2", 2], [400.0, 4, "3", 3], [600.0, 5, "5", 3]]
    got = ui.readout_in_step(samples, 150.0, 650.0)
    assert got == {"text_changes_per_s": pytest.approx(4.0), "text_gap_median": 1.0, "text_gap_max": 2.0}
    assert ui.readout_in_step(SAMPLES, 150.0, 1150.0) == {}  # TensorFlow Playground's samples: no text epoch
