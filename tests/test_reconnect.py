"""A new session can tell a reconnect whose session was lost from a first load (headers measured in Chromium)."""

from ui.reconnect import lost_session

XSRF = "2|4f34d8e7|1b7977f08b3b38744e82b600693ff633|1796115397"


def test_a_reconnect_names_its_previous_session_and_a_first_load_does_not():
    assert lost_session({"Sec-WebSocket-Protocol": f"streamlit, {XSRF}, 2c2b8251-93ad-49e9-a4b6-4a24d1e33661"})
    assert not lost_session({"Sec-WebSocket-Protocol": f"streamlit, {XSRF}"})  # first load, or a reload
    assert not lost_session({"Sec-WebSocket-Protocol": f"streamlit, {XSRF}, "})
    assert not lost_session({})  # AppTest and other clients send no such header
