"""The evaluation pages, exports, the JSON API and the public statistics, as
their users see them."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.db import db
from evaluation.measures import MEASURES, ZH
from evaluation.models import QualitativeScore, Weight
from tests.evaluation.conftest import at
from tests.evaluation.test_measures import WEEK, build
from tests.html import parse
from tests.support import audit_rows, login

RANGE = {"from": "2026-11-02", "to": "2026-11-08"}


@pytest.fixture
def built(history):
    return build(history)


def test_ranking_shows_every_measure_with_its_definition(app, client, built):
    login(client, "evaluator")
    page = parse(client.get("/evaluation/ranking", query_string={**RANGE,
                                                                 "unit_type": "department"}))
    table = page.find("table", id="ranking")
    rows = {tr.attrs["data-unit"]: tr for tr in table.find_all("tr") if "data-unit" in tr.attrs}
    assert list(rows)[:2] == ["environment", "city-management"]  # B ranks above A
    cells = [td.text().strip() for td in rows["city-management"].find_all("td")]
    assert "60.0%" in cells and "33.3%" in cells and cells[0] == "2"
    defs = page.find("dl", cls="definitions").text()
    with app.test_request_context():  # the page's language, whatever the catalogue holds
        for m in MEASURES:
            assert str(m.definition) in defs
    assert len(table.find_all("abbr")) >= len(MEASURES)


def test_click_through_lists_the_cases_behind_a_figure(client, built):
    login(client, "evaluator")
    page = parse(client.get("/evaluation/ranking", query_string={**RANGE,
                                                                 "unit_type": "department"}))
    link = next(a for a in page.find_all("a", cls="figure")
                if "measure=response_rate" in a.attrs["href"]
                and "unit=city-management" in a.attrs["href"])
    listing = parse(client.get(link.attrs["href"]))
    rows = listing.find("table", cls="cases").find_all("tr")[1:]
    assert len(rows) == 4  # the 4 contact deadlines judged: c1 c2 c3 c6
    met = [tr.find_all("td")[-1].text() for tr in rows]
    assert len(set(met)) == 2 and met.count(met[0]) == 2  # 2 met (c1 c3), 2 not (c2 c6)


def test_ranking_exports_to_xlsx_with_chinese_headers_numbers_and_dates(client, built):
    login(client, "evaluator")
    response = client.get("/evaluation/ranking.xlsx",
                          query_string={**RANGE, "unit_type": "department"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["排名", "单位代码", "单位", "综合得分"]
    assert "响应率" in headers and "满意率" in headers and "解决率" in headers
    rows = {r[1]: dict(zip(headers, r, strict=True)) for r in ws.iter_rows(min_row=2,
                                                                          values_only=True)}
    a = rows["city-management"]
    assert a["排名"] == 2 and a["受理量"] == 5
    assert a["按时签收率"] == 60.0 and a["响应率"] == 50.0 and a["解决率"] == 33.3
    assert ws.cell(row=2, column=headers.index("响应率") + 1).data_type == "n"
    assert isinstance(a["开始日期"], datetime) and a["开始日期"].date() == date(2026, 11, 2)
    defs = {r[0]: r[1] for r in wb["指标说明"].iter_rows(min_row=2, values_only=True) if r[0]}
    for m in MEASURES:
        assert defs[ZH[m.code][0]] == ZH[m.code][1]


def test_ranking_and_cases_export_to_csv(client, built):
    login(client, "evaluator")
    response = client.get("/evaluation/ranking.csv",
                          query_string={**RANGE, "unit_type": "department"})
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["排名", "单位代码", "单位"]
    a = next(r for r in rows if len(r) > 1 and r[1] == "city-management")
    assert a[0] == "2" and "2026-11-02" in a
    assert ["指标", "定义"] in rows
    cases = client.get("/evaluation/cases.xlsx", query_string={
        **RANGE, "unit": "city-management", "measure": "received"})
    ws = load_workbook(io.BytesIO(cases.data)).worksheets[0]
    assert [c.value for c in ws[1]][:2] == ["工单编号", "受理时间"]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values) == 5 and all(isinstance(v[1], datetime) for v in values)


def test_unit_head_sees_only_their_unit_and_its_rank(client, built):
    login(client, "huangpu-head")
    response = client.get("/evaluation")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/evaluation/unit/huangpu-street")
    page = parse(client.get("/evaluation/unit/huangpu-street"))
    assert page.find(id="rank") is not None
    assert page.find("table", id="measures") is not None
    # trend charts: described for ECharts, with the same figures in a table
    received = page.find("figure", **{"data-measure": "received"})
    chart = json.loads(received.find("div", cls="echart").attrs["data-chart"])
    assert chart["type"] == "line" and len(chart["labels"]) == len(chart["values"]) == 30
    rows = received.find("table").find_all("tr")
    assert len(rows) == 1 + 30
    assert client.get("/evaluation/unit/hongshan-street").status_code == 403
    assert client.get("/evaluation/ranking").status_code == 403
    assert client.get("/evaluation/ranking.xlsx").status_code == 403
    assert client.get("/evaluation/cases", query_string={
        **RANGE, "unit": "hongshan-street", "measure": "received"}).status_code == 403


def test_staff_without_the_role_are_refused(client, built):
    login(client, "chengguan")
    assert client.get("/evaluation").status_code == 403
    assert client.get("/evaluation/unit/city-management").status_code == 403


def test_dashboard_and_live_fragment(client, built, history):
    login(client, "evaluator")
    history.case("city-management", at(date(2026, 11, 20), 9))
    db.session.commit()
    page = parse(client.get("/evaluation", query_string={"unit_type": "department"}))
    box = page.find(id="live-box")
    assert box.attrs["data-refresh"] == "30"
    row = box.find("tr", **{"data-unit": "city-management"})
    assert row.find_all("td")[1].text().strip() == "1"  # received today
    fragment = parse(client.get("/evaluation/live", query_string={"unit_type": "department"}))
    assert fragment.find(id="live") is not None


def test_evaluator_enters_a_qualitative_score_and_it_counts(client, built):
    login(client, "evaluator")
    response = client.post("/evaluation/scores", data={
        "unit": "city-management", "month": "2026-11", "score": "90", "comment": "配合积极"})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(QualitativeScore))
    assert row.score == 90 and row.month == date(2026, 11, 1) and row.comment == "配合积极"
    bad = parse(client.post("/evaluation/scores", data={
        "unit": "city-management", "month": "2026-13", "score": "120"}))
    assert len(bad.find_all("p", cls="error")) == 2
    from cases.models import UnitKind
    from evaluation.scores import evaluate

    a = next(r for r in evaluate(UnitKind.DEPARTMENT, WEEK) if r.unit.code == "city-management")
    assert a.qualitative == 90.0


def test_the_evaluation_office_sets_weights_and_the_composite_follows(client, built):
    login(client, "evaluator")  # the evaluation office (and an administrator)
    data = {c: "0" for c in ("signed_on_time", "response_rate", "resolved_on_time",
                             "resolution_rate", "satisfaction_rate", "return_rate",
                             "redo_rate", "extension_rate", "qualitative")}
    data["response_rate"] = "100"
    assert client.post("/evaluation/weights", data=data).status_code == 302
    assert db.session.get(Weight, "response_rate").weight == 100
    changes = audit_rows("evaluation_weights")  # who changed what, when
    assert len(changes) == 1 and changes[0].actor_label == "evaluator"
    assert changes[0].before["response_rate"] == 20.0 and changes[0].after["response_rate"] == 100
    assert "qualitative" in changes[0].after
    from cases.models import UnitKind
    from evaluation.scores import evaluate

    a = next(r for r in evaluate(UnitKind.DEPARTMENT, WEEK) if r.unit.code == "city-management")
    assert a.composite == 50.0  # the response rate alone
    bad = client.post("/evaluation/weights", data={**data, "response_rate": "-3"})
    assert bad.status_code == 200 and parse(bad).find("p", cls="error") is not None


def test_printable_monthly_report(client, built):
    login(client, "evaluator")
    response = client.get("/evaluation/report", query_string={"month": "2026-11"})
    assert response.status_code == 200
    assert b"@media print" in response.data
    page = parse(response)
    assert len(page.find_all("section", cls="report-section")) == 3
    assert client.get("/evaluation/report", query_string={"month": "2026-xx"}).status_code == 400


def test_api_returns_the_measures_as_json(client, built):
    response = client.get("/api/v1/evaluation", query_string={**RANGE,
                                                              "unit_type": "department"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == "2026-11-02" and body["unit_type"] == "department"
    units = {u["code"]: u for u in body["units"]}
    assert units["city-management"]["measures"]["response_rate"] == 50.0
    assert units["environment"]["rank"] == 1
    assert set(body["definitions"]) >= {m.code for m in MEASURES}


@pytest.mark.parametrize("query,field", [
    ({"to": "2026-11-08", "unit_type": "street"}, "from"),
    ({"from": "2026-11-02", "to": "2026-11-31", "unit_type": "street"}, "to"),
    ({"from": "2026-11-08", "to": "2026-11-02", "unit_type": "street"}, "to"),
    ({"from": "2026-11-02", "to": "2026-11-08", "unit_type": "district"}, "unit_type"),
    ({"from": "2026-11-02", "to": "2026-11-08"}, "unit_type"),
    ({"from": "2025-01-01", "to": "2026-11-08", "unit_type": "street"}, "to"),
])
def test_api_says_clearly_what_is_wrong(client, query, field):
    response = client.get("/api/v1/evaluation", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_parameter" and body["field"] == field and body["message"]


def test_public_statistics_have_no_personal_data(client, built, history):
    from cases.models import Case

    case = db.session.scalar(sa.select(Case).limit(1))
    case.contact_name, case.address_text = "王小明", "港湾路15号"
    case.description = "私密的诉求内容"
    db.session.commit()
    response = client.get("/stats", query_string={"period": "month", "day": "2026-11-05"})
    assert response.status_code == 200
    text = response.data.decode()
    for private in ("王小明", "港湾路15号", "私密的诉求内容", "+8613800138000",
                    "13800138000", case.tracking_number):
        assert private not in text
    page = parse(response)
    streets = page.find("table", id="streets")
    # the nine streets, the cases not located, the district's total
    assert len(streets.find_all("tr")) == 1 + 9 + 1 + 1
    # by the street of the address: the history's cases have none but the two
    # answered at intake in 黄埔街道 (c5, merged away, counts nowhere)
    huangpu = streets.find("tr", **{"data-street": "huangpu-street"})
    assert huangpu.find("td", cls="received").text() == "2"
    assert streets.find("tr", id="unlocated").find("td", cls="received").text() == "5"
    categories = page.find("table", id="categories")
    # 8 road-damage cases in November, c5 merged away: 7; resolved: c1 to c4
    assert [td.text() for td in categories.find_all("td")][1:3] == ["7", "4"]
    assert page.find("dl", cls="definitions") is not None
