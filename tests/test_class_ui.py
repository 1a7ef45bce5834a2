"""A class in the app (ui/class_page.py) under AppTest: a teacher starts one, students join, report and share,
the dashboard shows them, Show to class reaches them; without a class nothing of it exists, and without its
database the playground goes on."""

from __future__ import annotations

import time

import pytest

from classroom import codes, store
from tests.conftest import config, notices, open_panel, pin_store_data, run_app, send
from tests.servers import free_port
from ui import class_page


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Each test has its own database folder, and the app's store is opened afresh."""
    monkeypatch.delenv("NNPG_DATABASE_URL", raising=False)
    monkeypatch.setenv("NNPG_DATA_DIR", str(tmp_path / "data"))
    class_page.class_store.clear()
    yield tmp_path / "data"
    class_page.class_store.clear()


def teacher_starts(title="Year 10", **query):
    """A teacher's app after Start a class in the Class panel: ``(at, code, key)``."""
    at = open_panel(run_app(**query), "class")
    at.text_input(key="class_title").set_value(title)
    at.button(key="class_start").click().run()
    assert not at.exception
    teaching = at.session_state["teaching"]
    return at, teaching["code"], teaching["key"]


def student_joins(code, nickname):
    at = run_app(join=code)
    at.text_input(key="class_nickname").set_value(nickname)
    at.button(key="class_join_button").click().run()
    assert not at.exception
    return at


def tick(at):
    """The app's next run, at the student's next class tick (every 2 s: its time is taken as come)."""
    at.session_state["class_ticked"] = 0
    return at.run()


def test_the_playground_without_a_class_opens_no_database(data_dir):
    at = open_panel(run_app(), "class")
    assert at.button(key="class_start") and not data_dir.exists()


def test_a_teacher_starts_a_class_from_the_setup_on_screen_and_gets_two_links(data_dir):
    at, code, key = teacher_starts(challenge="xor_no_hidden")
    assert (data_dir / "classes.sqlite3").exists()
    links = [c.value for c in at.code]
    assert links == [f"?join={code}", f"?teach={code}&key={key}"]  # after the app's address, in a browser
    assert class_page.class_store().class_of(code)["setup"] == "challenge=xor_no_hidden"


def test_a_student_joins_with_a_nickname_and_gets_the_class_setup(data_dir):
    _, code, key = teacher_starts(challenge="xor_no_hidden")
    at = student_joins(code, "Ann <b>")
    assert config(at)["challenge"] == "xor_no_hidden"
    assert "Ann \\<b\\>" in " ".join(c.value for c in at.caption)  # escaped: shown as typed
    assert at.query_params["join"] == code and at.query_params["seat"]
    assert [r["nickname"] for r in class_page.class_store().dashboard(code, key)] == ["Ann <b>"]


def test_a_taken_nickname_is_refused_with_a_message(data_dir):
    _, code, _ = teacher_starts()
    student_joins(code, "Ann")
    at = student_joins(code, "ann")
    assert "already called ann" in notices(at, "error")
    assert at.text_input(key="class_nickname")


def test_a_reload_keeps_the_student_in_the_class(data_dir):
    _, code, key = teacher_starts()
    at = student_joins(code, "Ann")
    again = run_app(join=code, seat=at.query_params["seat"])
    assert not again.exception and "class_nickname" not in [w.key for w in again.text_input]
    assert "you are Ann" in " ".join(c.value for c in again.caption)


def test_the_browser_keeps_the_seat_and_a_new_tab_of_it_rejoins_with_the_results(data_dir):
    _, code, key = teacher_starts(challenge="xor_no_hidden")
    at = student_joins(code, "Ann")
    seat = at.query_params["seat"]
    assert pin_store_data(at)["seat"] == {"code": code, "write": seat}  # kept in the browser's localStorage
    at.button(key="step").click().run()
    assert pin_store_data(at).get("seat") is None  # told once
    time.sleep(1.1)
    tick(at)
    shown = [e.value for e in (*at.markdown, *at.caption, *at.text, *at.code) if isinstance(e.value, str)]
    assert not any(seat in text for text in shown)

    tab = run_app(join=code)  # the join link again, in a new tab: the form asks the browser for its seat
    assert pin_store_data(tab)["seat"] == {"code": code, "read": True} and tab.text_input(key="class_nickname")
    send(tab, "nnpg_pin_store", "seat", seat)
    assert not tab.exception and "class_nickname" not in [w.key for w in tab.text_input]
    assert "you are Ann" in " ".join(c.value for c in tab.caption) and "Welcome back" in notices(tab, "success")
    assert config(tab)["challenge"] == "xor_no_hidden" and tab.query_params["seat"] == seat
    assert [r["nickname"] for r in class_page.class_store().dashboard(code, key)] == ["Ann"]  # the same student
    assert class_page.class_store().dashboard(code, key)[0]["activity"]["epoch"] == 1  # with what she did


