"""Business lines: petition measures count petitions only, and a line
declared the way each kind declares its own (here a fixture line of
supervision items, through `register_line`) joins the rankings, the
composite score, its weights, the drill-down, the exports, the report and
the API."""

from __future__ import annotations

import io
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from cases.matters import create_matter
from cases.models import Assignment, AssignmentRole, Case, UnitKind
from core.clock import now
from core.db import db
from evaluation import lines, rollups
from evaluation.compute import day_start
from evaluation.lines import Line, register_line, unregister_line
from evaluation.measures import Measure
from evaluation.scores import evaluate, ranking, set_weights
from tests.evaluation.conftest import at
from tests.evaluation.test_measures import EXPECTED_A, EXPECTED_B, WEEK, build, d
from tests.html import parse
from tests.support import login

RANGE = {"from": "2026-11-02", "to": "2026-11-08"}
ITEM = {"title": "推进某某项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30"}
CODE = "fixture_items_on_time"


def supervision_item(h, unit: str, when, *, resolved_after_h: int | None, resolve_h=48) -> Case:
    """A supervision item assigned to `unit` at `when`, signed for, and resolved
    `resolved_after_h` hours later (None: never)."""
    h.now(when)
    item = create_matter("supervision", ITEM, h.supervisor())
    h.dispatch(item, unit, when, resolve_h=resolve_h)
    h.ack(item, unit, when + timedelta(hours=1))
    if resolved_after_h is not None:
        h.resolve(item, unit, when + timedelta(hours=resolved_after_h))
    return item


# --- the fixture line: items resolved by their deadline, per lead unit ------------


def _judged(first: date, last: date, at_):
    at_ = at_ or now()
    rows = db.session.scalars(
        sa.select(Assignment).join(Case, Case.id == Assignment.case_id)
        .where(Case.kind == "supervision", Assignment.role == AssignmentRole.LEAD,
               Assignment.resolve_due >= day_start(first),
               Assignment.resolve_due < day_start(last + timedelta(days=1))))
    for a in rows:
        met = a.resolved_at is not None and a.resolved_at <= a.resolve_due
        if met or a.resolve_due < at_:
            yield a, met


def counters(first, last, unit_ids, at_=None):
    out: dict[int, Counter] = {}
    for a, met in _judged(first, last, at_):
        if a.unit_id in unit_ids:
            c = out.setdefault(a.unit_id, Counter())
            c["fx_due"] += 1
            c["fx_met"] += int(met)
    return out


def behind(unit_id, first, last, measure, at_=None):
    judged = [(a, met) for a, met in _judged(first, last, at_) if a.unit_id == unit_id]
    return {a.case_id for a, _ in judged}, {a.case_id for a, met in judged if met}


FIXTURE_LINE = Line(
    "supervision", _l("Supervision items"),
    (Measure(CODE, _l("Items resolved on time"),
             _l("Items resolved by their deadline / items whose deadline fell in the period."),
             "rate", "fx_met", "fx_due", weighted=True, source="supervision"),),
    zh={CODE: ("督办件按期办结率", "按期办结的督办件数 / 办结期限在期内的督办件数。")},
    counters=counters, behind=behind)


@contextmanager
def declared(line: Line):
    """The fixture line declared for the duration, then the kind's own line again."""
    previous = lines._DECLARED.get(line.name)  # the kind's own line, once it exists
    register_line(line)
    try:
        yield line
    finally:
        unregister_line(line.name)
        if previous is not None:
            register_line(previous)


@pytest.fixture
def fixture_line():
    with declared(FIXTURE_LINE) as line:
        yield line


@pytest.fixture
def built(history):
    return build_lines(history)


def build_lines(history) -> dict:
    """The petitions of test_measures (B ranks above A), and supervision items:
    A's two on time, B's one late."""
    units = build(history)
    supervision_item(history, "city-management", at(d(0), 9), resolved_after_h=24)
    supervision_item(history, "city-management", at(d(1), 9), resolved_after_h=47)
    late = supervision_item(history, "environment", at(d(1), 9), resolved_after_h=None)
    history.escalate(late, "environment", 1, at(d(3), 10))
    db.session.commit()
    history.now(at(date(2026, 11, 20), 10))
    return units


def _by_code(results):
    return {r.unit.code: r for r in results}


# --- petitions only -------------------------------------------------------------


@pytest.mark.parametrize("materialised", [False, True], ids=["live", "rollups"])
def test_petition_measures_count_petitions_only(built, materialised):
    """A supervision item received, signed, resolved, escalated by a
    department changes none of its petition figures."""
    if materialised:
        assert rollups.refresh()
    results = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))
    a, b = results["city-management"], results["environment"]
    for code, value in EXPECTED_A.items():
        assert a.values[code] == value, code
    for code, value in EXPECTED_B.items():
        assert b.values[code] == value, code
    assert b.values["escalated_1"] == 0  # the item's escalation is not a petition's


def test_every_kind_is_a_line_and_one_without_measures_weighs_nothing(built):
    names = lines.line_names()
    assert names[:4] == ["petition", "supervision", "proposal", "document"]
    assert "register" in names
    a = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))["city-management"]
    assert a.lines["supervision"] is None and a.lines["proposal"] is None
    assert a.composite == a.lines["petition"]  # only the petition line has weight and data


# --- the fixture line -------------------------------------------------------------


