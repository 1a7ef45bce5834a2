"""The class store: every class, student, challenge result and shared run, in one database, behind a narrow API.

This module is the only one that talks to the database (through SQLAlchemy 2's Core).  By default it is a
SQLite file, ``classes.sqlite3`` under ``NNPG_DATA_DIR`` (default: ``data/`` beside the code), in WAL mode so
that several app processes on one machine share it; ``NNPG_DATABASE_URL`` names another database instead, a
PostgreSQL server (``postgresql://user:password@host/db``) for a deployment over several hosts.  Nothing is
created until a store is opened (``open_store``), and the app opens one only when a class is used.

The schema is created by the store and carries its version (``SCHEMA_VERSION``, in ``schema_version``); a
database written by a newer version is refused rather than misread.

Who may do what:

* anyone with a class's join code: read its title and starting setup (``class_of``), join it with a nickname
  (``join``), see what the teacher shows (``current_show``);
* a student, by code and seat (``codes.new_seat``, kept by their browser): report what they are doing
  (``report_activity``), their challenge checklist (``report_result``), and share a run (``share_run``);
* the teacher, by code and key (``create_class`` returns both): everything else.

A code that names no class, an expired one, a wrong key and a wrong seat all get the same ``NotFound``, so no
answer tells a guesser more than "no".  Limits hold on the server whatever a client sends: ``MAX_STUDENTS``
per class, ``MAX_RUNS`` shared runs per student, ``MAX_RESULTS`` challenges per student, a size cap on every
text, and at most ``WRITES_PER_SECOND`` writes a second from one seat or key (``Refused``, with a message
saying what to do).  A class and everything of it are deleted ``days`` after it started (``NNPG_CLASS_DAYS``,
default ``DEFAULT_DAYS``): from then on nobody finds it, and ``expire``, run when a store opens and whenever a
class starts, deletes its rows.
A database that cannot be reached raises ``Unreachable``: the caller keeps what it meant to write and tries
again later.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import threading
import time
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc

from . import codes

SCHEMA_VERSION = 1
DEFAULT_DAYS = 30  # a class and everything of it are deleted this long after it started
MAX_STUDENTS = 200  # students per class
MAX_RUNS = 50  # shared runs per student
MAX_RESULTS = 20  # challenges with a result per student
NICKNAME_CHARS = 24
TITLE_CHARS = 80
NAME_CHARS = 40  # a run's or a challenge's name
SETUP_CHARS = 16_384  # a setup link's query (the playground reads no longer link)
DETAIL_CHARS = 4_000  # an activity's or a checklist's JSON
RUN_CHARS = 64_000  # a shared run's JSON (its numbers, its loss curve)
PICTURE_CHARS = 24 * 24 * 3 * 2  # a thumbnail's RGB bytes in hex
WRITES_PER_SECOND = 2  # per seat or key; a burst of as many is allowed
INERT = ("=", "+", "-", "@", "\t", "\r")  # a CSV cell starting with one is a formula to a spreadsheet

metadata = sa.MetaData()
schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))
classes = sa.Table(
    "classes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(codes.CODE_LENGTH), nullable=False, unique=True),
    sa.Column("key_digest", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("setup", sa.Text, nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("expires", sa.Float, nullable=False, index=True),
    sa.Column("closed", sa.Boolean, nullable=False, default=False),
    sa.Column("show_id", sa.Integer, nullable=False, default=0),  # counts what the teacher showed
    sa.Column("show_label", sa.Text),
    sa.Column("show_setup", sa.Text),
)
students = sa.Table(
    "students", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nickname", sa.Text, nullable=False),
    sa.Column("nickname_key", sa.Text, nullable=False),  # what makes two nicknames the same (nickname_key)
    sa.Column("seat_digest", sa.String(64), nullable=False),
    sa.Column("joined", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("activity", sa.Text, nullable=False, default="{}"),
    sa.UniqueConstraint("class_id", "nickname_key"),
)
results = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    sa.Column("challenge", sa.Text, nullable=False),
    sa.Column("passed_epoch", sa.Integer),  # the first epoch that passed, kept for good; None: not yet
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("test_loss", sa.Float),
    sa.Column("test_accuracy", sa.Float),
    sa.Column("neurons", sa.Integer, nullable=False),  # hidden neurons in all (of the pass, once passed)
    sa.Column("checklist", sa.Text, nullable=False),  # JSON [[condition, measured, met], ...]
    sa.Column("setup", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("student_id", "challenge"),
)
runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("students.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("setup", sa.Text, nullable=False),
    sa.Column("picture", sa.Text, nullable=False),  # hex RGB, or "" for none
    sa.Column("run", sa.Text, nullable=False),  # JSON: numbers and loss curve, opaque to the store
    sa.Column("at", sa.Float, nullable=False),
)


class ClassError(ValueError):
    """Anything the store refuses; its text is a message for the user."""


class NotFound(ClassError):
    """No class with this code (or it expired, or the key or the seat is not its)."""

    def __init__(self):
        super().__init__("No class was found with this link. Check the link with your teacher.")


class Refused(ClassError):
    """A write beyond a limit, a bad value, or a class that is closed: the message says which."""


class RateLimited(Refused):
    """A write beyond ``WRITES_PER_SECOND``: the same write passes a moment later."""


class Unreachable(ClassError):
    """The database cannot be reached or is busy: nothing was written, try again later."""

    def __init__(self):
        super().__init__("The class cannot be reached just now; your work is kept and will be sent when it is back.")


def database_url(data_dir=None):
    """The database to use: ``NNPG_DATABASE_URL``, else a SQLite file under ``data_dir`` (or ``NNPG_DATA_DIR``)."""
    url = os.environ.get("NNPG_DATABASE_URL", "").strip()
    if url:
        for plain in ("postgres://", "postgresql://"):  # psycopg 3 is the driver SQLAlchemy should use
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url
    folder = Path(data_dir or os.environ.get("NNPG_DATA_DIR") or Path(__file__).resolve().parent.parent / "data")
    return f"sqlite:///{folder / 'classes.sqlite3'}"


def nickname_key(nickname):
    """What makes two nicknames the same in a class: ``"Ann"``, ``"ann "`` and ``"ＡＮＮ"`` are one."""
    return " ".join(unicodedata.normalize("NFKC", nickname).casefold().split())


def valid_nickname(nickname):
    """``nickname`` if a class may show it: plain text of 1 to ``NICKNAME_CHARS`` characters, not only spaces,
    no control characters; otherwise ``Refused`` saying what is wrong."""
    if not isinstance(nickname, str) or not nickname.strip():
        raise Refused("Type a nickname.")
    if len(nickname) > NICKNAME_CHARS:
        raise Refused(f"A nickname has at most {NICKNAME_CHARS} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in nickname):
        raise Refused("A nickname cannot hold line breaks or control characters.")
    return nickname


def _text(value, limit, what):
    """``value`` as text of at most ``limit`` characters (UTF-8 encodable, no NUL), or ``Refused``."""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value or _unencodable(value):
        raise Refused(f"The {what} is too long or not plain text (at most {limit:,} characters).")
    return value


def _unencodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json(value, limit, what):
    """``value`` as JSON text of at most ``limit`` characters (NaN and infinities as null), or ``Refused``."""
    return _text(json.dumps(_finite(value), allow_nan=False), limit, what)


def _finite(value):
    """``value`` with every NaN or infinite float replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _number(value):
    """A float for the database, or None for a missing, NaN or infinite one."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def inert(cell):
    """A CSV cell a spreadsheet shows as text: one starting with ``= + - @`` (a formula) gets a ``'`` first."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(INERT) else cell


