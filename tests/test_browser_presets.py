"""In a real browser: every lesson and challenge picked in its panel trains without breaking the page, and a
reload of a tab with pinned runs keeps the setup (the URL is what the link said, also after a click)."""

from urllib.parse import parse_qs

import pytest
from playwright.sync_api import TimeoutError

from playground import params
from playground.challenges import CHALLENGES
from playground.lessons import LESSONS
from tests.browser import SETTLED, chromium, epoch_of, open_playground
from tests.servers import streamlit_server, wait_for

pytestmark = pytest.mark.browser
ALERTS = "[data-testid='stAlert']"  # the notices

SPIRAL = ("?dataset=spiral&features=x1,x2,x1_sq,sin_x1&hidden=8,6,3&learning_rate=0.1&activation=relu"
          "&batch_size=7&noise=0.2&n_samples=800&show_test=true&optimizer=adam&regularization=l2&reg_rate=0.003")


def url_config(page):
    """The configuration the address bar holds (``page.url`` lags behind the page's own history changes)."""
    query = {k: v[-1] for k, v in parse_qs(page.evaluate("location.search")[1:], keep_blank_values=True).items()}
    config, warnings = params.decode(query)
    assert not warnings, warnings
    return config


def broken(page):
    """The page's 'Something went wrong' (``controls.failed_ui``) is showing."""
    return page.get_by_role("button", name="Start again").count() > 0


def pick(page, key, option):
    """Pick ``option`` in selectbox ``key`` (a rerun that lands while the list is open closes it: open it again)."""
    for _ in range(5):
        page.locator(f".st-key-{key} input").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except TimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"{option!r} could not be picked in {key}")


def button(page, name):
    """The toolbar's button ``name`` (during a rerun Streamlit may briefly show the old one beside the new)."""
    return page.get_by_role("button", name=name, exact=True).first


def step(page):
    """Click Step once the paused page's run is over (a click on the old button of a page still being redrawn is
    lost: seen on a loaded machine, a Step clicked as Pause's run ended never reached the server)."""
    page.locator(SETTLED).wait_for(timeout=30_000)
    before = epoch_of(page)
    button(page, "Step").click()
    assert wait_for(lambda: epoch_of(page) > before, 30)


def plays_steps_and_pauses(page, kind, panel, name, title):
    """Pick preset ``name`` in its panel, play it, pause it, step it: the page stays whole and the URL is the
    preset's."""
    if not page.locator(f".st-key-{kind}_pick").count():
        page.get_by_text(panel, exact=True).click()
    pick(page, f"{kind}_pick", title)
    want = params.preset_config(kind, name)
    assert wait_for(lambda: url_config(page) == want, 30), url_config(page)
    button(page, "Play").click()
    button(page, "Pause").wait_for(timeout=30_000)
    assert wait_for(lambda: epoch_of(page) >= 3, 30)
    button(page, "Pause").click()
    button(page, "Play").wait_for(timeout=30_000)
    step(page)
    assert not broken(page)
    assert url_config(page) == want


def test_every_lesson_and_challenge_picked_in_its_panel_plays_steps_and_pauses():
    presets = [("lesson", "Lessons", n, LESSONS[n].title) for n in LESSONS]
    presets += [("challenge", "Challenges", n, CHALLENGES[n].title) for n in CHALLENGES]
    with streamlit_server() as (url, _), chromium() as browser:
        page = open_playground(browser, url, width=1280, height=800)
        for kind, panel, name, title in presets:
            try:
                plays_steps_and_pauses(page, kind, panel, name, title)
            except (AssertionError, TimeoutError) as e:  # what the page showed, for a failure's message
                raise AssertionError(f"{name}: {e}; epoch {epoch_of(page)}, toolbar "
                                     f"{page.locator('.st-key-toolbar button').all_inner_texts()}, notices "
                                     f"{page.locator(ALERTS).all_inner_texts()}") from e


def test_reloading_a_tab_with_pinned_runs_keeps_the_setup():
    want, _ = params.decode({k: v[-1] for k, v in parse_qs(SPIRAL[1:]).items()})
    with streamlit_server() as (url, _), chromium() as browser:
        page = open_playground(browser, url + "/" + SPIRAL, width=1280, height=800)
        step(page)
        page.get_by_text("Compare runs", exact=True).click()
        page.get_by_role("button", name="Pin this run").click()
        assert wait_for(lambda: page.evaluate("() => sessionStorage.getItem('nnpg.pins')") is not None, 30)
        for _ in range(10):
            page.reload()
            page.locator(".nnpg-live[data-frames]").wait_for(timeout=60_000)
            step(page)  # the click that used to send the widgets' defaults
            assert not broken(page)
            assert url_config(page) == want
        page.get_by_text("Compare runs", exact=True).click()
        page.get_by_text("Run 1: Spiral").wait_for(timeout=30_000)  # the pin came back each time
