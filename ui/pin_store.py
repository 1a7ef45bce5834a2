"""The keeper of the pinned runs in the browser tab: a tiny Streamlit component over ``sessionStorage``.

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
"""

from __future__ import annotations

import json

import streamlit as st

from . import state
from .guard import guarded
from .state import K

STORAGE_KEY = "nnpg.pins"
JS = """
export default function ({ data, setTriggerValue }) {
  const key = STORAGE_KEY;
  if (data && typeof data.write === "string") sessionStorage.setItem(key, data.write);
  if (!data || !data.read || sessionStorage.getItem(key) === null) return;
  let frame = 0;  // the stored pins rerun the page: send them once the run has drawn its last element
  const send = () => {
    if (document.querySelector(data.after)) setTriggerValue("stored", sessionStorage.getItem(key));
    else frame = requestAnimationFrame(send);
  };
  send();
  return () => cancelAnimationFrame(frame);
}
""".replace("STORAGE_KEY", json.dumps(STORAGE_KEY))
PIN_STORE = st.components.v2.component("nnpg_pin_store", js=JS, css=".st-key-pin_store { display: none; }",
                                       isolate_styles=False)


def pin_store_ui():
    """Mount the keeper: read the tab's pins into a new session, or store the session's changed pins."""
    data = state.pins_to_store()
    if data and data.get("read"):
        data = {**data, "after": f".st-key-{K.PAGE_MARK_BOX}"}
    PIN_STORE(key=K.PIN_STORE, data=data, on_stored_change=_stored)


@guarded("the runs pinned in this tab")
def _stored():
    """The tab's stored pins arrived (any text a browser sent: ``take_stored_pins`` trusts none of it)."""
    state.take_stored_pins(st.session_state[K.PIN_STORE].stored)
