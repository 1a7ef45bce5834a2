"""The live view's Streamlit component: one canvas drawn in the browser from snapshot batches.

Contract (``bench/`` and the tests rely on it; a batch's byte layout and meta are ``playground/batch.py``):

* Registered once as ``st.components.v2.component("nnpg_live", ...)``.  Its JavaScript is the plain ES
  modules in ``static/live_view/`` (``batch.js`` decodes a batch, ``forward.js`` evaluates the network
  over the plane, ``draw.js`` paints, ``main.js`` plays), served once per page by Streamlit itself
  (``server.enableStaticServing``, ``/app/static/``): no CDN, no build step.  The component's own
  JavaScript is ``LOADER``, a few lines that import ``main.js`` (asking for every module of the folder at
  once, so the browser fetches them side by side): Streamlit sends a component's inline code with every
  mount, so inline code would travel with every batch (bench/README.md).
* Mounted once per run of the live fragment, with ``key="live"``; ``data`` is one batch (bytes).  *Step back
  in time* mounts its own instance (``key="history_live"``, below the live one on the page) with a paused batch
  whose ``meta["interactive"]`` is false: it sets no trigger.
* Triggers it sets (each reruns only the live fragment):
  ``need``: ``{"have": last epoch queued, "stream": stream id held, "queued": snapshots it will still hold
  when the answer is due, "fps": the display's frames per second (at most 60), "data_id": id of the points
  held}``, while playing, once its queue would not last until an answer can be there (main.js's pace);
  ``edit``: ``{"index": position in Network.params, "value": number}``, a weight or bias typed in while paused;
  ``add_point``: ``{"x1": ..., "x2": ...}``, a click on the output plane when ``meta["add_points"]``;
  ``toggle_neuron``: ``{"layer": hidden layer from 1, "unit": neuron from 1}``, a click on a hidden neuron
  (playing or paused), which switches it off or back on (``meta["off"]`` lists those off);
  ``reshape``: ``{"features": [names]}`` or ``{"hidden": [neurons per layer]}``, the whole new value set by the
  picture's own controls (``meta["edits"]`` names those it offers): an input node, ``+``/``-`` of the layers
  and of a layer's neurons;
  ``present``: ``true`` or ``false``, its *Presentation mode* button (``meta["present"]`` says which is on).
* Above the picture: the numbers of the frame drawn (``stats.js``, the batch's ``readout``), and in an
  interactive scene the buttons *Save picture*, *Record* and *Presentation mode* (``capture.js``); in
  presentation mode Space, S and R press the toolbar's Play/Pause, Step and Reset, and ? lists the keys.
* Page counters, on the root element ``.nnpg-live`` (``dataset``, strings; the live one is the first on the
  page, ``.st-key-live .nnpg-live``): ``frames`` (pictures painted), ``epochs`` (distinct epochs painted),
  ``epoch`` (the one on screen), ``snapshots`` and ``batches`` (received), ``mounts`` (also
  ``window.__nnpg.mounts``, which counts every instance: more than 1 means a remount, or *Step back in
  time*'s instance).  The element's ``nnpg`` property holds its state; ``nnpg.shown.params`` is the network
  on screen, ``nnpg.lay`` the layout (``node``: thumbnail size in px, ``nodes``, ``labelBoxes`` and
  ``labelsFit``: labels drawn only when no box overlaps), ``nnpg.res`` the lattice's points a side
  (``main.js``'s ``resolution``).
* The canvas is the picture for assistive technology: ``role="img"`` and an ``aria-label`` that follows
  training (network, epoch, losses, accuracies).

"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from .state import K

ASSETS = Path(__file__).resolve().parent.parent / "static" / "live_view"
# main.js first; the loader asks for every module at once, not main.js, then what it imports, then theirs
MODULES = ["main.js", *sorted(p.name for p in [*ASSETS.glob("*.js"), *ASSETS.glob("*.json")] if p.name != "main.js")]
LOADER = """
// The live view's code is served by Streamlit (static/live_view/); only this loader travels with a batch.
const base = new URL("app/static/live_view/", document.baseURI);
const [main] = MODULES.map((name) => import(new URL(name, base).href,
                                            name.endsWith(".json") ? {with: {type: "json"}} : undefined));
export default function (component) {
  let cleanup = null, gone = false;
  main.then((m) => { if (!gone) cleanup = m.default(component); });
  return () => { gone = true; if (typeof cleanup === "function") cleanup(); };
}
""".replace("MODULES", json.dumps(MODULES, separators=(",", ":")))
LIVE_VIEW = st.components.v2.component("nnpg_live", js=LOADER, css=(ASSETS / "live.css").read_text(),
                                       isolate_styles=False)


def live_view(batch, on_need=None, on_edit=None, on_add_point=None, on_toggle_neuron=None, on_reshape=None,
              on_present=None, key=K.LIVE):
    """Mount the live view with one batch (bytes); returns the component's result (its trigger values)."""
    return LIVE_VIEW(key=key, data=batch, on_need_change=on_need or _ignore, on_edit_change=on_edit or _ignore,
                     on_add_point_change=on_add_point or _ignore,
                     on_toggle_neuron_change=on_toggle_neuron or _ignore, on_reshape_change=on_reshape or _ignore,
                     on_present_change=on_present or _ignore)


def _ignore():
    """A callback that does nothing: a trigger is only reported when it has a callback."""
