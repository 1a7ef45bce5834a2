"""The class store (classroom/store.py) on both of its databases, with the same tests: SQLite (a file, as one
machine runs it) and a real PostgreSQL server (as several hosts share one).

PostgreSQL comes from ``NNPG_TEST_DATABASE_URL`` (a database the tests may wipe), or else a throwaway cluster
that ``tests/postgres.py`` starts from Debian's binaries.  Without them the PostgreSQL half skips, unless
``NNPG_REQUIRE_POSTGRES`` is set (``.ci/run`` sets it, and installs them), where it fails instead.
"""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classroom import codes, store
from classroom.store import NotFound, Refused, Store, Unreachable
from tests.postgres import binaries, throwaway_cluster
from tests.servers import free_port

PICTURE = "ab" * (store.PICTURE_CHARS // 2)


class Clock:
    """A clock the test moves: ``store.Store(clock=...)``."""

    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now

    def tick(self, seconds=1.0):  # past the rate limit's refill
        self.now += seconds


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("NNPG_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if binaries() is None:
        if os.environ.get("NNPG_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL's server is not installed (.ci/run installs Debian's postgresql)")
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql)")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    url = request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    store.metadata.drop_all(engine)  # every test starts from an empty database
    engine.dispose()
    return url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db(url, clock):
    s = Store(url, clock=clock)
    yield s
    s.engine.dispose()


def joined(db, clock, names=("Ann", "Bo")):
    """A class and its students: ``(code, key, {nickname: seat})``."""
    code, key = db.create_class("Year 10 maths", "dataset=xor")
    seats = {}
    for name in names:
        seats[name] = codes.new_seat()
        db.join(code, name, seats[name])
    clock.tick()
    return code, key, seats


def result(challenge="xor_no_hidden", epoch=10, passed_epoch=None, neurons=0):
    return {"challenge": challenge, "epoch": epoch, "passed_epoch": passed_epoch, "test_loss": 0.2,
            "test_accuracy": 0.9, "neurons": neurons, "checklist": [["Test loss below 0.1", "0.2", False]],
            "setup": "challenge=xor_no_hidden"}


def everything(db):
    """Every row of every table, as text: what a dump of the database would hold."""
    with db.engine.connect() as c:
        return " ".join(str(tuple(row)) for table in store.metadata.sorted_tables
                        for row in c.execute(sa.select(table)))


def test_codes_are_unique_short_and_free_of_look_alikes(db):
    made = [db.create_class(f"class {i}")[0] for i in range(100)]
    assert len(set(made)) == 100
    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in made)
    assert not set("01OI") & set(codes.ALPHABET)
    assert codes.normal_code(" " + made[0].lower()[:4] + "-" + made[0][4:] + " ") == made[0]
    assert db.class_of(made[0].lower())["title"] == "class 0"


def test_a_student_joins_rejoins_from_the_same_browser_and_keeps_their_results(db, clock):
    code, key, seats = joined(db, clock)
    db.report_result(code, seats["Ann"], result(passed_epoch=7))
    clock.tick()
    assert db.rejoin(code, seats["Ann"]) == {"nickname": "Ann", "title": "Year 10 maths", "setup": "dataset=xor",
                                            "closed": False}
    assert db.join(code, "Ann", seats["Ann"]) == {"title": "Year 10 maths", "setup": "dataset=xor", "closed": False}
    rows = db.dashboard(code, key)
    assert [r["nickname"] for r in rows] == ["Ann", "Bo"]
    assert rows[0]["results"]["xor_no_hidden"]["passed_epoch"] == 7


def test_a_nickname_is_one_students_in_a_class_whatever_its_case_or_width(db, clock):
    code, key, seats = joined(db, clock)
    for other in ("Ann", "ann", " ANN ", "ＡＮＮ"):
        with pytest.raises(Refused, match="already called"):
            db.join(code, other, codes.new_seat())
    clock.tick()
    db.join(code, "Annie", seats["Ann"])  # the same browser takes a new nickname, keeping its seat
    assert [r["nickname"] for r in db.dashboard(code, key)] == ["Annie", "Bo"]
    other_code, _ = db.create_class("Another class")
    db.join(other_code, "Bo", codes.new_seat())  # nicknames are per class


