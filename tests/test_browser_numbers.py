"""Real-browser tests of what goes with the live picture: its numbers, in step with the frame it draws; Save picture
and Record; presentation mode and its keys."""

import struct
import time

import pytest

from tests.browser import (
    AXE,
    LIVE,
    axe_violations,
    chromium,
    epoch_of,
    live_counters,
    open_playground,
    readout_of,
    wait_until_shown,
)
from tests.servers import streamlit_server, wait_for

pytestmark = pytest.mark.browser

# At each of ``frames`` animation frames: the texts shown beside the picture, and the frame the picture drew then
EVERY_FRAME = """async ([live, frames]) => {
  const st = document.querySelector(live).nnpg, seen = [];
  for (let k = 0; k < frames; k++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    seen.push({shown: [...st.root.querySelectorAll('.nnpg-readout dd')].map((d) => d.textContent),
               drawn: st.shown.texts, epoch: st.shown.stats.epoch});
  }
  return seen;
}"""


@pytest.fixture(scope="module")
def browser_and_url():
    with streamlit_server() as (url, _), chromium() as browser:
        yield browser, url


def test_the_numbers_are_those_of_the_frame_drawn_at_every_animation_frame(browser_and_url):
    browser, url = browser_and_url
    page = open_playground(browser, f"{url}/?epochs=100000", 1600, 1000)
    assert list(readout_of(page)) == ["Epoch", "Train loss", "Test loss", "Train accuracy", "Test accuracy"]
    assert page.locator(f"{LIVE} [aria-live]").count() == 0  # only the status line speaks, politely
    page.get_by_role("button", name="Play", exact=True).click()
    assert wait_for(lambda: live_counters(page)["epochs"] >= 20, 15)
    seen = page.evaluate(EVERY_FRAME, [LIVE, 120])
    for frame in seen:
        assert frame["shown"] == frame["drawn"]  # the texts the server made for the snapshot drawn
        assert int(frame["shown"][0].replace(",", "")) == int(frame["epoch"])
    assert len({frame["epoch"] for frame in seen}) >= 60  # a new epoch, and its numbers, most frames

    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=10_000)
    time.sleep(1.0)
    paused = readout_of(page)
    assert epoch_of(page) == live_counters(page)["epoch"]  # picture and numbers: the server's network
    status = page.locator(f"{LIVE} [role=status]").inner_text()
    assert status == f"Paused. Epoch {paused['Epoch']}, Train loss {paused['Train loss']}, " \
                     f"Test loss {paused['Test loss']}, Train accuracy {paused['Train accuracy']}, " \
                     f"Test accuracy {paused['Test accuracy']}."
    page.close()


def test_save_picture_gives_a_png_at_twice_the_resolution_and_record_a_webm_clip(browser_and_url, tmp_path):
    browser, url = browser_and_url
    page = open_playground(browser, f"{url}/?epochs=100000", 1280, 1000)
    width, height = page.evaluate(f"() => {{ const c = document.querySelector('{LIVE} canvas');"
                                  " return [c.clientWidth, c.clientHeight]; }")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Save picture").click()
    png = (tmp_path / "picture.png")
    saved.value.save_as(png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    size = struct.unpack(">II", data[16:24])  # the IHDR chunk: width, height
    assert size == (2 * width, 2 * (height + 16))  # twice the picture, and the strip with the link under it

    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Record").click()
    time.sleep(1.5)
    with page.expect_download() as recorded:
        page.get_by_role("button", name="Stop recording").click()
    clip = tmp_path / "clip.webm"
    recorded.value.save_as(clip)
    assert recorded.value.suggested_filename.endswith(".webm")
    assert clip.stat().st_size > 1000 and clip.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # WebM's EBML header
    page.get_by_role("button", name="Pause", exact=True).click()
    page.close()


def test_presentation_mode_shows_the_picture_alone_and_its_keys_press_the_toolbar(browser_and_url):
    browser, url = browser_and_url
    page = open_playground(browser, f"{url}/?epochs=100000", 1600, 1000)
    page.get_by_role("button", name="Presentation mode").click()
    page.wait_for_url("**present=true**", timeout=10_000)
    page.get_by_text("Learning rate").wait_for(state="detached", timeout=10_000)  # the controls leave the page
    page.reload()  # the link keeps the mode
    wait_until_shown(page)
    assert page.get_by_role("button", name="Presentation mode").get_attribute("aria-pressed") == "true"
    assert page.get_by_text("Learning rate").count() == 0
    zoom, width = page.evaluate(f"() => {{ const st = document.querySelector('{LIVE}').nnpg;"
                                " return [st.zoom, st.canvas.clientWidth]; }")
    assert zoom > 1 and width > 1400  # full width, drawn larger

    page.keyboard.press("?")
    keys = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert keys.is_visible() and "Space" in keys.inner_text()
    page.keyboard.press("Escape")
    assert not keys.is_visible()
    page.locator(f"{LIVE} canvas").focus()
    page.keyboard.press("s")
    assert wait_for(lambda: epoch_of(page) == 1, 10)
    page.keyboard.press(" ")
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=10_000)
    assert wait_for(lambda: epoch_of(page) > 20, 15)
    page.locator(f"{LIVE} canvas").focus()
    page.keyboard.press(" ")
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=10_000)
    stop_at = page.get_by_role("spinbutton", name="Stop at")
    stop_at.click()
    epoch = epoch_of(page)
    page.keyboard.type("rs ")  # typing in a field: no shortcut
    time.sleep(1.5)
    assert epoch_of(page) == epoch and page.get_by_role("button", name="Play", exact=True).is_visible()
    page.locator(f"{LIVE} canvas").focus()
    page.keyboard.press("r")
    assert wait_for(lambda: epoch_of(page) == 0, 10)
    if AXE.exists():
        assert axe_violations(page) == []
    page.close()
