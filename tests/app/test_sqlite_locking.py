"""How transactions begin on SQLite (core/sqlite.py), seen from outside: while
another process holds the write lock, a lookup still answers at once; a
writer waits for the lock and, when it stays taken past the busy timeout,
answers in its protocol's words (503, 451) and keeps nothing; once the lock
is free the same request is taken.

These run on a SQLite file of their own, whatever TEST_DATABASE_URL names,
with the busy timeout shortened to keep them fast.
"""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from flask import Blueprint
from flask_migrate import upgrade
from sqlalchemy import event, func, insert, select, text

from app import create_app
from app.demo.loader import load_demo
from cases.actors import CITIZEN
from cases.models import Case, OrgUnit
from cases.models.org import UnitKind
from channels.email.server import IntakeServer
from channels.intake import Intake, accept
from core.db import db
from core.sqlite import WriteInReadOnlyTransaction, reading, writes, writing
from tests.channels.mail import free_port, send
from tests.conftest import _test_config

pytestmark = pytest.mark.nodb  # a database of its own, not the suite's
BUSY_MS = 300
POST = {"api_key": "test-key", "service_code": "street-light", "address_string": "港湾路15号",
        "description": "路灯不亮", "phone": "13800138000"}


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory, redis_url):
    folder = tmp_path_factory.mktemp("sqlite-locking")
    app = create_app(_test_config(f"sqlite:///{folder / 'xietong.db'}", redis_url,
                                  str(folder / "instance")))
    app.register_blueprint(_views())
    with app.app_context():
        upgrade()
        load_demo()
        engine = db.engine

        def short_wait(dbapi_connection, record) -> None:  # after the app's own pragmas
            dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")

        event.listen(engine, "connect", short_wait)
        engine.dispose()
    yield app
    event.remove(engine, "connect", short_wait)
    engine.dispose()


def _note(name: str) -> None:
    db.session.execute(insert(OrgUnit.__table__).values(
        code=name, name_zh=name, name_en=name, kind=UnitKind.DEPARTMENT))
    db.session.commit()


def _views() -> Blueprint:
    """Two GETs that record something: one marked as a writer, one not."""
    bp = Blueprint("locking_test", __name__)

    @bp.get("/test/marked")
    @writes
    def marked():
        db.session.scalar(select(func.count(OrgUnit.id)))  # reads first, then writes
        _note("marked-get")
        return "noted"

    @bp.get("/test/unmarked")
    def unmarked():
        db.session.scalar(select(func.count(OrgUnit.id)))
        _note("unmarked-get")
        return "noted"

    return bp


@pytest.fixture
def database(sqlite_app):
    return sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@contextlib.contextmanager
def write_lock_held(path: str):
    """Another process's writer: it holds the write lock until the block ends."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def cases(path: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]


def test_a_lookup_answers_while_another_process_holds_the_write_lock(sqlite_app, database):
    client = sqlite_app.test_client()
    created = client.post("/open311/v2/requests.json", data=POST)
    assert created.status_code == 201, created.text
    number = created.json[0]["service_request_id"]
    with write_lock_held(database):
        found = client.get(f"/open311/v2/requests/{number}.json")
        assert found.status_code == 200 and found.json[0]["service_request_id"] == number
        assert client.get("/healthz").status_code == 200


def test_writers_answer_503_and_keep_nothing_while_the_lock_stays_taken(sqlite_app, database):
    client = sqlite_app.test_client()
    before = cases(database)
    with write_lock_held(database):
        refused = client.post("/open311/v2/requests.json", data=POST)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert "nothing was stored" in refused.json[0]["description"]
        form = client.post("/submit", data={"category": "street-light", "description": "路灯不亮",
                                            "address": "港湾路15号", "phone": "13800138000"})
        assert form.status_code == 503 and form.headers["Retry-After"]
    assert cases(database) == before
    assert client.post("/open311/v2/requests.json", data=POST).status_code == 201
    assert cases(database) == before + 1


def test_mail_gets_451_while_the_lock_stays_taken_and_250_after(sqlite_app, database):
    server = IntakeServer(sqlite_app, host="127.0.0.1", port=free_port())
    server.start()
    raw = ("From: li.ming@163.example\r\nTo: xinfang@huangpu.example\r\nSubject: 路灯不亮\r\n"
           "Message-ID: <locking.1@163.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n港湾路15号的路灯坏了。\r\n").encode()
    try:
        before = cases(database)
        with write_lock_held(database):
            assert send(server.port, raw).code == 451
        assert cases(database) == before
        assert send(server.port, raw).code == 250
        assert cases(database) == before + 1
    finally:
        server.stop()


def test_outside_requests_work_waits_for_the_lock_unless_it_only_reads(sqlite_app, database):
    with sqlite_app.app_context():
        with write_lock_held(database):
            with reading():
                assert db.session.scalar(select(func.count(OrgUnit.id))) > 0
                db.session.rollback()
            # A job, the SMTP intake, the command line: the write lock first.
            with pytest.raises(Exception, match="database is locked"):
                db.session.scalar(select(func.count(OrgUnit.id)))
            db.session.rollback()
        case = accept(Intake(channel="web", category_code="street-light", description="路灯不亮",
                             address_text="港湾路15号", phone="13800138000"), CITIZEN)
        db.session.commit()
        assert db.session.get(Case, case.id) is not None


def test_a_get_that_writes_is_caught_unless_it_is_marked(sqlite_app, database):
    client = sqlite_app.test_client()
    with pytest.raises(WriteInReadOnlyTransaction, match="INSERT .*GET /test/unmarked"):
        client.get("/test/unmarked")
    with write_lock_held(database):  # a marked GET waits for the lock like any writer
        assert client.get("/test/marked").status_code == 503
    assert client.get("/test/marked").text == "noted"
    with contextlib.closing(sqlite3.connect(database)) as conn:
        codes = {row[0] for row in conn.execute(
            "SELECT code FROM org_units WHERE code LIKE '%-get'")}
    assert codes == {"marked-get"}


def test_a_read_then_write_takes_a_transaction_of_its_own_inside_writing(sqlite_app):
    with sqlite_app.test_request_context("/anything", method="GET"):
        db.session.scalar(select(func.count(OrgUnit.id)))
        db.session.rollback()
        with writing():
            _note("written-in-a-get")
        forget = text("DELETE FROM org_units WHERE code = 'written-in-a-get'")
        with pytest.raises(WriteInReadOnlyTransaction):  # outside writing(): a reader again
            db.session.execute(forget)
        db.session.rollback()
        with writing():
            db.session.execute(forget)
            db.session.commit()
