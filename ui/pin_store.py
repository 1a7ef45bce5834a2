"""The keeper of what the browser holds for the app: a tiny Streamlit component over the tab's ``sessionStorage``
(the pinned runs) and the browser's ``localStorage`` (a student's seat in each class they joined).

A page reload starts a new Streamlit session, with empty session state; the tab's ``sessionStorage``
survives the reload, stays in the browser (nothing is sent anywhere) and is cleared with the tab.  The
pins are kept there as ``playground.pins.to_json`` text, under ``STORAGE_KEY``.

Mounted once per full run, first on the page (the first component to mount loads Streamlit's component
code, so the live picture below it does not wait for that: bench/README.md), with ``data`` from
``state.pins_to_store``:

* ``{"read": true, "after": selector}`` while the session has not had the stored pins: once the run has
  drawn the page's last element (``selector``, the page mark: ``controls.page_mark_ui``), the JavaScript
  sends the stored text, if there is any, as the trigger ``stored``, which reruns the page once;
  ``state.take_stored_pins`` reads it as untrusted input (after it, the data is no longer ``read``, so
  nothing is sent again).  Waiting for the whole page means the trigger never cuts the first run short;
* ``{"write": text}`` on the run after the pins changed: the JavaScript stores the text;
* ``None``: nothing to do (the JavaScript does nothing).

A run pinned before the stored text arrived (in the first moment of a reload) wins: the stored pins are
then ignored, and replaced at the write.

A student's seat in a class (``classroom/codes.py``) is kept under ``SEAT_KEY + code``, shared by the tabs
of one browser, so that the join link opened again in a new tab rejoins it.  Beside the pins' keys, ``data``
has ``"seat"`` from ``state.seat_to_keep``: ``{"code", "read": true}`` while the join form waits (the seat
kept, if any, is sent as the trigger ``seat``, once the page is drawn, and ``state.take_kept_seat`` reads it
as untrusted input), ``{"code", "write": seat}`` once the student is in the class.  The seat is a secret: it
travels only in this component's data and trigger, never in the page's HTML, and nothing logs it.
"""

from __future__ import annotations

import json

import streamlit as st

from . import class_page, state
from .guard import guarded
from .state import K

STORAGE_KEY = "nnpg.pins"
SEAT_KEY = "nnpg.seat."  # + a class's code
JS = """
export default function ({ data, setTriggerValue }) {
  if (!data) return;
  const key = STORAGE_KEY, seat = data.seat, seatKey = seat && SEAT_KEY + seat.code;
  if (typeof data.write === "string") sessionStorage.setItem(key, data.write);
  if (seat && typeof seat.write === "string") localStorage.setItem(seatKey, seat.write);
  const kept = [];  // the triggers to send: [name, stored text]
  if (data.read && sessionStorage.getItem(key) !== null) kept.push(["stored", sessionStorage.getItem(key)]);
  if (seat && seat.read && localStorage.getItem(seatKey) !== null) kept.push(["seat", localStorage.getItem(seatKey)]);
  if (!kept.length) return;
  let frame = 0;  // what is kept reruns the page: send it once the run has drawn its last element
  const send = () => {
    if (document.querySelector(data.after)) kept.forEach(([name, text]) => setTriggerValue(name, text));
    else frame = requestAnimationFrame(send);
  };
  send();
  return () => cancelAnimationFrame(frame);
}
""".replace("STORAGE_KEY", json.dumps(STORAGE_KEY)).replace("SEAT_KEY", json.dumps(SEAT_KEY))
PIN_STORE = st.components.v2.component("nnpg_pin_store", js=JS, css=".st-key-pin_store { display: none; }",
                                       isolate_styles=False)


def pin_store_ui():
    """Mount the keeper: read the tab's pins into a new session, or store the session's changed pins; read or
    keep a student's seat."""
    data, seat = state.pins_to_store() or {}, state.seat_to_keep()
    if seat:
        data = {**data, "seat": seat}
    if data.get("read") or (seat or {}).get("read"):
        data = {**data, "after": f".st-key-{K.PAGE_MARK_BOX}"}
    PIN_STORE(key=K.PIN_STORE, data=data or None, on_stored_change=_stored, on_seat_change=_seat)


@guarded("the runs pinned in this tab")
def _stored():
    """The tab's stored pins arrived (any text a browser sent: ``take_stored_pins`` trusts none of it)."""
    state.take_stored_pins(st.session_state[K.PIN_STORE].stored)


@guarded("your place in the class")
def _seat():
    """The seat the browser keeps for this class arrived (any value a browser sent: ``take_kept_seat`` trusts
    none of it)."""
    state.take_kept_seat(class_page.class_store, st.session_state[K.PIN_STORE].seat)
