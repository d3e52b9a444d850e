"""The register's measures per street and community join the evaluation:
registrations on time, visits on time, findings resolved on time by the
departments through their cases, red properties emptied; with their written
definitions, in the ranking, weighed by an administrator's weight."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from cases import operations
from cases.models import OrgUnit, UnitKind
from core.db import db
from evaluation.measures import BY_CODE, ZH
from evaluation.periods import Period
from evaluation.scores import evaluate, set_weights
from register import findings, inspections
from register.checklist import ITEMS
from register.models import Grade
from tests.register.support import id_number, make_property, register, user
from tests.support import login

TODAY = date(2026, 11, 26)
MONTH = Period(date(2026, 11, 1), date(2026, 11, 30), "month")
REGISTER = ("registered_on_time", "visited_on_time", "findings_on_time", "red_emptied")


def values(kind: UnitKind, code: str, period: Period = MONTH) -> dict:
    return {r.unit.code: r for r in evaluate(kind, period)}[code]


def visit(prop, grade: Grade, reason: str = "", **fails):
    done = inspections.record_visit(user("huangpu-dongyuan-g1"), prop, inspections.Checklist(
        answers={i.code: "fail" if i.code in fails else "ok" for i in ITEMS}, notes={},
        grade=grade, reason=reason))
    db.session.commit()
    return done


def test_every_register_measure_has_its_definition_in_both_languages():
    for code in REGISTER:
        assert BY_CODE[code].source == "register" and BY_CODE[code].kind == "rate"
        assert ZH[code][0] and ZH[code][1] and BY_CODE[code].definition


def test_registrations_on_time_count_for_the_street_and_community_of_the_property(clock):
    prop = make_property("港湾路15号302房")
    register(prop, name="按时", number=id_number(seq=1), arrived_on=date(2026, 11, 25))
    register(prop, name="逾期", number=id_number(seq=2), arrived_on=date(2026, 11, 20))
    community = values(UnitKind.COMMUNITY, "huangpu-dongyuan")
    assert community.values["registered_on_time"] == 50.0
    assert values(UnitKind.STREET, "huangpu-street").values["registered_on_time"] == 50.0
    assert values(UnitKind.COMMUNITY, "hongshan-shihua").values["registered_on_time"] is None
    assert "registered_on_time" not in {k for k, v in values(
        UnitKind.DEPARTMENT, "police").values.items() if v is not None}


def test_visits_on_time_and_those_missed(clock):
    visited = make_property("港湾路15号302房")
    missed = make_property("港湾路17号101房")
    missed.next_visit_due = TODAY - timedelta(days=2)
    db.session.commit()
    visit(visited, Grade.GREEN)
    assert values(UnitKind.COMMUNITY, "huangpu-dongyuan").values["visited_on_time"] == 50.0


def test_findings_resolved_on_time_and_red_properties_emptied(clock, work):
    prop = make_property("港湾路15号302房")
    [fire] = visit(prop, Grade.ORANGE, "电动车", ebike_indoor="").findings
    red_prop = make_property("港湾路17号101房")
    red = [f for f in visit(red_prop, Grade.RED, "危房").findings if f.item == "red_grade"][0]
    work()
    for finding, username in ((fire, "xiaofang"), (red, "fangguan")):
        operations.acknowledge(finding.case, user(username))
        operations.resolve(finding.case, user(username), "已整改")
    db.session.commit()
    findings.check(user("huangpu-dongyuan-g1"), red, fixed=True)
    db.session.commit()
    clock.advance(days=30)  # every deadline has passed: each is judged
    result = values(UnitKind.COMMUNITY, "huangpu-dongyuan", Period(TODAY, TODAY + timedelta(30)))
    assert result.values["findings_on_time"] == 100.0 and result.values["red_emptied"] == 100.0
    month = values(UnitKind.COMMUNITY, "huangpu-dongyuan")
    assert month.values["red_emptied"] == 100.0


def test_the_measures_join_the_composite_only_with_a_weight(clock):
    prop = make_property("港湾路15号302房")
    register(prop, name="逾期", number=id_number(seq=3), arrived_on=date(2026, 11, 20))
    assert values(UnitKind.COMMUNITY, "huangpu-dongyuan").composite is None
    set_weights({"registered_on_time": 10.0})
    db.session.commit()
    assert values(UnitKind.COMMUNITY, "huangpu-dongyuan").composite is None  # its line weighs 0
    set_weights({"line:register": 20.0})
    db.session.commit()
    result = values(UnitKind.COMMUNITY, "huangpu-dongyuan")
    assert result.composite == 0.0 and result.lines["register"] == 0.0


def test_the_figure_leads_to_the_rows_behind_it(client, clock):
    prop = make_property("港湾路15号302房")
    register(prop, name="逾期租客", number=id_number(seq=4), arrived_on=date(2026, 11, 20))
    login(client, "evaluator")
    ranking = client.get("/evaluation/ranking?kind=community&period=month&day=2026-11-26")
    assert ranking.status_code == 200
    answer = client.get("/evaluation/cases?unit=huangpu-dongyuan&measure=registered_on_time"
                        "&from=2026-11-01&to=2026-11-30")
    assert answer.status_code == 302 and "/register/measure" in answer.location
    rows = client.get(answer.location).get_data(as_text=True)
    assert "港湾路15号302房" in rows and "逾期租客" not in rows  # no names behind a figure
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "huangpu-dongyuan"))
