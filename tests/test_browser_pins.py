"""Pinned runs survive a reload of the tab (sessionStorage), without a rerun loop; a corrupt or hostile stored
value gives a plain notice."""

import json
import time

import pytest

from tests.browser import chromium, epoch_of, open_playground
from tests.servers import streamlit_server, wait_for
from ui.pin_store import STORAGE_KEY

pytestmark = pytest.mark.browser


def open_compare(page):
    page.get_by_text("Compare runs", exact=True).click()
    page.get_by_role("button", name="Pin this run").wait_for(timeout=30_000)


def summaries(page):
    return page.get_by_text("Run ", exact=False).filter(has_text=": Circle").all_inner_texts()


def stored(page):
    return page.evaluate(f"() => sessionStorage.getItem({json.dumps(STORAGE_KEY)})")


def sent_while_idle(sent, seconds=3.0):
    """Messages the page sent the server during ``seconds`` of nothing done: each would be a rerun."""
    before = sent[0]
    time.sleep(seconds)
    return sent[0] - before


def test_pins_survive_a_reload_and_a_bad_stored_value_gives_a_notice(tmp_path):
    with streamlit_server() as (url, _), chromium() as browser:
        page = open_playground(browser, url, width=1280, height=800)
        sent = [0]
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.__setitem__(0, sent[0] + 1)))
        page.get_by_role("button", name="Step", exact=True).click()
        assert wait_for(lambda: epoch_of(page) == 1, 30)
        open_compare(page)
        page.get_by_role("button", name="Pin this run").click()
        assert wait_for(lambda: len(summaries(page)) == 1, 30)
        assert wait_for(lambda: stored(page) is not None)
        assert [p["name"] for p in json.loads(stored(page))["pins"]] == ["Run 1"]

        page.reload()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        open_compare(page)
        assert wait_for(lambda: len(summaries(page)) == 1, 30)
        assert summaries(page)[0].startswith("Run 1: Circle, 4-2, Tanh, SGD, rate 0.03. Epoch 1: test loss ")
        assert sent_while_idle(sent) == 0  # the keeper reran the page once, then nothing more
        page.get_by_text("Run 1: Circle").scroll_into_view_if_needed()
        page.screenshot(path=tmp_path / "pins_after_reload.png")
        page.get_by_role("button", name="Step", exact=True).click()
        assert wait_for(lambda: epoch_of(page) == 1, 30)
        page.get_by_role("button", name="Pin this run").click()  # numbering goes on after the reload
        assert wait_for(lambda: len(json.loads(stored(page))["pins"]) == 2, 30)
        assert [p["name"] for p in json.loads(stored(page))["pins"]] == ["Run 1", "Run 2"]
        page.get_by_role("button", name="Restore").first.click()
        page.get_by_text("Run 1's setup is back").wait_for(timeout=30_000)

        doc = json.loads(stored(page))
        doc["pins"].append(json.loads(json.dumps(doc["pins"][1])) | {"name": "Run 3"})  # valid: listed
        doc["pins"][0]["name"] = "<a href='https://evil.example'>[x](https://evil.example)</a>"  # dropped
        doc["pins"][1]["numbers"]["test_loss"] = "**bold**"  # dropped too
        page.evaluate("([k, v]) => sessionStorage.setItem(k, v)", [STORAGE_KEY, json.dumps(doc)])
        page.reload()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="Pinned run 1 was dropped")
        alert.wait_for(timeout=30_000)
        texts = page.locator('[data-testid="stAlert"]').all_inner_texts()
        assert "Pinned run 2 was dropped: its test_loss must be a finite number or null; got '**bold**'." in texts
        open_compare(page)
        assert wait_for(lambda: [s.split(":")[0] for s in summaries(page)] == ["Run 3"], 30)
        assert page.locator("a[href*='evil'], strong:has-text('bold')").count() == 0
        assert [p["name"] for p in json.loads(stored(page))["pins"]] == ["Run 3"]

        page.evaluate("([k]) => sessionStorage.setItem(k, '{not json')", [STORAGE_KEY])
        page.reload()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        page.locator('[data-testid="stAlert"]').filter(has_text="could not be read back").wait_for(timeout=30_000)
        assert sent_while_idle(sent) == 0
        assert json.loads(stored(page))["pins"] == []  # cleaned: the next reload is quiet
        page.reload()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
        time.sleep(2)
        assert page.locator('[data-testid="stAlert"]').filter(has_text="could not be read back").count() == 0
