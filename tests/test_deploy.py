"""The deployment's nginx configuration, for real: Debian's nginx in front of two app processes on loopback ports,
rendered from the same template as deploy/compose.yaml. Sessions stick to one process, uploads reach it, and
a killed process loses only its own sessions; a client can neither choose its process nor open more than the
limits allow. The containers' confinement in deploy/compose.yaml is checked as written (no Docker here)."""

import asyncio
import contextlib
import re
import threading
import urllib.error
import urllib.request

import pytest
import websockets
import yaml
from websockets.asyncio.server import serve

from playground.params import MAX_QUERY_CHARS
from tests.browser import chromium, epoch_of, wait_until_shown
from tests.proxy import COOKIE, SECRET, nginx, route_cookie, signed_routes, upstreams_of
from tests.servers import ROOT, streamlit_server, wait_for

# The template's limits (deploy/nginx/playground.conf.template says why these numbers).
SESSIONS_PER_ADDRESS, SESSIONS_PER_ROUTE, PAGE_BURST = 200, 20, 100


def get(url, route=None):
    """Status and headers of a GET through the proxy, with a route cookie or none."""
    return get_body(url, route)[:2]


def get_body(url, route=None):
    """Status, headers and text of a GET through the proxy, with a route cookie or none."""
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={route}"} if route else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def playing(page, timeout=40.0):
    """Epoch shown, after waiting for it to grow by at least 2."""
    start = epoch_of(page)
    return wait_for(lambda: epoch_of(page) >= start + 2, timeout, every=0.3)


def open_with_route(browser, url, route):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.add_cookies([{"name": COOKIE, "value": route, "url": url}])
    page = context.new_page()
    page.goto(f"{url}/?epochs=100000")  # no stop at the epoch limit while the test watches it play
    wait_until_shown(page)
    return page


@pytest.mark.browser
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
        # Sticky: a route nginx gave always reaches the same process; find one route per process.
        routes = {}
        for _ in range(64):
            route = route_cookie(get(url)[1].get_all("Set-Cookie"))
            for _ in range(3):
                assert route_cookie(get(url, route)[1].get_all("Set-Cookie", [])) is None
            served = upstreams_of(tmp_path, route)
            assert len(served) == 1, served
            routes.setdefault(served.pop(), route)
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
        assert wait_for(lambda: (shown := _epoch_or_none(page_b)) is not None and shown < epoch_b, 30, every=0.5)
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


@pytest.mark.browser
def test_websocket_frames_are_compressed_directly_and_through_nginx(tmp_path):
    """server.enableWebsocketCompression: the session stream negotiates permessage-deflate, and nginx keeps it."""
    async def extensions(url):
        async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", origin=url,
                                      compression="deflate") as ws:
            return ws.response.headers.get("Sec-WebSocket-Extensions", "")

    with streamlit_server() as (app_url, _), nginx(tmp_path, [int(app_url.rsplit(":", 1)[1])]) as (url, _):
        for target in (app_url, url):
            assert asyncio.run(extensions(target)).startswith("permessage-deflate"), target