class _Throttle:
    """At most ``rate`` writes a second per writer, in bursts of ``rate`` (a token bucket per writer)."""

    def __init__(self, rate, clock):
        self.rate, self.clock, self.lock, self.buckets = rate, clock, threading.Lock(), {}

    def take(self, writer):
        now = self.clock()
        with self.lock:
            tokens, at = self.buckets.get(writer, (self.rate, now))
            tokens = min(self.rate, tokens + (now - at) * self.rate)
            if tokens < 1:
                raise RateLimited(f"Too many changes at once: at most {self.rate} a second. Wait a moment and try "
                                  "again.")
            self.buckets[writer] = (tokens - 1, now)
            if len(self.buckets) > 10_000:  # forget writers idle long enough to have a full bucket again
                self.buckets = {w: b for w, b in self.buckets.items() if now - b[1] < 1}


class Store:
    """One database of classes (see the module docstring).  Thread-safe; one per process is enough.

    ``days``: how long a class lives.  ``clock`` gives the time in seconds (tests move it forward to expire a
    class or refill a rate limit).
    """

    def __init__(self, url=None, days=DEFAULT_DAYS, clock=time.time):
        url = url or database_url()
        self.days, self.clock = days, clock
        self.throttle = _Throttle(WRITES_PER_SECOND, clock)
        sqlite = url.startswith("sqlite")
        if sqlite and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(
            url, pool_pre_ping=True,
            connect_args={"timeout": 2} if sqlite else {"connect_timeout": 3})
        if sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        with _Guard():
            self._create_schema()
            self.expire()

    def _create_schema(self):
        metadata.create_all(self.engine)
        with self.engine.begin() as db:
            found = db.execute(sa.select(schema_version.c.version)).scalar()
            if found is None:
                db.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found > SCHEMA_VERSION:
                raise RuntimeError(f"the class database has schema version {found}; this app reads up to "
                                   f"{SCHEMA_VERSION}: update the app")

    # -- lookups (inside a transaction) --

    def _class(self, db, code, key=None):
        """The live class row of ``code`` (and of teacher ``key``, if given), or ``NotFound``."""
        code = codes.normal_code(code) if isinstance(code, str) else None
        row = code and db.execute(sa.select(classes).where(classes.c.code == code,
                                                           classes.c.expires > self.clock())).first()
        if not row or (key is not None and not codes.same(key, row.key_digest)):
            raise NotFound()
        return row

    def _student(self, db, code, seat):
        """The class row and the student row of ``seat`` in class ``code``, or ``NotFound``."""
        cls = self._class(db, code)
        row = db.execute(sa.select(students).where(students.c.class_id == cls.id,
                                                   students.c.seat_digest == codes.digest(seat))).first()
        if row is None:
            raise NotFound()
        return cls, row

    def _writing(self, cls, writer):
        """Before a write by ``writer`` to class ``cls``: refused when it is closed or the writer is too fast."""
        if cls.closed:
            raise Refused("This class is closed: your work stays in your playground.")
        self.throttle.take(writer)

    # -- anyone with the join code --

    def create_class(self, title, setup=""):
        """Start a class named ``title`` from ``setup`` (a playground link's query, "" for the defaults).

        Returns ``(code, key)``: the join code for students and the teacher's key (kept only as a digest).
        """
        title = _text(title.strip() if isinstance(title, str) else title, TITLE_CHARS, "title")
        if not title:
            raise Refused("Give the class a title.")
        setup = _text(setup, SETUP_CHARS, "setup link")
        key, now = codes.new_key(), self.clock()
        with _Guard():
            self.expire()
            for _ in range(5):  # a new code that happens to exist already is drawn again
                code = codes.new_code()
                try:
                    with self.engine.begin() as db:
                        db.execute(classes.insert().values(
                            code=code, key_digest=codes.digest(key), title=title, setup=setup, started=now,
                            expires=now + self.days * 86400, closed=False, show_id=0))
                    return code, key
                except exc.IntegrityError:
                    continue
        raise Refused("No new class code could be drawn; try again.")

    def class_of(self, code):
        """``{"title", "setup", "closed"}`` of class ``code`` (for its join page), or ``NotFound``."""
        with _Guard(), self.engine.connect() as db:
            cls = self._class(db, code)
            return {"title": cls.title, "setup": cls.setup, "closed": cls.closed}

    def join(self, code, nickname, seat):
        """Join class ``code`` as ``nickname`` from ``seat`` (the browser's); returns the class (``class_of``).

        The same nickname from the same seat rejoins (keeping its results); a seat that joined under another
        nickname takes the new one.  A nickname another seat holds (``nickname_key``: case and width do not
        count) is refused, as a class that is closed or full.
        """
        nickname = valid_nickname(nickname)
        key, seat_digest, now = nickname_key(nickname), codes.digest(seat), self.clock()
        with _Guard(), self.engine.begin() as db:
            cls = self._class(db, code)
            same_name = db.execute(sa.select(students).where(students.c.class_id == cls.id,
                                                             students.c.nickname_key == key)).first()
            mine = db.execute(sa.select(students).where(students.c.class_id == cls.id,
                                                        students.c.seat_digest == seat_digest)).first()
            if same_name is not None and same_name.seat_digest != seat_digest:
                raise Refused(f"Someone in this class is already called {nickname}: choose another nickname.")
            if cls.closed:
                raise Refused("This class is closed: ask your teacher for a new link.")
            self.throttle.take(("seat", seat_digest))
            if mine is not None:
                db.execute(students.update().where(students.c.id == mine.id).values(
                    nickname=nickname, nickname_key=key, last_seen=now))
            else:
                count = db.execute(sa.select(sa.func.count()).where(students.c.class_id == cls.id)).scalar()
                if count >= MAX_STUDENTS:
                    raise Refused(f"This class is full ({MAX_STUDENTS} students).")
                try:
                    db.execute(students.insert().values(class_id=cls.id, nickname=nickname, nickname_key=key,
                                                        seat_digest=seat_digest, joined=now, last_seen=now,
                                                        activity="{}"))
                except exc.IntegrityError:  # another process let the same nickname in just now
                    raise Refused(f"Someone in this class is already called {nickname}: choose another "
                                  "nickname.") from None
            return {"title": cls.title, "setup": cls.setup, "closed": cls.closed}

    def rejoin(self, code, seat):
        """The student of ``seat`` in class ``code`` (a reload): ``{"nickname", "title", "setup", "closed"}``."""
        with _Guard(), self.engine.connect() as db:
            cls, student = self._student(db, code, seat)
            return {"nickname": student.nickname, "title": cls.title, "setup": cls.setup, "closed": cls.closed}

    def current_show(self, code):
        """What the teacher shows the class, ``{"id", "label", "setup"}`` (``id`` grows with each), or None."""
        with _Guard(), self.engine.connect() as db:
            cls = self._class(db, code)
            return None if not cls.show_id else {"id": cls.show_id, "label": cls.show_label, "setup": cls.show_setup}

    # -- a student, by seat --

    def report_activity(self, code, seat, activity):
        """What the student of ``seat`` is doing now (a small dict: dataset, network, epoch, test loss,
        playing ...); it also marks them seen."""
        activity = _json(activity, DETAIL_CHARS, "activity")
        with _Guard(), self.engine.begin() as db:
            cls, student = self._student(db, code, seat)
            self._writing(cls, ("seat", student.seat_digest))
            db.execute(students.update().where(students.c.id == student.id).values(
                activity=activity, last_seen=self.clock()))

    def report_result(self, code, seat, result):
        """The student's checklist of a challenge now: ``result`` has ``challenge`` (its name), ``epoch``,
        ``passed_epoch`` (the first epoch that passed, or None), ``test_loss``, ``test_accuracy``, ``neurons``,
        ``checklist`` (rows ``[condition, measured, met]``) and ``setup`` (a link's query).  A pass is kept for
        good, with the size of the network that passed: later reports update the rest."""
        challenge = _text(result["challenge"], NAME_CHARS, "challenge name")
        values = dict(epoch=int(result["epoch"]), test_loss=_number(result.get("test_loss")),
                      test_accuracy=_number(result.get("test_accuracy")), neurons=int(result.get("neurons", 0)),
                      checklist=_json(result.get("checklist", []), DETAIL_CHARS, "checklist"),
                      setup=_text(result.get("setup", ""), SETUP_CHARS, "setup link"), at=self.clock())
        passed = result.get("passed_epoch")
        with _Guard(), self.engine.begin() as db:
            cls, student = self._student(db, code, seat)
            self._writing(cls, ("seat", student.seat_digest))
            old = db.execute(sa.select(results).where(results.c.student_id == student.id,
                                                      results.c.challenge == challenge)).first()
            if old is None:
                count = db.execute(sa.select(sa.func.count()).where(results.c.student_id == student.id)).scalar()
                if count >= MAX_RESULTS:
                    raise Refused(f"At most {MAX_RESULTS} challenges are kept per student.")
                db.execute(results.insert().values(student_id=student.id, challenge=challenge,
                                                   passed_epoch=None if passed is None else int(passed), **values))
            else:
                if old.passed_epoch is not None:  # the pass and the network that passed stay
                    passed, values["neurons"] = old.passed_epoch, old.neurons
                db.execute(results.update().where(results.c.id == old.id).values(
                    passed_epoch=None if passed is None else int(passed), **values))
            db.execute(students.update().where(students.c.id == student.id).values(last_seen=self.clock()))

    def share_run(self, code, seat, name, setup, run, picture=""):
        """Share a run with the class: its ``name``, ``setup`` (a link's query), ``run`` (its numbers and curve,
        JSON-able) and ``picture`` (its thumbnail's RGB bytes in hex, or "").  Returns the run's id."""
        values = dict(name=_text(name, NAME_CHARS, "run's name"), setup=_text(setup, SETUP_CHARS, "setup link"),
                      run=_json(run, RUN_CHARS, "run"), picture=_text(picture, PICTURE_CHARS, "picture"))
        if values["picture"].strip("0123456789abcdef"):
            raise Refused("A run's picture is hex text.")
        with _Guard(), self.engine.begin() as db:
            cls, student = self._student(db, code, seat)
            self._writing(cls, ("seat", student.seat_digest))
            count = db.execute(sa.select(sa.func.count()).where(runs.c.student_id == student.id)).scalar()
            if count >= MAX_RUNS:
                raise Refused(f"You have shared {MAX_RUNS} runs with this class, as many as it keeps.")
            return db.execute(runs.insert().values(student_id=student.id, at=self.clock(), **values)
                              ).inserted_primary_key[0]

    # -- the teacher, by key --

    def teacher_view(self, code, key):
        """The class as its teacher sees it: ``{"title", "setup", "closed", "started", "expires"}``."""
        with _Guard(), self.engine.connect() as db:
            cls = self._class(db, code, key)
            return {"title": cls.title, "setup": cls.setup, "closed": cls.closed, "started": cls.started,
                    "expires": cls.expires}

    def dashboard(self, code, key):
        """One dict per student, in the order they joined: ``nickname``, ``last_seen``, ``activity`` (dict),
        ``results`` (challenge -> dict of ``report_result``'s fields, the checklist as a list), ``runs`` (how
        many shared) and ``latest_run`` (``runs_of``'s dict of their newest, or None)."""
        with _Guard(), self.engine.connect() as db:
            cls = self._class(db, code, key)
            rows = {s.id: {"nickname": s.nickname, "last_seen": s.last_seen, "activity": json.loads(s.activity),
                           "results": {}, "runs": 0, "latest_run": None}
                    for s in db.execute(sa.select(students).where(students.c.class_id == cls.id)
                                        .order_by(students.c.id))}
            ids = sa.select(students.c.id).where(students.c.class_id == cls.id).scalar_subquery()
            for r in db.execute(sa.select(results).where(results.c.student_id.in_(ids)).order_by(results.c.id)):
                rows[r.student_id]["results"][r.challenge] = _result(r)
            for r in db.execute(sa.select(runs).where(runs.c.student_id.in_(ids)).order_by(runs.c.id)):
                rows[r.student_id]["runs"] += 1
                rows[r.student_id]["latest_run"] = _run(r, rows[r.student_id]["nickname"])
            return list(rows.values())

    def runs_of(self, code, key):
        """Every shared run of the class, oldest first: ``{"id", "nickname", "name", "setup", "picture", "run",
        "at"}`` (``run`` as shared, ``picture`` hex)."""
        with _Guard(), self.engine.connect() as db:
            cls = self._class(db, code, key)
            query = sa.select(runs, students.c.nickname).join(students).where(
                students.c.class_id == cls.id).order_by(runs.c.id)
            return [_run(r, r.nickname) for r in db.execute(query)]

    def show_to_class(self, code, key, label, setup):
        """Show ``setup`` (a link's query) to every student, as ``label``: each is offered to load it."""
        values = dict(show_label=_text(label, NAME_CHARS + NICKNAME_CHARS + 8, "label"),
                      show_setup=_text(setup, SETUP_CHARS, "setup link"))
        with _Guard(), self.engine.begin() as db:
            cls = self._class(db, code, key)
            self.throttle.take(("key", cls.key_digest))
            db.execute(classes.update().where(classes.c.id == cls.id).values(show_id=cls.show_id + 1, **values))

    def export_csv(self, code, key):
        """The class's results as CSV text: one row per student and challenge, and per student and shared run
        (a student with neither has one row).  Cells that a spreadsheet would read as a formula are inert."""
        rows = self.dashboard(code, key)
        shared = self.runs_of(code, key)
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["nickname", "kind", "name", "passed_epoch", "epoch", "test_loss", "test_accuracy", "neurons",
                    "setup"])
        for row in rows:
            lines = [[row["nickname"], "challenge", name, r["passed_epoch"], r["epoch"], r["test_loss"],
                      r["test_accuracy"], r["neurons"], r["setup"]] for name, r in row["results"].items()]
            lines += [[row["nickname"], "run", run["name"], "", run["run"].get("epoch", ""),
                       run["run"].get("test_loss", ""), run["run"].get("test_accuracy", ""), "", run["setup"]]
                      for run in shared if run["nickname"] == row["nickname"]]
            for line in lines or [[row["nickname"], "", "", "", "", "", "", "", ""]]:
                w.writerow([inert(cell) for cell in line])
        return out.getvalue()

    def close(self, code, key):
        """Close the class: students keep their playground, and nothing more is written to the class."""
        with _Guard(), self.engine.begin() as db:
            cls = self._class(db, code, key)
            db.execute(classes.update().where(classes.c.id == cls.id).values(closed=True))

    def delete(self, code, key):
        """Delete the class and everything of it, now."""
        with _Guard(), self.engine.begin() as db:
            _delete(db, sa.select(classes.c.id).where(classes.c.id == self._class(db, code, key).id))

    def expire(self):
        """Delete every class past its expiry, with everything of it; returns how many went."""
        with _Guard(), self.engine.begin() as db:
            return _delete(db, sa.select(classes.c.id).where(classes.c.expires <= self.clock()))