def test_a_declared_line_joins_the_composite_and_its_weight_changes_the_ranking(
        built, fixture_line):
    results = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))
    a, b = results["city-management"], results["environment"]
    assert a.values[CODE] == 100.0 and b.values[CODE] == 0.0
    assert a.lines["supervision"] == 100.0 and b.lines["supervision"] == 0.0
    assert b.rank == 1 and a.rank == 2  # the new line weighs 0 by default
    by_line = _by_code(ranking(UnitKind.DEPARTMENT, WEEK, line="supervision"))
    assert by_line["city-management"].rank == 1 and by_line["environment"].rank == 2

    set_weights({"line:supervision": 95.0})  # as much as the petition line
    db.session.commit()
    results = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))
    a, b = results["city-management"], results["environment"]
    assert a.rank == 1 and b.rank == 2
    # each line's score weighs half: (petition score + 100) / 2
    assert a.composite == round((a.lines["petition"] + 100.0) / 2, 1)
    set_weights({CODE: 0.0})  # a measure without weight leaves its line without a score
    db.session.commit()
    a = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))["city-management"]
    assert a.lines["supervision"] is None and a.composite == a.lines["petition"]


def test_the_pages_cover_the_line_and_a_figure_leads_to_its_matters(client, built,
                                                                     fixture_line):
    login(client, "evaluator")
    page = parse(client.get("/evaluation/ranking", query_string={
        **RANGE, "unit_type": "department", "line": "supervision"}))
    rows = {tr.attrs["data-unit"]: tr for tr in page.find("table", id="ranking").find_all("tr")
            if "data-unit" in tr.attrs}
    assert list(rows)[:2] == ["city-management", "environment"]  # by the line's score
    link = rows["environment"].find("a", cls="figure")
    assert f"measure={CODE}" in link.attrs["href"]
    listing = parse(client.get(link.attrs["href"]))
    cases = listing.find("table", cls="cases").find_all("tr")[1:]
    assert len(cases) == 1 and cases[0].text().count("督〔2026〕") == 1
    assert cases[0].find_all("td")[-1].text().strip() in ("否", "No")
    assert "Items resolved by their deadline" in page.text() or "督办件" in page.text()

    unit = parse(client.get("/evaluation/unit/city-management", query_string=RANGE))
    assert unit.find("tr", **{"data-line": "supervision"}) is not None
    assert unit.find("tr", **{"data-measure": CODE}) is not None
    trend = unit.find("div", id="line-trends").find("figure", **{"data-line": "supervision"})
    assert "100.0" in trend.find("table").text()  # November's score among the months

    xlsx = client.get("/evaluation/ranking.xlsx", query_string={**RANGE,
                                                                "unit_type": "department"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    headers = [c.value for c in sheet[1]]
    assert "督办件得分" in headers and "督办件按期办结率" in headers

    report = parse(client.get("/evaluation/report", query_string={"month": "2026-11"}))
    assert report.find("div", **{"data-line": "supervision"}).find("table") is not None


@pytest.fixture
def proposals_unmeasured():
    """The proposal line as it was before its measures were declared."""
    with declared(Line(name="proposal", label=_l("Motions and proposals"))) as line:
        yield line


def test_a_line_without_measures_shows_an_empty_state(client, built, proposals_unmeasured):
    login(client, "evaluator")
    response = client.get("/evaluation/ranking", query_string={
        **RANGE, "unit_type": "department", "line": "proposal"})
    assert response.status_code == 200
    assert parse(response).find("p", id="no-measures") is not None
    report = parse(client.get("/evaluation/report", query_string={"month": "2026-11"}))
    assert report.find("div", **{"data-line": "proposal"}).find("p", cls="empty")
    bad = client.get("/evaluation/ranking", query_string={**RANGE, "line": "memo"},
                     follow_redirects=True)
    assert bad.status_code == 200 and parse(bad).find("table", id="ranking") is not None


def test_api_kind_gives_one_line_and_refuses_an_unknown_one(client, built, fixture_line,
                                                            proposals_unmeasured):
    query = {**RANGE, "unit_type": "department"}
    everything = client.get("/api/v1/evaluation", query_string=query).get_json()
    assert everything["kind"] is None
    assert {line["name"] for line in everything["lines"]} >= {
        "petition", "supervision", "proposal", "document", "register"}
    body = client.get("/api/v1/evaluation", query_string={**query, "kind": "supervision"})
    assert body.status_code == 200
    data = body.get_json()
    units = {u["code"]: u for u in data["units"]}
    assert units["city-management"]["measures"] == {CODE: 100.0}
    assert units["city-management"]["rank"] == 1 and units["environment"]["rank"] == 2
    assert units["city-management"]["lines"] == {"supervision": 100.0}
    assert data["definitions"][CODE]["definition_zh"].startswith("按期办结")
    empty = client.get("/api/v1/evaluation", query_string={**query, "kind": "proposal"})
    assert empty.status_code == 200 and empty.get_json()["units"][0]["measures"] == {}
    bad = client.get("/api/v1/evaluation", query_string={**query, "kind": "memo"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "kind"


def test_weights_per_line_and_measure_on_the_page(client, built, fixture_line):
    login(client, "evaluator")
    page = parse(client.get("/evaluation/weights"))
    fieldsets = {f.attrs.get("data-line") for f in page.find_all("fieldset")}
    assert {"petition", "supervision", "proposal", "document", "register"} <= fieldsets
    form = {i.attrs["name"]: i.attrs.get("value", "") for i in page.find_all("input")
            if i.attrs.get("name") and i.attrs["name"] != "csrf_token"}
    assert form["line:petition"] == "95.0" and form[CODE] == "10.0"
    form["line:supervision"] = "95"
    assert client.post("/evaluation/weights", data=form).status_code == 302
    a = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))["city-management"]
    assert a.rank == 1
    history = parse(client.get("/evaluation/weights")).find("section", id="weight-history")
    assert "evaluator" in history.text() and "95" in history.text()
