"""Real-browser tests: Chromium plays, pauses, hovers, edits a weight and adds a point in the live view."""

import os
import time

import pytest

from tests.browser import LIVE, ROOT, chromium, epoch_of, live_counters, live_point, open_playground, streamlit_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_and_url():
    with streamlit_server() as (url, _), chromium() as browser:
        yield browser, url


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def shown_params(page):
    return page.evaluate(f"() => Array.from(document.querySelector('{LIVE}').nnpg.shown.params)")


def play(page):
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=10_000)


def pause(page):
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=10_000)


def test_play_draws_many_epochs_pause_freezes_on_the_servers_network(browser_and_url):
    browser, url = browser_and_url
    page = open_playground(browser, url, 1600, 1000)
    assert epoch_of(page) == 0 and live_counters(page)["epoch"] == 0
    box = page.locator(LIVE).bounding_box()
    label = page.locator(LIVE).get_attribute("aria-label")
    assert page.locator(LIVE).get_attribute("role") == "img" and "epoch 0" in label
    play(page)
    assert wait_for(lambda: live_counters(page)["epochs"] >= 60, 15)  # 60 distinct epochs painted
    assert page.locator(LIVE).bounding_box() == box  # the same picture, the same size, playing
    start = live_counters(page)
    page.mouse.move(*live_point(page, ("link", 0)))  # hover a link while it plays: its value
    tip = page.locator(".nnpg-tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert tip.inner_text().startswith("w(x₁ → 1.1) = ")
    assert wait_for(lambda: "epoch" in page.locator(LIVE).get_attribute("aria-label")
                    and page.locator(LIVE).get_attribute("aria-label") != label)
    pause(page)
    time.sleep(0.5)
    frozen = live_counters(page)
    assert frozen["epochs"] > start["epochs"] and frozen["mounts"] == 1
    time.sleep(1.0)
    assert live_counters(page)["epoch"] == frozen["epoch"] == epoch_of(page)  # still, at the server's epoch
    assert live_counters(page)["batches"] == frozen["batches"]
    assert page.locator(LIVE).bounding_box() == box
    assert "paused at epoch" in page.locator(LIVE).get_attribute("aria-label")

    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=artifacts / "playground.png", full_page=True)
    if os.environ.get("NNPG_README_SCREENSHOT"):
        page.screenshot(path=ROOT / "assets" / "screenshot.png")
    page.close()


def test_a_weight_typed_in_while_paused_changes_the_servers_network(browser_and_url):
    browser, url = browser_and_url
    page = open_playground(browser, url, 1600, 1000)
    batches = live_counters(page)["batches"]
    before = shown_params(page)
    page.mouse.click(*live_point(page, ("link", 1)))
    editor = page.locator(".nnpg-edit")
    editor.wait_for(state="visible", timeout=5_000)
    editor.fill("1.5")
    editor.press("Enter")
    assert wait_for(lambda: live_counters(page)["batches"] > batches)  # the server's network comes back
    after = shown_params(page)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(changed) == 1 and after[changed[0]] == 1.5
    page.close()


def test_clicking_the_plane_in_your_data_mode_adds_a_point_while_playing(browser_and_url):
    browser, url = browser_and_url
    page = open_playground(browser, url, 1600, 1000)
    page.get_by_role("radio", name="Your data").click()
    page.wait_for_function(f"() => document.querySelector('{LIVE}').nnpg.scene.add_points")
    n_points = page.evaluate(f"() => document.querySelector('{LIVE}').nnpg.points.length / 3")
    play(page)
    page.mouse.click(*live_point(page, "plane"))
    page.wait_for_function(f"(n) => document.querySelector('{LIVE}').nnpg.points.length / 3 === n + 1",
                           arg=n_points, timeout=10_000)
    page.close()


PHONE = pytest.param(390, 844, marks=pytest.mark.xfail(strict=True, reason=(
    "on a phone the toolbar's ten columns stack above the picture: needs the toolbar split into a buttons "
    "row and a settings row (ui/controls.py)")))


@pytest.mark.parametrize("width, height", [(1280, 800), PHONE])
def test_output_and_network_are_above_the_fold_once_play_is_pressed(browser_and_url, width, height):
    browser, url = browser_and_url
    page = open_playground(browser, url, width, height)
    play(page)
    spots = page.evaluate(f"""() => {{
      const st = document.querySelector('{LIVE}').nnpg, r = st.canvas.getBoundingClientRect();
      const nodes = st.lay.nodes.flat(), P = st.lay.plane, s = st.lay.node;
      return {{plane: [r.top + P.y + P.size, r.left + P.x + P.size],
               network: [r.top + Math.max(...nodes.map((n) => n.y + s)),
                         r.left + Math.max(...nodes.map((n) => n.x + s))]}};
    }}""")
    for name, (bottom, right) in spots.items():
        assert bottom <= height and right <= width, name
    pause(page)
    page.close()
