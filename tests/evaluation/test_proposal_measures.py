"""The proposals' measures: for the lead unit that replies (joint units
count in none), per period, merged into the rankings, with the rows behind
each figure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.demo.proposals import load_demo_proposals
from cases.kinds import get
from cases.models import UnitKind
from cases.models.proposal import Proposal
from cases.proposals import handling, links
from cases.proposals.registration import create_session, register_proposal
from core.db import db
from evaluation import proposal_history
from evaluation.measures import BY_CODE, ZH
from evaluation.periods import Period
from evaluation.scores import evaluate
from tests.cases.test_proposals import FIELDS, SESSION, unit, user
from tests.support import login

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "month")
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31), "month")
PROPOSAL_MEASURES = ("proposal_replies_on_time", "proposal_communicated_first",
                     "proposal_satisfaction", "proposal_grade_a_share", "proposal_redo_count")


def values(code: str, period: Period) -> dict:
    return {r.unit.code: r for r in evaluate(UnitKind.DEPARTMENT, period)}[code].values


def worked(clock):
    """One proposal replied (A), found not satisfied, replied again (B); one
    in a 1-month session left without a reply."""
    create_session(SESSION, 3, user("dispatcher"))
    create_session("短期届次", 1, user("dispatcher"))
    first = register_proposal(FIELDS, user("dispatcher"))
    late = register_proposal({**FIELDS, "session": "短期届次", "number": 1}, user("dispatcher"))
    handling.assign(first, user("dispatcher"), unit("city-management"), [unit("environment")])
    handling.assign(late, user("dispatcher"), unit("city-management"))
    handling.send_opinion(first, user("huanbao"), "同意。")
    handling.record_communication(first, user("chengguan"), "phone", "电话沟通。")
    handling.reply(first, user("chengguan"), "已开通新线路。", "A")
    clock.advance(days=2)
    handling.feedback_by_link(links.token(first), "not_satisfied")
    clock.advance(days=5)  # 3 December
    handling.reply(first, user("chengguan"), "增加了班次。", "B")
    db.session.commit()
    return first, late


def test_every_proposal_measure_is_listed_by_the_kind_with_its_definitions():
    assert get("proposal").measures == PROPOSAL_MEASURES
    for code in PROPOSAL_MEASURES:
        assert BY_CODE[code].source == "proposal" and BY_CODE[code].definition
        assert ZH[code][0] and ZH[code][1]


def test_the_measures_count_for_the_lead_unit_by_period(clock):
    worked(clock)
    clock.advance(days=30)  # the 1-month session's reply is overdue
    november = values("city-management", NOVEMBER)
    assert november["proposal_communicated_first"] == 100.0
    assert november["proposal_grade_a_share"] == 100.0
    assert november["proposal_satisfaction"] == 0.0
    assert november["proposal_redo_count"] == 1
    assert november["proposal_replies_on_time"] is None  # nothing was due in November
    december = values("city-management", DECEMBER)
    assert december["proposal_grade_a_share"] == 0.0  # the second reply, graded B
    # the second reply by its 1-month deadline; the other one's deadline passed unreplied
    assert december["proposal_replies_on_time"] == 50.0
    assert december["proposal_redo_count"] == 0
    joint = values("environment", NOVEMBER)  # the joint unit counts in none
    assert all(joint[code] in (None, 0) for code in PROPOSAL_MEASURES)


def test_the_figure_leads_to_the_rows_behind_it(client, clock):
    worked(clock)
    clock.advance(days=30)
    login(client, "evaluator")
    answer = client.get("/evaluation/cases?unit=city-management&measure=proposal_replies_on_time"
                        "&from=2026-12-01&to=2026-12-31")
    assert answer.status_code == 302 and "/proposals/measure" in answer.location
    page = client.get(answer.location).get_data(as_text=True)
    assert f"{SESSION}第7号" in page and "短期届次第1号" in page
    login(client, "chengguan")
    assert client.get(answer.location).status_code == 403


def test_a_month_of_history_gives_the_measures_something_to_show(app, clock):
    made = proposal_history.generate(days=30)
    assert made["proposals"] > 10 and made["replies"] > 0 and made["feedback"] > 0
    again = proposal_history.generate(days=30)  # a second run adds new numbers
    assert again["proposals"] > 0
    assert clock.now() == clock.at  # the app's clock is given back
    results = evaluate(UnitKind.DEPARTMENT, Period(date(2026, 10, 27), date(2026, 11, 26),
                                                   "custom"))
    replied = [r for r in results if r.counters.get("prop_reply_due")]
    assert replied and any(r.values["proposal_satisfaction"] is not None for r in results)
    assert sum(r.counters.get("prop_graded", 0) for r in results) == sum(
        r.counters.get("prop_comm_due", 0) for r in results) > 0


def test_the_demo_session_is_loaded_once(app, clock):
    assert load_demo_proposals() == {"proposals": 4}
    assert load_demo_proposals() == {"proposals": 0}
    statuses = sorted(p.case.status.value for p in db.session.scalars(select(Proposal)))
    assert statuses == ["closed", "dispatched", "registered", "resolved"]
