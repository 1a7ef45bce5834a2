"""A click on the toolbar that the browser sends with the live fragment's rerun, not with a run of the page.

Seen in Chromium on a loaded machine: Pause clicked while the live picture's request for frames was queued
went to the server as that fragment's rerun, with the button's trigger, and no run of the page followed; the
picture stopped, the toolbar went on showing Pause, and Play never came back.  Here a websocket client
(``bench.load.Session``, Streamlit's own protocol) sends exactly that message to a real server.
"""

import asyncio

from bench.load import NEED, Session, WidgetState, trigger_state
from tests.servers import streamlit_server


async def click_in_fragment(session, key):
    """Send the click on button ``key`` with the live fragment's rerun (and its request for frames); wait for the
    run of the page that must follow."""
    session.full_run.clear()
    need = {"have": session.last_epoch, "stream": session.meta.get("stream"), "queued": 0, "fps": 60}
    await session.send_rerun(session.live_fragment, extra=[trigger_state(session.live_id, NEED, need),
                                                            WidgetState(id=session.buttons[key], trigger_value=True)])
    await asyncio.wait_for(session.full_run.wait(), 30)


def test_a_toolbar_click_sent_with_the_live_fragments_rerun_runs_the_whole_page():
    async def scenario(port):
        session = Session(port, "epochs=100000")
        await session.open()
        await session.play()
        await asyncio.sleep(1)  # playing: the live fragment reruns for its batches
        await click_in_fragment(session, "pause")
        assert session.play_label == "Play" and not session.meta.get("playing")
        epoch = session.last_epoch
        await click_in_fragment(session, "step")  # paused: Step trains one epoch and the page shows it
        assert session.play_label == "Play" and session.last_epoch == epoch + 1
        assert not session.error, session.error
        await session.close()

    with streamlit_server() as (url, _):
        asyncio.run(asyncio.wait_for(scenario(int(url.rsplit(":", 1)[1])), 120))