@pytest.mark.parametrize("nickname, message", [("", "Type a nickname"), ("   ", "Type a nickname"),
                                               ("x" * 25, "at most 24"), ("a\nb", "control"), ("a\x00", "control")])
def test_a_bad_nickname_is_refused_with_a_reason(db, nickname, message):
    code, _ = db.create_class("c")
    with pytest.raises(Refused, match=message):
        db.join(code, nickname, codes.new_seat())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nickname=st.text(min_size=1, max_size=store.NICKNAME_CHARS))
def test_hostile_nicknames_are_stored_and_returned_exactly(db, clock, nickname):
    try:
        store.valid_nickname(nickname)
    except Refused:
        return
    code, key = db.create_class("c")
    seat = codes.new_seat()
    db.join(code, nickname, seat)
    clock.tick()
    db.share_run(code, seat, "Run 1", "dataset=xor", {"epoch": 3})
    assert [r["nickname"] for r in db.dashboard(code, key)] == [nickname]
    assert [r["nickname"] for r in db.runs_of(code, key)] == [nickname]
    assert next(csv.reader(io.StringIO(db.export_csv(code, key).splitlines()[1] + "\n")))[0] == store.inert(nickname)


def test_a_guess_finds_nothing_and_every_no_is_the_same(db, clock):
    code, key, seats = joined(db, clock)
    answers = set()
    for attempt in (lambda: db.class_of("ABCDEFGH"), lambda: db.class_of("not a code"),
                    lambda: db.dashboard(code, key[:-1] + ("A" if key[-1] != "A" else "B")),
                    lambda: db.dashboard(code, ""), lambda: db.dashboard("ABCDEFGH", key),
                    lambda: db.report_activity(code, codes.new_seat(), {}),
                    lambda: db.rejoin(code, codes.new_seat()),
                    lambda: db.share_run(code, seats["Ann"] + "x", "Run 1", "", {})):
        with pytest.raises(NotFound) as e:
            attempt()
        answers.add(str(e.value))
    assert len(answers) == 1


def test_secrets_never_leave_the_teacher_side_and_only_their_digests_are_kept(db, clock):
    code, key, seats = joined(db, clock)
    db.share_run(code, seats["Ann"], "Run 1", "dataset=xor", {"epoch": 3}, PICTURE)
    db.report_result(code, seats["Bo"], result())
    db.show_to_class(code, key, "Ann: Run 1", "dataset=xor")
    said = repr([db.class_of(code), db.join(code, "Cy", codes.new_seat()), db.current_show(code),
                 db.dashboard(code, key), db.runs_of(code, key), db.teacher_view(code, key), db.export_csv(code, key)])
    dump = everything(db)
    for secret in [key, *seats.values()]:
        assert secret not in said and secret not in dump
        assert codes.digest(secret) not in said
    assert codes.digest(key) in dump


def test_reports_reach_the_dashboard_and_a_pass_is_kept_for_good(db, clock):
    code, key, seats = joined(db, clock)
    db.report_activity(code, seats["Ann"], {"dataset": "xor", "epoch": 12, "test_loss": float("nan")})
    db.report_result(code, seats["Ann"], result(epoch=12, passed_epoch=9, neurons=4))
    clock.tick()
    db.report_result(code, seats["Ann"], result(epoch=15))  # trained on past the pass
    db.report_result(code, seats["Bo"], result(epoch=30, passed_epoch=30, neurons=2))
    clock.tick()
    ann = db.dashboard(code, key)[0]
    assert ann["activity"] == {"dataset": "xor", "epoch": 12, "test_loss": None}
    assert ann["last_seen"] == clock.now - 1
    assert ann["results"]["xor_no_hidden"]["passed_epoch"] == 9 and ann["results"]["xor_no_hidden"]["epoch"] == 15
    assert ann["results"]["xor_no_hidden"]["checklist"] == [["Test loss below 0.1", "0.2", False]]
    assert store.leaderboard(db.dashboard(code, key), "xor_no_hidden") == [("Bo", 2, 30), ("Ann", 4, 9)]


