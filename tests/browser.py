"""Drive the app with Debian's Chromium: the browser, a page showing the playground, what its live view shows
(shared by the browser tests and bench/; the server itself comes from ``tests/servers.py``)."""

from __future__ import annotations

import contextlib
import os

from tests.servers import ROOT

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # npm axe-core@4, installed by .ci/run
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # every host but this machine's is unknown at once: no internet here, and a page waiting on one
                 # (TensorFlow Playground's fonts) would hang its load
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser from Playwright (never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


LIVE = ".st-key-live .nnpg-live"  # the live view (Step back in time mounts another, below it)
READOUT = f"{LIVE} .nnpg-readout"  # the numbers it shows beside its picture: <div><dt>label</dt><dd>text</dd></div>


def readout_of(page):
    """The numbers the live view shows beside its picture, {label: text}."""
    return page.evaluate(f"""() => Object.fromEntries([...document.querySelectorAll('{READOUT} > div')]
      .map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent]))""")


def epoch_of(page):
    """The number of whole epochs the live view shows (paused mid-epoch it adds "+ k/n batches"); waits for it
    while the live view is being mounted (a new page, a reconnected session)."""
    text = page.locator(f"{READOUT} > div:has(> dt:text-is('Epoch')) > dd").inner_text()
    return int(text.split(" ")[0].replace(",", ""))


def wait_until_shown(page):
    """Wait (up to a minute) until a page that went to the playground shows its Play button and its epoch, and
    its run is over (a page's first run sends the picture ahead of the controls: ``live.picture_first``)."""
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
    page.locator(f"{READOUT} dt", has_text="Epoch").wait_for(timeout=60_000)
    page.locator(SETTLED).wait_for(timeout=60_000)


SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"  # Streamlit's app: its run is over


def open_playground(browser, url, width=1600, height=1250):
    """A page showing the playground, ready: the Epoch metric, the live view drew its first picture, and the
    page's run is over (the live view is drawn before the controls, so the page may still grow above it)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    wait_until_shown(page)
    page.locator(".nnpg-live[data-frames]").wait_for(timeout=60_000)
    return page


def live_counters(page):
    """The live view's page counters (frames, epochs, epoch, snapshots, batches, mounts) as ints."""
    return {k: int(v) for k, v in page.evaluate(f"() => ({{...document.querySelector('{LIVE}').dataset}})").items()}


def live_point(page, what):
    """Page coordinates of a spot of the live picture: ``"plane"`` (the output's centre), ``("link", i)``
    (the middle of the i-th link) or ``("node", l, i)`` (the centre of neuron i of column l, from 0)."""
    box = page.locator(f"{LIVE} canvas").bounding_box()
    x, y = page.evaluate("""([live, what]) => {
      const st = document.querySelector(live).nnpg, P = st.lay.plane;
      if (what === 'plane') return [P.x + P.size / 2, P.y + P.size / 2];
      const half = st.lay.node / 2, nd = what[0] === 'node' && st.lay.nodes[what[1]][what[2]];
      if (nd) return [nd.x + half, nd.y + half];
      const k = st.links.filter((l) => !l.bias)[what[1]];
      return [(k.x0 + k.x1) / 2, (k.y0 + k.y1) / 2];
    }""", [LIVE, what])
    return box["x"] + x, box["y"] + y


# axe's violations, each {id, impact, help, nodes: [{target, html, summary, inDisabledWidget}]}; a node is in a
# disabled widget when the widget (the element around its Streamlit label) holds a disabled control
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  const disabled = (el) => {
    const label = el && el.closest('[data-testid="stWidgetLabel"]');
    return Boolean(label && label.parentElement.querySelector('[disabled], [aria-disabled="true"]'));
  };
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({
    target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary,
    inDisabledWidget: disabled(document.querySelector(n.target.join(" "))),
  }))}));
}"""


def axe_violations(page):
    """axe-core's accessibility violations on the page as it is (axe is injected on the first call)."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: npm install --no-save --prefix .ci/axe axe-core@4 (.ci/run does)")
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN)
