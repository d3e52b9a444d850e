"""Reading the bench database directly (psycopg), never through the app."""

from __future__ import annotations

import psycopg


def scalar(dsn: str, sql: str, params: tuple = ()):
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


def rows(dsn: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def case_count(dsn: str, table: str = "cases") -> int:
    return scalar(dsn, f"SELECT count(*) FROM {table}")  # a name of the bench's, not input


def max_case_id(dsn: str, table: str = "cases") -> int:
    return scalar(dsn, f"SELECT coalesce(max(id), 0) FROM {table}")


def waiting_between(dsn: str, first: int, last: int) -> int:
    return scalar(dsn, "SELECT count(*) FROM cases WHERE id > %s AND id <= %s"
                       " AND status = 'received'", (first, last))


def settled_count(dsn: str) -> int:
    return scalar(dsn, "SELECT count(*) FROM cases WHERE status <> 'received'")


def postgres_pids(dsn: str) -> list[int]:
    """The server processes working for this database, and the WAL writer,
    checkpointer and background writer that every commit leans on."""
    return [pid for (pid,) in rows(dsn, (
        "SELECT pid FROM pg_stat_activity WHERE (datname = current_database()"
        " AND pid <> pg_backend_pid())"
        " OR backend_type IN ('walwriter', 'checkpointer', 'background writer')"))]
