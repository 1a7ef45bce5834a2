"""What only a real browser shows: widgets whose picks outlive the network, and text that a link injects."""

import time

import pytest

from tests.browser import chromium
from tests.servers import streamlit_server, wait_for

pytestmark = pytest.mark.browser


def pick(page, key, option):
    """Pick ``option`` in the select box keyed ``key``, scrolled into view first (as a user scrolls, then clicks:
    a click that scrolls the page itself can land while the page still moves, and the list stays shut)."""
    page.locator(f".st-key-{key} input").scroll_into_view_if_needed()
    page.locator(f".st-key-{key} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def neuron_shown(page):
    """What Inside a neuron says it shows: the layer, the neuron, and the activation its formulas use."""
    return (page.locator(".st-key-neuron_layer input").input_value(),
            page.locator(".st-key-neuron_unit input").input_value(),
            page.get_by_text("Activation:").first.inner_text())


def test_inside_a_neuron_follows_the_network_and_links_cannot_inject_markup():
    with streamlit_server() as (url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url + "/?dataset=spiral&hidden=8,8")
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        page.get_by_text("Inside a neuron").click()
        pick(page, "neuron_layer", "hidden layer 2")
        assert wait_for(lambda: neuron_shown(page)[0] == "hidden layer 2")
        pick(page, "neuron_unit", "2.8")
        assert wait_for(lambda: neuron_shown(page)[1] == "2.8")
        page.locator(".st-key-remove_layer button").first.click()  # the network becomes 2-8-1
        assert wait_for(lambda: neuron_shown(page)[:2] == ("output", "output"))
        assert "Activation: Sigmoid" in neuron_shown(page)[2]  # label, neuron and formulas agree
        page.get_by_role("button", name="Step", exact=True).click()
        time.sleep(1.5)
        assert neuron_shown(page)[:2] == ("output", "output") and "Activation: Sigmoid" in neuron_shown(page)[2]

        evil = ("?dataset=[Your session expired: click here](https://evil.example/login)"
                "&lesson=![x](https://evil.example/track.png)&activation=:red[danger] $x^2$ **bold**")
        page.goto(url + "/" + evil)
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        alerts = page.locator('[data-testid="stAlert"]')
        alerts.first.wait_for()
        text = " ".join(alerts.all_inner_texts())
        # shown as typed, shortened to 40 characters (nn_core.text.shown)
        assert "'[Your session expired: click here](http…'" in text
        assert ":red[danger] $x^2$ **bold**" in text
        for markup in ("a[href*='evil']", "img[src*='evil']", ".katex", "strong", "span[style*='color']"):
            assert alerts.locator(markup).count() == 0, markup
