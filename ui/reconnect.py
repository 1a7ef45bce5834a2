"""Tell a user whose session was lost that the page started afresh.

Streamlit resumes a session only in the process that holds it, and only for
``server.disconnectedSessionTTL`` seconds.  When the process was restarted or
killed (behind nginx the browser then reaches another process), or the tab
was away longer, the browser's reconnect opens a *new* session, which looks
like a fresh page load.  The frontend names its previous session in the
websocket's ``Sec-WebSocket-Protocol`` header ("streamlit, <xsrf token>,
<previous session id>", as Streamlit 1.67's frontend sends it), which a first load
or a reload leaves out, so a new session can tell the two apart.
"""

from __future__ import annotations

LOST_SESSION = ("The connection to the server was lost and your session could not be resumed, so the playground "
                "started again from your link's settings. Training and your own points were not kept.")


def lost_session(headers):
    """Whether the websocket ``headers`` of a new session come from a browser that had another session."""
    entries = [e.strip() for e in (headers.get("Sec-WebSocket-Protocol") or "").split(",")]
    return len(entries) >= 3 and bool(entries[2])
