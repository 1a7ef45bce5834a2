"""The live view's Streamlit component: one canvas drawn in the browser from snapshot batches.

Contract (``bench/`` and the tests rely on it; the byte layout is ``nn_core/snapshots.py``):

* Registered once as ``st.components.v2.component("nnpg_live", ...)``; its JavaScript and CSS are the
  files in ``ui/live_view/`` (plain ES modules: ``batch.js`` decodes a batch, ``forward.js`` evaluates the
  network over the plane, ``draw.js`` paints, ``main.js`` plays), read from disk and passed inline: no
  CDN, no build step.  Bundling only removes the sibling ``import`` lines and the ``export`` keywords of
  the helper modules, so each file also loads on its own (the Chromium test imports ``forward.js``).
* Mounted once per run of the live fragment, with ``key="live"``; ``data`` is one batch (bytes).
* Triggers it sets (each reruns only the live fragment):
  ``need``: ``{"have": last epoch queued, "stream": stream id held, "queued": snapshots queued,
  "fps": frames drawn per second, "data_id": id of the points held}``, when its queue runs low while playing;
  ``edit``: ``{"index": position in Network.params, "value": number}``, a weight or bias typed in while paused;
  ``add_point``: ``{"x1": ..., "x2": ...}``, a click on the output plane when ``meta["add_points"]``.
* Page counters, on the root element ``.nnpg-live`` (``dataset``, strings): ``frames`` (pictures
  painted), ``epochs`` (distinct epochs painted), ``epoch`` (the one on screen), ``snapshots`` and
  ``batches`` (received), ``mounts`` (also ``window.__nnpg.mounts``: more than 1 means a remount).  The
  element's ``nnpg`` property holds its state; ``nnpg.shown.params`` is the network on screen.

Measured cost: Streamlit 1.67 puts the component's JavaScript (about 30 kB) in every mount's message, so
at 6-7 batches a second it is most of the ~210-240 kB/s a playing session receives; the batches
themselves are a few kB.  Websocket compression, fewer larger batches, or a loader that receives the
code once would remove it.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).parent / "live_view"
MODULES = ("batch.js", "forward.js", "draw.js", "main.js")  # dependencies first; main.js has the default export
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./[a-z_]+\.js";\n', re.M)


def bundle():
    """The component's JavaScript: the modules in order, as one module with main.js's default export."""
    parts = []
    for name in MODULES:
        text = _IMPORT.sub("", (ASSETS / name).read_text())
        if name != MODULES[-1]:
            text = re.sub(r"^export (const|function|default)", r"\1", text, flags=re.M)
        parts.append(f"// --- {name}\n{text}")
    return "\n".join(parts)


LIVE_VIEW = st.components.v2.component("nnpg_live", js=bundle(), css=(ASSETS / "live.css").read_text(),
                                       isolate_styles=False)


def live_view(batch, on_need=None, on_edit=None, on_add_point=None):
    """Mount the live view with one batch (bytes); returns the component's result (its trigger values)."""
    return LIVE_VIEW(key="live", data=batch, on_need_change=on_need or _ignore, on_edit_change=on_edit or _ignore,
                     on_add_point_change=on_add_point or _ignore)


def _ignore():
    """A callback that does nothing: a trigger is only reported when it has a callback."""
