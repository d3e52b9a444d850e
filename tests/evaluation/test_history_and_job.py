"""The demo history command and the rollup job."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cases.models import Case, CaseEvent, EventKind, UnitKind
from core.db import db
from core.queues import get_queue
from evaluation.jobs import refresh
from evaluation.models import MaterialisedDay, Rollup
from evaluation.periods import Period
from evaluation.scores import evaluate
from tests.evaluation.conftest import at


def test_generate_history_makes_a_month_the_pages_can_show(app, clock):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evaluation", "generate-history", "--days", "20",
                                 "--per-day", "4"])
    assert result.exit_code == 0, result.output
    assert "day(s) of rollups written" in result.output
    db.session.expire_all()
    cases = db.session.scalar(sa.select(sa.func.count(Case.id)))
    assert cases > 20
    kinds = set(db.session.scalars(sa.select(CaseEvent.kind).distinct()))
    assert {EventKind.ACKNOWLEDGED, EventKind.RESOLVED, EventKind.CALLBACK_ANSWERED} <= kinds
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rollup)) > 0
    assert clock.now() == clock.at  # the app's clock is given back
    period = Period(date(2026, 11, 6), date(2026, 11, 25))
    results = evaluate(UnitKind.STREET, period) + evaluate(UnitKind.DEPARTMENT, period)
    assert sum(r.values["received"] for r in results) > 0

    # make run asks for it on every start: a second month only when none is there
    again = runner.invoke(args=["evaluation", "generate-history", "--days", "20", "--once"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "The evaluation's history was made already; nothing done."
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == cases


def test_make_run_makes_the_history_once_on_a_new_district(app, clock):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["evaluation", "generate-history", "--days", "16", "--per-day",
                                "2", "--once"])
    assert first.exit_code == 0, first.output
    assert "day(s) of rollups written" in first.output


def test_the_rollup_job_runs_on_a_worker_and_twice_changes_nothing(history, work):
    history.case("city-management", at(date(2026, 11, 2), 9))
    db.session.commit()
    history.now(at(date(2026, 11, 4), 1))
    get_queue("sync").enqueue(refresh)
    work()
    days = db.session.scalars(sa.select(MaterialisedDay.day).order_by(MaterialisedDay.day)).all()
    # from the first of the month of the first event (whole months), to yesterday
    assert days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    rows = db.session.scalars(sa.select(Rollup)).all()
    # received on the 2nd; missed its sign deadline (13:00) that day and its
    # contact deadline (9:00) on the 3rd
    assert sorted((r.day, r.received, r.ack_due, r.contact_due) for r in rows) == [
        (date(2026, 11, 2), 1, 1, 0), (date(2026, 11, 3), 0, 0, 1)]
    get_queue("sync").enqueue(refresh)
    work()
    assert len(db.session.scalars(sa.select(Rollup)).all()) == 2
