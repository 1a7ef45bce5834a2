"""A class in the playground: the student's banner and join form, the Class panel, the teacher's dashboard.

Three ways in, all by link (``state.CLASS_KEYS``):

* the playground with no class key: the *Class* panel starts a class from the setup on screen and gives the
  join link (``?join=CODE``) and the teacher's private link (``?teach=CODE&key=KEY``);
* ``?join=CODE``: the playground with a join form (a nickname); joined, a banner names the class and offers
  what the teacher shows, and every ``state.CLASS_TICK_SECONDS`` what the student did is written to the class
  (``state.class_tick``): by the banner's own timer while paused, and by the live fragment's runs while
  playing (``follow_class``), which run anyway, rather than by one more fragment run every tick;
* ``?teach=CODE&key=KEY``: the teacher's dashboard instead of the playground, refreshed every
  ``DASHBOARD_SECONDS``.

The database is opened the first time a class is used (``class_store``), never for a plain playground.  When
it cannot be reached the playground goes on alone: the banner or the dashboard says so and tries again.
Students' text (nicknames, run names) is shown only by ``st.dataframe``, ``st.selectbox`` options, or escaped
by ``plain``: never as Markdown or HTML.
"""

from __future__ import annotations

import functools
import logging
import time
import urllib.parse

import numpy as np
import pandas as pd
import streamlit as st

from classroom import store
from classroom.store import ClassError, NotFound
from playground.challenges import CHALLENGES
from playground.pins import PICTURE

from . import state
from .guard import guarded
from .pictures import png_url
from .state import K
from .text import plain

DASHBOARD_SECONDS = 1.5  # the teacher's dashboard is redrawn this often
IDLE_SECONDS = 10  # a student unseen this long is shown as away


@st.cache_resource(show_spinner=False)
def class_store():
    """The process's class store (``classroom.store``), opened at its first use; raises ``ClassError`` when
    the database cannot be reached (nothing is cached then: the next call tries again)."""
    return store.open_store()


def _store_or_none():
    try:
        return class_store()
    except ClassError:
        return None


def _address():
    """The app's address in the browser, without its query (links are built on it)."""
    address = (st.context.url or "").split("?")[0]
    return address if not address or urllib.parse.urlsplit(address).path else address + "/"


def join_link(code):
    return f"{_address()}?{urllib.parse.urlencode({'join': code})}"


def teacher_link(code, key):
    return f"{_address()}?{urllib.parse.urlencode({'teach': code, 'key': key})}"


# -- the student --

def class_banner():
    """Above the playground of a class's link: the join form, or the class's banner once joined."""
    c = st.session_state.get(K.CLASS)
    if not c:
        return
    if c["nickname"] is None and not (_store_or_none() and state.rejoin_class(class_store())):
        _join_form(c["code"])
    elif st.session_state[K.PLAYING]:
        banner_ui()
    else:
        _ticking_banner()


def _join_form(code):
    """The class's title and a nickname box: Join loads the class's setup."""
    with st.container(border=True, key="class_join"):
        db = _store_or_none()
        try:
            if db is None:
                raise store.Unreachable()
            title = db.class_of(code)["title"]
        except ClassError as e:
            st.warning(plain(str(e)) + " The playground works without the class.", icon=":material/group_off:")
            return
        st.caption("Join the class")
        st.text(title)
        name, button = st.columns([3, 1], vertical_alignment="bottom")
        name.text_input("Your nickname", key=K.CLASS_NICKNAME, max_chars=store.NICKNAME_CHARS,
                        placeholder="no e-mail, just a name the class will see")
        button.button("Join", key="class_join_button", type="primary", on_click=_join)


@guarded("joining the class")
def _join():
    db = _store_or_none()
    if db is None:
        state.notify("warning", str(store.Unreachable()))
    else:
        state.join_class(db)


def follow_class():
    """In each run of the live fragment: the class's tick when due (``state.class_tick_due``), and the whole page
    when what the banner shows changed (a new show, the class unreachable or back)."""
    try:
        if st.session_state[K.PLAYING] and state.class_tick_due() and state.class_tick(class_store):
            state.ask_full_rerun()
    except Exception:  # the class is extra: the live picture goes on whatever happens in it
        logging.getLogger("nn_playground").exception("the class tick failed")


@st.fragment(run_every=state.CLASS_TICK_SECONDS)
def _ticking_banner():
    """``banner_ui`` while paused, with the class's tick at every ``state.CLASS_TICK_SECONDS``."""
    if state.class_tick_due():
        state.class_tick(class_store)
    banner_ui()
    state.follow_page()  # Load it: the page shows the new setup