def test_shared_runs_and_the_latest_one_per_student(db, clock):
    code, key, seats = joined(db, clock)
    first = db.share_run(code, seats["Ann"], "Run 1", "dataset=xor", {"epoch": 3, "test_loss": 0.5}, PICTURE)
    clock.tick()
    second = db.share_run(code, seats["Ann"], "Run 2", "dataset=spiral", {"epoch": 9})
    assert [r["id"] for r in db.runs_of(code, key)] == [first, second]
    ann, bo = db.dashboard(code, key)
    assert (ann["runs"], ann["latest_run"]["name"], ann["latest_run"]["setup"]) == (2, "Run 2", "dataset=spiral")
    assert db.runs_of(code, key)[0]["picture"] == PICTURE and bo["latest_run"] is None


def test_show_to_class_reaches_every_student_as_a_new_show(db, clock):
    code, key, _ = joined(db, clock)
    assert db.current_show(code) is None
    db.show_to_class(code, key, "Ann: Run 1", "dataset=xor")
    clock.tick()
    db.show_to_class(code, key, "Bo: Run 2", "dataset=spiral")
    assert db.current_show(code) == {"id": 2, "label": "Bo: Run 2", "setup": "dataset=spiral"}


def test_writes_are_limited_to_two_a_second_per_student(db, clock):
    code, _, seats = joined(db, clock)
    db.report_activity(code, seats["Ann"], {})
    db.report_activity(code, seats["Ann"], {})
    with pytest.raises(Refused, match="at most 2 a second"):
        db.report_activity(code, seats["Ann"], {})
    db.report_activity(code, seats["Bo"], {})  # another student is not held back
    clock.tick(0.5)
    db.report_activity(code, seats["Ann"], {})


def test_caps_hold_with_a_clear_message(db, clock, monkeypatch):
    monkeypatch.setattr(store, "MAX_STUDENTS", 2)
    monkeypatch.setattr(store, "MAX_RUNS", 2)
    code, key, seats = joined(db, clock)
    with pytest.raises(Refused, match="full"):
        db.join(code, "Cy", codes.new_seat())
    for i in range(2):
        db.share_run(code, seats["Ann"], f"Run {i}", "", {})
        clock.tick()
    with pytest.raises(Refused, match="shared 2 runs"):
        db.share_run(code, seats["Ann"], "Run 3", "", {})
    clock.tick()
    for too_big in (lambda: db.share_run(code, seats["Bo"], "x" * 41, "", {}),
                    lambda: db.share_run(code, seats["Bo"], "Run", "a" * 16_385, {}),
                    lambda: db.share_run(code, seats["Bo"], "Run", "", {"curve": [0.5] * 20_000}),
                    lambda: db.share_run(code, seats["Bo"], "Run", "", {}, "<img>"),
                    lambda: db.report_activity(code, seats["Bo"], {"x": "y" * 5000}),
                    lambda: db.create_class("t" * 81)):
        with pytest.raises(Refused):
            too_big()
    assert db.dashboard(code, key)[1]["runs"] == 0


def test_the_csv_has_a_row_per_student_and_challenge_or_run_and_no_formula(db, clock):
    code, key = db.create_class("c")
    seats = {name: codes.new_seat() for name in ("=HYPERLINK(\"http://x\")", "@SUM(A1)", "Cy")}
    for name, seat in seats.items():
        db.join(code, name, seat)
    clock.tick()
    db.report_result(code, seats["Cy"], result(passed_epoch=5))
    db.share_run(code, seats["Cy"], "-1+2", "dataset=xor", {"epoch": 4, "test_loss": 0.25})
    rows = list(csv.DictReader(io.StringIO(db.export_csv(code, key))))
    assert [(r["nickname"], r["kind"], r["name"]) for r in rows] == [
        ("'=HYPERLINK(\"http://x\")", "", ""), ("'@SUM(A1)", "", ""), ("Cy", "challenge", "xor_no_hidden"),
        ("Cy", "run", "'-1+2")]
    assert rows[2]["passed_epoch"] == "5" and rows[3]["test_loss"] == "0.25"


