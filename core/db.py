"""The database handle, created unbound and initialised by the app factory.

The SQLite engine hooks live here too: the embedded default shares one file
between the web, the worker, the clock and the SMTP intake.
"""

from __future__ import annotations

import sqlite3

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from core import sqlite

# Named constraints keep Alembic revisions identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let the web, worker and cron share one SQLite file.

    pysqlite's own transaction handling breaks SAVEPOINT (releasing one commits
    at once); SQLAlchemy's documented recipe hands BEGIN back to us.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE: a writer takes the write lock first, waiting for it up
    to the busy timeout, instead of being refused at once ("database is
    locked") when it writes after reading. Issue 16's burst (40 mails, 84
    Open311 posts at once, on `make run`): 451 for 33-40 of the mails, 503
    for 62-64 of the posts, most accepted cases undispatched 30 s later, about
    100 lock errors in the log; now every mail 250, every post 201, all
    dispatched, none.

    A deferred BEGIN for what only reads (GET, HEAD, OPTIONS unless the view
    is marked `core.sqlite.writes`; `core.sqlite.reading()`): with WAL it
    never waits and never holds a writer up. With IMMEDIATE for all, lookups
    during that burst had p95 1.9-2.6 s instead of 38-57 ms. The guard below
    catches a write in such a transaction. Details: core/sqlite.py."""
    if conn.dialect.name == "sqlite":
        sqlite.begin(conn)


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_check(conn, cursor, statement, parameters, context, executemany) -> None:
    """A write in a transaction that began deferred is a bug: core/sqlite.py."""
    if conn.dialect.name == "sqlite":
        sqlite.check_statement(conn, statement)