def _delete(db, class_ids):
    """Delete the classes whose ids ``class_ids`` (a select) gives, with their students, results and runs."""
    ids = [row[0] for row in db.execute(class_ids)]
    if ids:
        pupils = sa.select(students.c.id).where(students.c.class_id.in_(ids)).scalar_subquery()
        db.execute(runs.delete().where(runs.c.student_id.in_(pupils)))
        db.execute(results.delete().where(results.c.student_id.in_(pupils)))
        db.execute(students.delete().where(students.c.class_id.in_(ids)))
        db.execute(classes.delete().where(classes.c.id.in_(ids)))
    return len(ids)


def _result(r):
    return {"passed_epoch": r.passed_epoch, "epoch": r.epoch, "test_loss": r.test_loss,
            "test_accuracy": r.test_accuracy, "neurons": r.neurons, "checklist": json.loads(r.checklist),
            "setup": r.setup, "at": r.at}


def _run(r, nickname):
    return {"id": r.id, "nickname": nickname, "name": r.name, "setup": r.setup, "picture": r.picture,
            "run": json.loads(r.run), "at": r.at}


def _sqlite_pragmas(connection, _record):
    """Every SQLite connection: write-ahead log (readers never wait for a writer; several processes share the
    file) synced at checkpoints rather than at every commit (a power cut may lose the last seconds of writes,
    never the file), wait up to 2 s for a lock, and enforce foreign keys."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class _Guard:
    """A database that cannot be reached, or stays locked, becomes ``Unreachable`` (with the caller's own
    errors, such as ``Refused``, passing through)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _tb):
        if isinstance(error, (exc.OperationalError, exc.InterfaceError)) or (
                isinstance(error, exc.DBAPIError) and error.connection_invalidated):
            raise Unreachable() from error
        return False


def leaderboard(rows, challenge):
    """Who passed ``challenge``, best first: smallest network, then fewest epochs, then earliest.  ``rows`` are
    ``Store.dashboard``'s; returns ``(nickname, neurons, passed_epoch)`` tuples."""
    passed = [(row["nickname"], r["neurons"], r["passed_epoch"], r["at"]) for row in rows
              for name, r in row["results"].items() if name == challenge and r["passed_epoch"] is not None]
    return [p[:3] for p in sorted(passed, key=lambda p: (p[1], p[2], p[3]))]


def open_store(data_dir=None):
    """The store of this deployment: its database (``database_url``), its classes' lifetime
    (``NNPG_CLASS_DAYS``, a number of days, default ``DEFAULT_DAYS``)."""
    try:
        days = float(os.environ.get("NNPG_CLASS_DAYS") or DEFAULT_DAYS)
    except ValueError:
        days = DEFAULT_DAYS
    return Store(database_url(data_dir), days=days if 0 < days <= 3650 else DEFAULT_DAYS)
