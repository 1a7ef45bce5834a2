"""The keeper of the pinned runs in the browser tab: a tiny Streamlit component over ``sessionStorage``.

A page reload starts a new Streamlit session, with empty session state; the tab's ``sessionStorage``
survives the reload, stays in the browser (nothing is sent anywhere) and is cleared with the tab.  The
pins are kept there as ``nn_core.pins.to_json`` text, under ``STORAGE_KEY``.

Mounted once per full run (``key="pin_store"``, hidden), with ``data`` from ``state.pins_to_store``:

* ``{"read": true}`` while the session has not had the stored pins: the JavaScript sends the stored text,
  if there is any, as the trigger ``stored``, which reruns the page once; ``state.take_stored_pins`` reads it
  as untrusted input (after it, the data is no longer ``read``, so nothing is sent again);
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
  else if (data && data.read) {
    const text = sessionStorage.getItem(key);
    if (text !== null) setTriggerValue("stored", text);
  }
}
""".replace("STORAGE_KEY", json.dumps(STORAGE_KEY))
PIN_STORE = st.components.v2.component("nnpg_pin_store", js=JS, css=".st-key-pin_store { display: none; }",
                                       isolate_styles=False)


def pin_store_ui():
    """Mount the keeper: read the tab's pins into a new session, or store the session's changed pins."""
    PIN_STORE(key=K.PIN_STORE, data=state.pins_to_store(), on_stored_change=_stored)


@guarded("the runs pinned in this tab")
def _stored():
    """The tab's stored pins arrived (any text a browser sent: ``take_stored_pins`` trusts none of it)."""
    state.take_stored_pins(st.session_state[K.PIN_STORE].stored)