def banner_ui():
    """The class's name and the student's, Share with class, the class's status, what the teacher shows."""
    try:
        c = st.session_state[K.CLASS]
        with st.container(border=True, key="class_banner"):
            text, share = st.columns([4, 1], vertical_alignment="center")
            text.caption(plain(f"Class: {c['title']} · you are {c['nickname']}"))
            if share.button("Share with class", key="class_share", icon=":material/ios_share:",
                            on_click=state.share_with_class, help="Send this run (its setup, numbers and "
                            "picture) to your teacher's dashboard"):
                st.toast("Your run is shared with the class.")
            status = st.session_state.get(K.CLASS_STATUS)
            if status:
                st.warning(plain(status), icon=":material/cloud_off:")
            show = state.take_class_show()
            if show:
                st.info(plain(f"Your teacher shows {show['label']} to the class."), icon=":material/cast:")
                load, later = st.columns(2)
                load.button("Load it", key=f"class_show_load_{show['id']}", on_click=state.load_class_show,
                            help="Your own setup goes: pin it first to keep it")
                later.button("Not now", key=f"class_show_later_{show['id']}", on_click=state.put_class_show_aside)
    except Exception:  # the class is extra: whatever happens in it, the playground goes on
        logging.getLogger("nn_playground").exception("the class banner failed")
        st.caption("The class part of the page is unavailable just now; the playground goes on.")


# -- the Class panel --

def class_panel(exp):
    """Start a class from the setup on screen, or the links of the class this session started."""
    ss = st.session_state
    teaching, student = ss.get(K.TEACHING), ss.get(K.CLASS)
    if teaching:
        st.text(f"Class: {teaching['title']}")
        st.caption("Students open this link and type a nickname (share it on the board):")
        st.code(join_link(teaching["code"]), language=None)
        st.caption("Your private teacher link: whoever has it manages the class. Keep it to yourself.")
        st.code(teacher_link(teaching["code"], teaching["key"]), language=None)
        st.link_button("Open the class dashboard", teacher_link(teaching["code"], teaching["key"]),
                       icon=":material/dashboard:", type="primary")
        return
    if student and student["nickname"]:
        st.caption(plain(f"You are in the class {student['title']} as {student['nickname']}. Your challenge "
                         "results reach your teacher as you train; Share with class sends the run on screen."))
        return
    st.caption("Start a class from this setup: your students open a link, type a nickname and start here; "
               "your dashboard shows what each one does, live.")
    title, button = st.columns([3, 1], vertical_alignment="bottom")
    title.text_input("Class title", key=K.CLASS_TITLE, max_chars=store.TITLE_CHARS, placeholder="e.g. Year 10, XOR")
    button.button("Start a class", key="class_start", type="primary", on_click=_start,
                  icon=":material/group_add:")


@guarded("starting the class")
def _start():
    db = _store_or_none()
    if db is None:
        state.notify("warning", "The class database cannot be reached just now: try again in a moment.")
    else:
        state.start_class(db)


# -- the teacher's dashboard --

def is_dashboard():
    """Whether the link is a teacher's (``?teach=...``): the dashboard is drawn instead of the playground."""
    return "teach" in st.query_params


def dashboard_page():
    """The teacher's dashboard: the class, its join link, every student live, Show to class, CSV, close."""
    code, key = st.query_params.get("teach", ""), st.query_params.get("key", "")
    db = _store_or_none()
    try:
        if db is None:
            raise store.Unreachable()
        view = db.teacher_view(code, key)
    except NotFound as e:
        st.error(plain(str(e)))
        st.link_button("Open the playground", _address() or "/")
        return
    except ClassError as e:
        st.warning(plain(str(e)))
        st.button("Try again", key="dashboard_retry")
        return
    st.markdown(f"#### Class: {plain(view['title'])}" + (" (closed)" if view["closed"] else ""))
    st.caption("Students join with this link:")
    st.code(join_link(code.upper()), language=None)
    _live_dashboard(code, key)
    _end_ui(code, key)