def test_a_closed_class_takes_no_more_writes_and_a_deleted_one_is_gone(db, clock):
    code, key, seats = joined(db, clock)
    db.close(code, key)
    with pytest.raises(Refused, match="closed"):
        db.report_activity(code, seats["Ann"], {})
    with pytest.raises(Refused, match="closed"):
        db.join(code, "Cy", codes.new_seat())
    assert db.teacher_view(code, key)["closed"] and len(db.dashboard(code, key)) == 2
    db.delete(code, key)
    with pytest.raises(NotFound):
        db.class_of(code)
    assert everything(db).count("(") == 1  # the schema's version, nothing else


def test_a_class_expires_after_30_days_with_everything_of_it(db, clock):
    code, key, seats = joined(db, clock)
    db.share_run(code, seats["Ann"], "Run 1", "", {}, PICTURE)
    db.report_result(code, seats["Bo"], result())
    clock.tick(10)
    younger, _ = db.create_class("started later")
    clock.tick(store.DEFAULT_DAYS * 86400 - 13)
    assert db.class_of(code)
    clock.tick(3)
    with pytest.raises(NotFound):  # gone at once, before the sweep deletes it
        db.class_of(code)
    assert db.expire() == 1
    assert db.class_of(younger)["title"] == "started later"
    assert "Ann" not in everything(db) and "Run 1" not in everything(db)
    with db.engine.connect() as c:
        assert [c.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in (store.students, store.results, store.runs)] == [0, 0, 0]


def test_the_lifetime_of_a_class_is_configurable(url, clock, monkeypatch, tmp_path):
    short = Store(url, days=1, clock=clock)
    code, _ = short.create_class("a day")
    clock.tick(86400 + 1)
    with pytest.raises(NotFound):
        short.class_of(code)
    monkeypatch.delenv("NNPG_DATABASE_URL", raising=False)
    for text, days in (("7", 7), ("0.5", 0.5), ("forever", store.DEFAULT_DAYS), ("-1", store.DEFAULT_DAYS)):
        monkeypatch.setenv("NNPG_CLASS_DAYS", text)
        assert store.open_store(tmp_path).days == days


def test_two_processes_share_one_database(url, clock):
    first, second = Store(url, clock=clock), Store(url, clock=clock)
    code, key = first.create_class("shared")
    second.join(code, "Ann", codes.new_seat())
    assert [r["nickname"] for r in first.dashboard(code, key)] == ["Ann"]
    if url.startswith("sqlite"):
        with first.engine.connect() as c:
            assert c.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_newer_schema_is_refused_rather_than_misread(url):
    Store(url)
    with sa.create_engine(url).begin() as c:
        c.execute(store.schema_version.update().values(version=store.SCHEMA_VERSION + 1))
    with pytest.raises(RuntimeError, match="update the app"):
        Store(url)


def test_an_unreachable_database_says_so_quickly():
    started = time.monotonic()
    with pytest.raises(Unreachable, match="cannot be reached"):
        Store(f"postgresql+psycopg://nnpg@127.0.0.1:{free_port()}/postgres")
    assert time.monotonic() - started < 10


def test_nothing_is_created_until_a_store_is_opened(tmp_path, monkeypatch):
    monkeypatch.delenv("NNPG_DATABASE_URL", raising=False)
    monkeypatch.setenv("NNPG_DATA_DIR", str(tmp_path / "data"))
    import classroom.store  # noqa: F401  importing the module touches nothing
    assert not (tmp_path / "data").exists()
    store.open_store()
    assert (tmp_path / "data" / "classes.sqlite3").exists()
    monkeypatch.setenv("NNPG_DATABASE_URL", "postgres://u:p@db/classes")
    assert store.database_url() == "postgresql+psycopg://u:p@db/classes"
