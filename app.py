"""Neural Network Playground: watch a from-scratch NumPy network learn.

Run with ``streamlit run app.py``.  Layout, left to right as the data flows:
data -> features and hidden layers -> output.
"""

import os
from pathlib import Path

# One BLAS thread, set before NumPy loads: at the playground's matrix sizes more threads only contend
# (measured on 2 cores: the 96x96 picture of a 6x8 network took 48 ms with OpenBLAS's 2 threads, 2.4 ms with 1).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import streamlit as st  # noqa: E402

from ui import controls, live, memory, panels, state  # noqa: E402
from ui.text import plain  # noqa: E402

LOGO = str(Path(__file__).parent / "assets" / "logo.png")

st.set_page_config(page_title="Neural Network Playground", page_icon=LOGO, layout="wide")
memory.start_memory_sweeper()
state.init_session()

logo, title = st.columns([0.05, 0.95], vertical_alignment="center")
logo.image(LOGO, width=52)
title.markdown("## Neural Network Playground\nA neural network written from scratch in NumPy. "
               "Pick data, shape the network, press **Play**.")

panels.lesson_text(st.session_state[state.K.EXP])
controls.toolbar_ui()
notices = st.container()
metrics = st.columns(5)  # made once: a live tick then sends only the five numbers
status = st.container()
data_col, net_col, out_col = st.columns([1, 2.4, 1.6], gap="medium")
with data_col:
    controls.data_ui()
with net_col:
    controls.network_ui()
    network_slot = st.container(key="network_slot")
with out_col:
    st.subheader("Output", divider="gray")
    boundary_slot = st.container(key="boundary_slot")
    controls.output_ui()
    loss_slot = st.container(key="loss_slot")

state.apply_config(controls.read_config())
for kind, text in state.take_notices():  # plain text: a notice may quote a link's value or a file's name
    getattr(notices, kind)(plain(text))
if state.divergence_help():
    status.error(state.divergence_help(), icon=":material/warning:")
panels.panels_ui(st.session_state[state.K.EXP])
live.live_ui({"metrics": metrics, "network": network_slot, "boundary": boundary_slot,
              "loss": loss_slot})  # last: while playing, it keeps this run going a little
