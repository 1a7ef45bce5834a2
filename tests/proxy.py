"""The deployment's nginx, for real: Debian's nginx on a loopback port in front of app processes, rendered from
deploy/nginx/playground.conf.template (shared by tests/test_deploy.py and bench/load.py --proxy)."""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shutil
import string
import subprocess
import urllib.request
from http.cookies import CookieError, SimpleCookie

from tests.servers import ANY_ANSWER, ROOT, free_port, serving

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = ROOT / "deploy" / "nginx" / "playground.conf.template"
ROUTES = ROOT / "deploy" / "nginx" / "routes.envsh"
COOKIE = "nnpg_route"
SECRET = "a secret for tests only"
# The main file around the template: paths in a temporary prefix, no root needed, and an access log that says
# which process served each request.
MAIN = """
user {user};
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}  # the nginx image's default: room for bench/load.py's 30+ tabs
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format routed '$request_method $uri $status upstream=$upstream_addr route=$nnpg_route';
    access_log {tmp}/access.log routed;
    include {tmp}/playground.conf;
}}
"""


def signed_routes(secret):
    """NNPG_ROUTES as deploy/nginx/routes.envsh makes it from ``secret`` (the script itself, run by sh)."""
    return subprocess.run(["sh", "-c", f'. "{ROUTES}" && printf %s "$NNPG_ROUTES"'], check=True,
                          capture_output=True, text=True, env={**os.environ, "NNPG_ROUTE_SECRET": secret}).stdout


def render(template, listen, upstream_ports, routes):
    """The template with its placeholders filled, as the nginx image's envsubst does."""
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstream_ports)
    return string.Template(template).safe_substitute(NNPG_LISTEN=listen, NNPG_UPSTREAMS=servers, NNPG_ROUTES=routes)


@contextlib.contextmanager
def nginx(tmp, upstream_ports, timeout=5.0, secret=SECRET):
    """Run nginx with the template in the directory ``tmp`` (a Path) in front of ``upstream_ports``, its route
    cookies signed with ``secret``; yields ``(url, process)``. The access log is ``tmp / "access.log"``
    (see ``served_by``)."""
    port = free_port()
    (tmp / "playground.conf").write_text(
        render(TEMPLATE.read_text(), f"127.0.0.1:{port}", upstream_ports, signed_routes(secret)))
    (tmp / "nginx.conf").write_text(MAIN.format(tmp=tmp, user=getpass.getuser()))
    command = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
    test = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"nginx refuses the configuration:\n{test.stderr}")
    url = f"http://127.0.0.1:{port}"
    # up once nginx answers, whatever it says: an app behind it may not answer yet
    with serving(command, f"{url}/_stcore/health", ready=ANY_ANSWER, timeout=timeout, log=tmp / "error.log") as proc:
        yield url, proc


def route_cookie(set_cookies):
    """The route cookie's value among a response's Set-Cookie header values, or None when it sets none.

    nginx sends ``nnpg_route=<id>; Path=/; HttpOnly; SameSite=Lax`` on a first visit and an empty
    Set-Cookie header once the browser holds the cookie.
    """
    for header in set_cookies:
        cookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            cookie.load(header)
        if COOKIE in cookie and cookie[COOKIE].value:
            return cookie[COOKIE].value
    return None


def served_by(log):
    """``{route: set of upstream addresses}`` from the text of the access log (``MAIN``'s format)."""
    served = {}
    for upstream, route in re.findall(r"upstream=(\S+) route=(\S+)$", log, re.M):
        served.setdefault(route, set()).add(upstream)
    return served


def upstreams_of(tmp, route):
    """The app addresses the access log in ``tmp`` shows serving requests of one route cookie."""
    return served_by((tmp / "access.log").read_text()).get(route, set())


def route_to_each(url, tmp, ports, tries=64):
    """``{port: route cookie}``: for each app process behind nginx at ``url`` (access log in ``tmp``), a route
    cookie that nginx gave and that reaches it, found by asking for new cookies up to ``tries`` times."""
    routes = {}
    while len(routes) < len(ports) and tries:
        tries -= 1
        with urllib.request.urlopen(url) as answer:
            route = route_cookie(answer.headers.get_all("Set-Cookie"))
        urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={route}"})).close()
        for upstream in upstreams_of(tmp, route):
            routes.setdefault(int(upstream.rsplit(":", 1)[1]), route)
    return routes