@pytest.mark.parametrize("kept", ["seat of another class", None, 12, {"seat": "x"}, "\ud800", "x" * 100_000])
def test_a_forged_or_unknown_kept_seat_leaves_the_plain_join_form(data_dir, kept):
    _, code, _ = teacher_starts()
    student_joins(code, "Ann")
    tab = run_app(join=code)
    send(tab, "nnpg_pin_store", "seat", codes.new_seat() if kept == "seat of another class" else kept)
    assert not tab.exception and tab.text_input(key="class_nickname")
    assert not any(notices(tab, kind) for kind in ("error", "warning", "success", "info"))
    assert pin_store_data(tab) is None or "seat" not in pin_store_data(tab)  # asked once
    tab.text_input(key="class_nickname").set_value("Ann")
    tab.button(key="class_join_button").click().run()
    assert "already called Ann" in notices(tab, "error")  # no takeover


def test_results_and_shared_runs_reach_the_dashboard(data_dir):
    _, code, key = teacher_starts(challenge="xor_no_hidden")
    at = student_joins(code, "Ann")
    at.button(key="step").click().run()
    at.button(key="class_share").click().run()
    for _ in range(2):  # what the rate limit (2 writes a second) held back is written at the next ticks
        time.sleep(1.1)
        tick(at)
    db = class_page.class_store()
    row = db.dashboard(code, key)[0]
    assert row["results"]["xor_no_hidden"]["checklist"] and row["activity"]["epoch"] == 1
    assert row["latest_run"]["name"] == "Run 1" and len(row["latest_run"]["picture"]) == store.PICTURE_CHARS
    dash = run_app(teach=code, key=key)
    assert not dash.exception
    table = dash.dataframe[0].value
    assert list(table["Student"]) == ["Ann"] and table["Latest run"][0].startswith("data:image/png;base64,")
    assert table["Open"][0] == "?" + row["latest_run"]["setup"]


def test_show_to_class_is_offered_to_a_student_who_chooses_to_load_it(data_dir):
    _, code, key = teacher_starts()
    at = student_joins(code, "Ann")
    class_page.class_store().show_to_class(code, key, "Bo: Run 2", "dataset=spiral")
    tick(at)
    assert "Your teacher shows Bo: Run 2" in notices(at, "info")
    assert config(at)["dataset"] != "spiral"  # never a forced switch
    at.button(key="class_show_load_1").click().run()
    assert config(at)["dataset"] == "spiral" and "Your teacher shows" not in notices(at, "info")


def test_the_dashboard_says_what_every_student_is_offered_until_the_teacher_shows_something_else(data_dir):
    _, code, key = teacher_starts()
    student_joins(code, "Ann")
    dash = run_app(teach=code, key=key)
    assert "offered" not in notices(dash, "success")  # nothing shown yet
    dash.button(key="dashboard_show_button").click().run()
    assert class_page.class_store().current_show(code)["label"] == "the class's starting setup"
    for _ in range(2):  # the dashboard redraws itself: the offer stays in view, not for one redraw only
        assert "Every student is offered it now: the class's starting setup." in notices(dash, "success")
        dash.run()


def test_the_dashboard_shows_the_class_and_a_wrong_key_finds_nothing(data_dir):
    _, code, key = teacher_starts(title="Room 12")
    student_joins(code, "Ann")
    dash = run_app(teach=code, key=key)
    assert "Room 12" in dash.markdown[0].value and not dash.exception
    table = dash.dataframe[0].value
    assert (table["Latest run"][0], table["Open"][0]) == ("", "")  # no run yet: empty cells, not "None"
    wrong = run_app(teach=code, key=codes.new_key())
    assert "No class was found" in notices(wrong, "error") and not wrong.dataframe


def test_an_unreachable_database_leaves_the_playground_working(monkeypatch):
    monkeypatch.setenv("NNPG_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    at = run_app(join="ABCDEFGH")
    assert not at.exception
    assert "cannot be reached" in notices(at, "warning")
    at.button(key="step").click().run()
    assert not at.exception and at.session_state["exp"].trainer.epoch == 1


def test_work_done_while_the_class_is_unreachable_is_written_when_it_is_back(data_dir, monkeypatch):
    _, code, key = teacher_starts()
    at = student_joins(code, "Ann")
    class_page.class_store.clear()
    monkeypatch.setenv("NNPG_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    at.button(key="step").click()
    tick(at)
    assert not at.exception and "cannot be reached" in notices(at, "warning")
    assert at.session_state["exp"].trainer.epoch == 1  # the playground goes on
    at.button(key="class_share").click().run()  # kept until the class is back
    monkeypatch.delenv("NNPG_DATABASE_URL")
    class_page.class_store.clear()
    time.sleep(1.1)
    at.session_state["class_retry_at"] = 0  # the next try, without waiting its 10 s
    tick(at)
    assert at.session_state["class_status"] is None
    assert [r["name"] for r in class_page.class_store().runs_of(code, key)] == ["Run 1"]


def test_while_playing_the_live_runs_write_to_the_class_and_bring_a_show(data_dir):
    _, code, key = teacher_starts()
    at = student_joins(code, "Ann")
    at.button(key="play").click().run()
    class_page.class_store().show_to_class(code, key, "the class's starting setup", "dataset=xor")
    time.sleep(1.1)  # the rate limit's bucket refills
    tick(at)
    assert at.session_state["playing"] and "Your teacher shows" in notices(at, "info")
    assert class_page.class_store().dashboard(code, key)[0]["activity"]["playing"] is True