@st.fragment(run_every=DASHBOARD_SECONDS)
def _live_dashboard(code, key):
    """The students, their progress and their latest runs, redrawn every ``DASHBOARD_SECONDS``."""
    try:
        db = class_store()
        rows, shared = db.dashboard(code, key), db.runs_of(code, key)
    except ClassError as e:
        st.warning(plain(f"{e} Trying again every {DASHBOARD_SECONDS} s."), icon=":material/cloud_off:")
        return
    order = st.segmented_control("Sort by", ["progress", "joined"], key="dashboard_sort", default="progress")
    table = students_table(rows, time.time())
    if order == "progress":
        table = table.sort_values(["Passed", "Epoch"], ascending=False, kind="stable")
    st.dataframe(table, hide_index=True, row_height=44, key="dashboard_table", column_config={
        "Latest run": st.column_config.ImageColumn("Latest run", width="small"),
        "Open": st.column_config.LinkColumn("Open", display_text="open run", width="small"),
        "Test loss": st.column_config.NumberColumn("Test loss", format="%.3f")})
    st.caption(f"{len(rows)} students · updated every {DASHBOARD_SECONDS:g} s · open run opens a student's latest "
               "shared run in a new tab, exactly as it was set up.")
    for name, challenge in CHALLENGES.items():
        board = store.leaderboard(rows, name)
        if board:
            st.caption(plain(f"Leaderboard: {challenge.title} (smallest network, then fewest epochs)"))
            st.dataframe(pd.DataFrame(board, columns=["Student", "Hidden neurons", "Passed at epoch"]),
                         hide_index=True, key=f"leaderboard_{name}")
    _show_ui(code, key, shared)
    st.download_button("Results (CSV)", db.export_csv(code, key), "class-results.csv", "text/csv",
                       key="dashboard_csv", icon=":material/download:")


def students_table(rows, now):
    """One row per student (``Store.dashboard`` rows): what they do now, their progress (a challenge passed at
    epoch 12 reads ``passed @ 12``), their latest run; a student with no run has empty cells (not "None")."""
    def challenges(results):
        return "; ".join(f"{n}: " + (f"passed @ {r['passed_epoch']}" if r["passed_epoch"] is not None
                                     else f"{sum(bool(c[-1]) for c in r['checklist'])}/{len(r['checklist'])} met")
                         for n, r in results.items())
    return pd.DataFrame([{
        "Student": row["nickname"],
        "Now": ("playing" if row["activity"].get("playing") else "idle") if now - row["last_seen"] < IDLE_SECONDS
        else f"away {int(now - row['last_seen'])} s",
        "Doing": f"{row['activity'].get('dataset', '')} · {row['activity'].get('network', '')}",
        "Epoch": row["activity"].get("epoch", 0),
        "Test loss": row["activity"].get("test_loss"),
        "Passed": sum(r["passed_epoch"] is not None for r in row["results"].values()),
        "Challenges": challenges(row["results"]),
        "Latest run": (thumbnail_url(row["latest_run"]["picture"]) or "") if row["latest_run"] else "",
        "Open": f"?{row['latest_run']['setup']}" if row["latest_run"] else "",
    } for row in rows], columns=["Student", "Now", "Doing", "Epoch", "Test loss", "Passed", "Challenges",
                                 "Latest run", "Open"])


@functools.lru_cache(maxsize=512)
def thumbnail_url(picture):
    """A shared run's thumbnail (hex RGB) as a PNG data URL for the table, or None; each one is encoded once,
    not at every redraw of the dashboard."""
    if len(picture) != PICTURE * PICTURE * 6:
        return None
    return png_url(np.frombuffer(bytes.fromhex(picture), np.uint8).reshape(PICTURE, PICTURE, 3), scale=2)


def _show_ui(code, key, shared):
    """Show to class: a student's shared run, or the class's starting setup, offered to every student."""
    choices = {0: None, **{run["id"]: run for run in shared}}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox("Show to class", list(choices)[::-1], key="dashboard_show",
                            format_func=lambda i: "the class's starting setup" if i == 0
                            else f"{choices[i]['nickname']}: {choices[i]['name']}")
    if right.button("Show to class", key="dashboard_show_button", icon=":material/cast:"):
        run = choices.get(picked)
        try:
            db = class_store()
            setup = run["setup"] if run else db.teacher_view(code, key)["setup"]
            db.show_to_class(code, key, f"{run['nickname']}: {run['name']}" if run else "the class's starting setup",
                             setup)
        except ClassError as e:
            st.warning(plain(str(e)))
    try:
        showing = class_store().current_show(code)
    except ClassError:
        return  # the table above already says the class is unreachable
    if showing:
        st.success(plain(f"Every student is offered it now: {showing['label']}."), icon=":material/cast:")


def _end_ui(code, key):
    """Close the class (no more writes), or delete it with everything in it."""
    with st.expander("End the class"):
        close, sure, delete = st.columns([1, 2, 1], vertical_alignment="center")
        try:
            st.caption(f"A class is deleted by itself {class_store().days:g} days after it started.")
            if close.button("Close the class", key="dashboard_close"):
                class_store().close(code, key)
                st.success("The class is closed: students keep their playground; nothing more is written.")
            really = sure.checkbox("Delete everything of this class", key="dashboard_delete_sure")
            if delete.button("Delete the class", key="dashboard_delete", disabled=not really, type="primary"):
                class_store().delete(code, key)
                st.rerun()
        except ClassError as e:
            st.warning(plain(str(e)))
