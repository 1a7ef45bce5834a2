"""Neural Network Playground: watch a from-scratch NumPy network learn.

Run with ``streamlit run app.py``.  Layout, left to right as the data flows:
data -> features and hidden layers -> output.
"""

import os
from pathlib import Path

# One BLAS thread, set before NumPy loads: at the playground's matrix sizes more threads only contend
# (a picture takes many times longer with two; bench/README.md has the figures).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import streamlit as st  # noqa: E402

from ui import capacity, class_page, controls, guard, live, memory, panels, pin_store, sockets, state  # noqa: E402
from ui.text import plain  # noqa: E402

LOGO = str(Path(__file__).parent / "assets" / "logo.png")

st.set_page_config(page_title="Neural Network Playground", page_icon=LOGO, layout="wide")
memory.start_memory_sweeper()
sockets.send_without_delay()
guard.harden_plotly_selections()
if not capacity.admit():  # a full server: a plain page, nothing built for this session
    capacity.full_page()
    st.stop()


def playground():
    """The page: title, toolbar, the live picture and the controls, the panels."""
    state.init_session()
    state.drawing_page()
    pin_store.pin_store_ui()  # the browser keeps the pins and class seats (first: see ui/pin_store.py)

    # Compact page furniture, so that the toolbar, the numbers and the live picture fit a 1280x800 screen.
    st.html("<style>.stMainBlockContainer { padding-top: 2.2rem; } [data-testid='stButtonGroup'] > div "
            "{ flex-wrap: wrap; row-gap: 0.25rem; } "  # the feature chips wrap instead of scrolling out of sight
            "@media (max-width: 640px) { .stMainBlockContainer { padding-top: 1rem; } "
            ".st-key-title p, .st-key-title [data-testid='stImage'] { display: none; } }</style>")
    present = st.session_state[state.K.CONFIG]["present"]  # presentation mode: the toolbar and the picture alone
    class_page.class_banner()  # a class's link: its join form, or its banner
    if not present:
        logo, title = st.container(key="title").columns([0.04, 0.96], vertical_alignment="center")
        logo.image(LOGO, width=40, alt="Neural Network Playground logo")
        title.markdown("#### Neural Network Playground\nA neural network written from scratch in NumPy. "
                       "Pick data, shape the network, press **Play**.")
        panels.lesson_text(st.session_state[state.K.EXP])
    controls.toolbar_ui()
    notices = st.container()
    live_col, controls_col = (st.container(), None) if present else st.columns([3.2, 1], gap="medium")
    with live_col:  # first: the browser starts loading the live picture while the controls are built
        live.live_ui()
    if controls_col is not None:
        with controls_col:  # the controls, right of the picture (under it on a phone: the picture comes first)
            controls.data_ui()
            controls.training_ui()
            controls.network_ui()
            controls.output_ui()

    for kind, text in state.take_notices():  # plain text: a notice may quote a link's value or a file's name
        getattr(notices, kind)(plain(text))
    if state.divergence_help():
        notices.error(state.divergence_help(), icon=":material/warning:")
    if not present:
        with live_col:  # the panels under the picture, beside the controls
            panels.panels_ui(st.session_state[state.K.EXP])
    controls.page_mark_ui()  # last


try:
    if class_page.is_dashboard():  # a teacher's link: the class's dashboard instead of the playground
        class_page.dashboard_page()
    else:
        playground()
except Exception:  # anything unexpected: a short message and a way back, never a traceback
    controls.failed_ui("the page", "start_again")