@contextlib.contextmanager
def stand_ins(count):
    """``count`` stand-ins for app processes on loopback ports, for nginx's routing and limits without Streamlit's
    CPU: a GET answers with the stand-in's port, a websocket on /_stcore/stream stays open until closed.
    Yields their ports."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def answer(connection, request):
        if request.path != "/_stcore/stream":
            return connection.respond(200, f"{connection.local_address[1]}")
        return None

    async def start():
        return [await serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=answer)
                for _ in range(count)]

    async def stop():
        for server in servers:
            server.close()
            await server.wait_closed()

    servers = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield [server.sockets[0].getsockname()[1] for server in servers]
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_only_a_route_cookie_nginx_signed_chooses_the_process(tmp_path):
    """Before nginx signed its cookies, a cookie the client chose decided the process: 40 requests with one
    forged cookie all reached one process. Now a forged one is replaced and routes nowhere in particular."""
    health = "/_stcore/health"  # routed like every request, and not counted as a page load
    with stand_ins(2) as ports, nginx(tmp_path, ports) as (url, _):
        issued = [route_cookie(get(url + health)[1].get_all("Set-Cookie")) for _ in range(40)]
        assert all(re.fullmatch(r"[0-9a-f]{3}\.[0-9a-f]{16}", route) for route in issued), issued
        assert len(set(issued)) > 30  # fresh routes, server-chosen at random among 4096

        signed = issued[0]
        other_secret = signed_routes("another secret").split(";")[0].split()[1]
        forged = ["r1", "000.0000000000000000", signed[:-1] + ("0" if signed[-1] != "0" else "1"), other_secret]
        for route in forged:
            answers = [get_body(url + health, route) for _ in range(40)]
            fresh = [route_cookie(headers.get_all("Set-Cookie")) for _, headers, _ in answers]
            assert all(new and new != route for new in fresh), (route, fresh)
            assert {body for _, _, body in answers} == {str(p) for p in ports}, route  # spread, not pinned

        # A cookie nginx signed keeps its process and is not replaced.
        answers = [get_body(url + health, signed) for _ in range(20)]
        assert len({body for _, _, body in answers}) == 1
        assert all(route_cookie(headers.get_all("Set-Cookie", [])) is None for _, headers, _ in answers)
    assert "map_hash" not in (tmp_path / "error.log").read_text()  # the route maps fit without a warning


def test_page_loads_beyond_the_burst_get_429_and_files_do_not_count(tmp_path):
    with stand_ins(1) as ports, nginx(tmp_path, ports) as (url, _):
        # nginx lets burst + 1 through at once, however fast they come; more come faster than 10 a second.
        assert [get(url)[0] for _ in range(PAGE_BURST + 1)] == [200] * (PAGE_BURST + 1)
        for _ in range(PAGE_BURST):
            status, headers, text = get_body(url)
            if status != 200:
                break
        assert status == 429 and headers["Retry-After"] == "60" and "wait a minute" in text
        assert get(f"{url}/?dataset=spiral")[0] == 429  # any path is the page
        for path in ("/static/js/main.js", "/app/static/live_view/main.js", "/media/a.png", "/_stcore/health"):
            assert get(url + path)[0] == 200, path  # a page's many files are not page loads


def test_sessions_beyond_the_limits_per_address_and_per_cookie_get_429(tmp_path):
    async def session(url, route=None):
        """An open websocket to the session stream, or the status nginx refused it with."""
        try:
            return await websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", open_timeout=30,
                                            additional_headers={"Cookie": f"{COOKIE}={route}"} if route else None)
        except websockets.exceptions.InvalidStatus as e:
            return e.response.status_code

    async def sessions(url):
        route, other = (route_cookie(get(url)[1].get_all("Set-Cookie")) for _ in range(2))
        # The rest are browsers with cookies of their own: a session without one is given a random route id,
        # which is the first browser's, with its 20 tabs, once in 4096 (a run of 179 such sessions: 4 %)
        cookies = [c for c in (e.split()[1] for e in signed_routes(SECRET).split(";") if e.strip())
                   if c not in (route, other)][:SESSIONS_PER_ADDRESS - SESSIONS_PER_ROUTE]
        one_browser = await asyncio.gather(*(session(url, route) for _ in range(SESSIONS_PER_ROUTE)))
        refused_cookie = await session(url, route)
        other_browser = await session(url, other)
        rest = await asyncio.gather(*(session(url, c) for c in cookies[:-1]))
        refused_address = await session(url, cookies[-1])
        opened = [*one_browser, other_browser, *rest]
        for ws in opened:
            if not isinstance(ws, int):
                await ws.close()
        return opened, refused_cookie, refused_address

    with stand_ins(2) as ports, nginx(tmp_path, ports) as (url, _):
        opened, refused_cookie, refused_address = asyncio.run(sessions(url))
    refused = [(i, ws) for i, ws in enumerate(opened) if isinstance(ws, int)]
    assert not refused and len(opened) == SESSIONS_PER_ADDRESS, f"refused (index, status): {refused}"
    assert refused_cookie == 429  # the 21st tab of one cookie, while another cookie still opens
    assert refused_address == 429  # the 201st session from one address


def test_compose_confines_every_container():
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    apps = {name: s for name, s in services.items() if s.get("image") == "nn-playground"}
    assert len(apps) >= 2 and "nginx" in services
    for name, s in services.items():
        assert s["read_only"] is True and s["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in s["security_opt"], name
        assert s["mem_limit"] and s["memswap_limit"] == s["mem_limit"] and 0 < s["cpus"] <= 2, name
        assert 0 < s["pids_limit"] <= 1024, name
        assert "/tmp" in {t.split(":")[0] for t in s["tmpfs"]}, name
    for name, s in apps.items():
        assert "/home/playground/.streamlit" in {t.split(":")[0] for t in s["tmpfs"]}, name
    # nginx without capabilities: the unprivileged image, listening above 1024, its config rendered into tmpfs
    nginx_ = services["nginx"]
    assert nginx_["image"].startswith("nginxinc/nginx-unprivileged:")
    assert int(nginx_["environment"]["NNPG_LISTEN"]) > 1024
    assert "/etc/nginx/conf.d" in {t.split(":")[0] for t in nginx_["tmpfs"]}
    assert nginx_["environment"]["NNPG_ROUTE_SECRET"].startswith("${NNPG_ROUTE_SECRET:?")  # never a real one
    assert any(v.startswith("./nginx/routes.envsh:/docker-entrypoint.d/") for v in nginx_["volumes"])
    assert (ROOT / "deploy" / "nginx" / "routes.envsh").stat().st_mode & 0o111  # the entrypoint runs only +x


def test_compose_gives_every_app_process_the_one_class_database():
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    apps = [s for s in services.values() if s.get("image") == "nn-playground"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and db["user"] == "postgres"
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${NNPG_DB_PASSWORD:?")  # never a real one
    for app in apps:
        assert app["environment"]["NNPG_DATABASE_URL"].startswith("postgresql://playground:${NNPG_DB_PASSWORD")
        assert app["depends_on"]["db"]["condition"] == "service_healthy"


def test_a_link_longer_than_the_app_reads_gets_a_plain_page_and_one_it_reads_reaches_it(tmp_path):
    with stand_ins(1) as ports, nginx(tmp_path, ports) as (url, _):
        status, _, text = get_body(f"{url}/?formula=" + "x" * 100_000)
        assert status == 414 and "too long for the playground" in text and "<" not in text
        assert f"at most {MAX_QUERY_CHARS:,} characters" in text  # the template says what the app reads
        get(f"{url}/?formula=" + "x" * (MAX_QUERY_CHARS + 100))  # the app reads it (and warns about it)
        last = (tmp_path / "access.log").read_text().splitlines()[-1]
        assert re.search(r"upstream=127\.0\.0\.1:\d+ ", last), last  # passed on: a stand-in answers (its own 414)
