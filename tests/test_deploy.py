"""The deployment's nginx configuration, for real: Debian's nginx in front of two app processes on loopback ports,
rendered from the same template as deploy/compose.yaml. Sessions stick to one process, uploads reach it, and
a killed process loses only its own sessions."""

import asyncio
import contextlib
import re
import time
import urllib.error
import urllib.request

import pytest
import websockets

from tests.browser import chromium, epoch_of, streamlit_server
from tests.proxy import COOKIE, nginx, route_cookie, upstreams_of

pytestmark = pytest.mark.browser


def get(url, route=None):
    """Status and headers of a GET through the proxy, with a route cookie or none."""
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={route}"} if route else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def playing(page, timeout=40.0):
    """Epoch shown, after waiting for it to grow by at least 2."""
    start, deadline = epoch_of(page), time.monotonic() + timeout
    while epoch_of(page) < start + 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    return epoch_of(page) >= start + 2


def open_with_route(browser, url, route):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.add_cookies([{"name": COOKIE, "value": route, "url": url}])
    page = context.new_page()
    page.goto(f"{url}/?epochs=100000")  # no stop at the epoch limit while the test watches it play
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').filter(has_text="Epoch").wait_for(timeout=60_000)
    return page


def test_two_processes_behind_nginx(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{i % 7 - 3},{i % 5 - 2},{i % 2}\n" for i in range(40)))
    with contextlib.ExitStack() as stack:
        apps = [stack.enter_context(streamlit_server()) for _ in range(2)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _ in apps]
        url, _ = stack.enter_context(nginx(tmp_path, ports))

        # The proxy's own rules: a first visit gets a route cookie, framing is denied, metrics are closed.
        status, headers = get(url)
        assert status == 200 and route_cookie(headers.get_all("Set-Cookie"))
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        assert get(f"{url}/_stcore/metrics")[0] == 404
        assert get(f"{apps[0][0]}/_stcore/metrics")[0] == 200  # open on the internal address only
        # Sticky: a route always reaches the same process; find one route per process.
        routes = {}
        for k in range(64):
            for _ in range(3):
                assert route_cookie(get(url, f"r{k}")[1].get_all("Set-Cookie", [])) is None
            served = upstreams_of(tmp_path, f"r{k}")
            assert len(served) == 1, served
            routes.setdefault(served.pop(), f"r{k}")
            if len(routes) == 2:
                break
        assert sorted(routes) == sorted(f"127.0.0.1:{p}" for p in ports)
        route_a, route_b = routes[f"127.0.0.1:{ports[0]}"], routes[f"127.0.0.1:{ports[1]}"]

        browser = stack.enter_context(chromium())
        page_a, page_b = open_with_route(browser, url, route_a), open_with_route(browser, url, route_b)
        for page in (page_a, page_b):  # a session through the proxy plays (its websocket is upgraded)
            page.get_by_role("button", name="Play", exact=True).click()
            assert playing(page)
            page.get_by_role("button", name="Pause", exact=True).click()  # one page plays at a time: 2 cores

        # An upload lands on the process that holds the session (another process would not know the session).
        page_a.get_by_role("radio", name="Your data").click()  # the "Explore further" panel bar
        page_a.locator(".st-key-csv_upload input[type=file]").set_input_files(csv)
        # The success notice lasts one run; the Data column then says whose data these are, for as long as they are.
        page_a.get_by_text(re.compile(r"Loaded 40 points from points\.csv|points\.csv, 40 points")).first.wait_for(
            timeout=30_000)
        page_a.get_by_text("points.csv, 40 points").wait_for(timeout=10_000)
        assert upstreams_of(tmp_path, route_a) == {f"127.0.0.1:{ports[0]}"}

        # Killing B's process: A keeps its session and plays on. B's page reconnects through the proxy to the
        # surviving process, which cannot resume a session it never held: B's next click runs a fresh session
        # built from its URL (epoch 0; the click itself is lost), which says so (ui/reconnect.py); a reload works.
        page_a.get_by_role("button", name="Play", exact=True).click(timeout=30_000)  # new data stop the training
        assert playing(page_a)
        epoch_a, epoch_b = epoch_of(page_a), epoch_of(page_b)
        assert epoch_b >= 2
        apps[1][1].kill()
        apps[1][1].wait(10)
        assert playing(page_a) and epoch_of(page_a) > epoch_a
        page_a.get_by_role("button", name="Pause", exact=True).click()
        page_b.get_by_role("button", name="Step", exact=True).click()
        deadline = time.monotonic() + 30
        while not (fresh := (shown := _epoch_or_none(page_b)) is not None and shown < epoch_b) \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        assert fresh
        page_b.get_by_text("your session could not be resumed").wait_for(timeout=10_000)  # and it says so
        page_b.reload()
        page_b.get_by_role("button", name="Play", exact=True).click(timeout=60_000)
        assert playing(page_b)
        assert get(f"{url}/_stcore/health", route_b)[0] == 200  # its route now reaches the live process


def _epoch_or_none(page):
    """The epoch the page shows, or None while its metric is being redrawn."""
    try:
        return epoch_of(page)
    except Exception:
        return None


def test_websocket_frames_are_compressed_directly_and_through_nginx(tmp_path):
    """server.enableWebsocketCompression: the session stream negotiates permessage-deflate, and nginx keeps it."""
    async def extensions(url):
        async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", origin=url,
                                      compression="deflate") as ws:
            return ws.response.headers.get("Sec-WebSocket-Extensions", "")

    with streamlit_server() as (app_url, _), nginx(tmp_path, [int(app_url.rsplit(":", 1)[1])]) as (url, _):
        for target in (app_url, url):
            assert asyncio.run(extensions(target)).startswith("permessage-deflate"), target
