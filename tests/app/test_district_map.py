"""The district map's data: the communities' boundaries as GeoJSON, open and
overdue cases per community on the supervision desk, evaluation measures per
community, /stats counted by the street of the address, and who may read
which."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from cases import events, operations
from cases.actors import SYSTEM
from cases.models import Case, EventKind, OrgUnit
from core.db import db
from evaluation import places
from evaluation.periods import month_of
from tests.app.supervision.helpers import at, user
from tests.html import parse
from tests.support import login

DONGYUAN_POINT = (23.088, 113.429)  # lat, long inside 东苑社区
SQUARE = {"type": "Polygon", "coordinates": [[[113.40, 23.07], [113.41, 23.07],
                                               [113.41, 23.08], [113.40, 23.07]]]}


def unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def collection(client) -> dict:
    response = client.get("/maps/communities.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    return json.loads(response.data)


def features(client) -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in collection(client)["features"]}


# -- the boundaries -------------------------------------------------------------------


def test_the_boundaries_are_a_feature_collection_of_the_communities(client):
    body = collection(client)
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 27  # the demo district's communities, nothing else
    dongyuan = next(f for f in body["features"] if f["id"] == "huangpu-dongyuan")
    assert dongyuan["type"] == "Feature"
    assert dongyuan["geometry"]["type"] == "Polygon"
    ring = dongyuan["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) >= 4  # a closed ring, longitude first
    assert ring[0] == [113.42214, 23.08043]
    assert dongyuan["properties"] == {
        "code": "huangpu-dongyuan", "name_zh": "东苑社区", "name_en": "Dongyuan Community",
        "street_code": "huangpu-street", "street_zh": "黄埔街道",
        "street_en": "Huangpu Subdistrict"}


def test_an_unchanged_collection_answers_304(client):
    first = client.get("/maps/communities.geojson")
    again = client.get("/maps/communities.geojson",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_community_switched_off_leaves_the_map(client):
    assert "huangpu-yigang" in features(client)
    unit("huangpu-yigang").active = False
    db.session.commit()
    assert "huangpu-yigang" not in features(client)
    assert len(features(client)) == 26


def test_the_boundaries_are_cached_and_an_admin_change_redraws_them(client):
    assert features(client)["huangpu-dongyuan"]["properties"]["name_zh"] == "东苑社区"
    # Behind the ORM's back (as another process would): this process keeps its copy.
    db.session.execute(sa.text("UPDATE org_units SET name_zh = '改名社区' "
                               "WHERE code = 'huangpu-dongyuan'"))
    db.session.commit()
    assert features(client)["huangpu-dongyuan"]["properties"]["name_zh"] == "东苑社区"

    login(client, "admin")
    response = client.post("/admin/units/huangpu-dongyuan/boundary",
                           data={"boundary": json.dumps(SQUARE), "action": "save"})
    assert response.status_code == 302
    dongyuan = features(client)["huangpu-dongyuan"]
    assert dongyuan["geometry"] == SQUARE
    assert dongyuan["properties"]["name_zh"] == "改名社区"  # read again, whole


# -- open and overdue per community, on the desk --------------------------------------


@pytest.fixture
def district_day(clock, make_case, work):
    """Thursday 2026-11-26 10:00, five road-damage cases for city management:
    1. 港湾路15号 (东苑社区) with a location, never signed for (due 16:00);
    2. 港湾路15号, signed for and the citizen contacted at 10:30;
    3. 港湾路15号, signed for at 10:30, then waiting for the citizen (paused);
    4. 港湾路16号 (港湾社区), resolved;
    5. an address nobody can place.
    Then Monday 11-30 10:00: case 1 missed signing, case 3 missed contact
    while paused, case 2 owes nothing yet."""
    clock.at = at(11, 26, 10, 0)
    lat, long = DONGYUAN_POINT
    cases = [make_case(lat=lat, long=long), make_case(), make_case(),
             make_case(address_text="港湾路16号"), make_case(address_text="火星基地一号楼")]
    work()
    staff = user("chengguan")
    clock.at = at(11, 26, 10, 30)
    for case in cases[1:4]:
        operations.acknowledge(case, staff)
    operations.record_contact(cases[1], staff)
    operations.request_information(cases[2], staff, "请提供具体位置照片")
    operations.record_contact(cases[3], staff)
    operations.resolve(cases[3], staff, "已修复")
    db.session.commit()
    clock.at = at(11, 30, 10, 0)
    return cases


def desk_map(client, **params) -> dict:
    response = client.get("/supervision/map.json", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def test_open_and_overdue_cases_per_community(client, district_day):
    first, second, third, fourth, nowhere = district_day
    assert (fourth.community.code, fourth.street.code) == ("huangpu-gangwan", "huangpu-street")
    assert nowhere.community is None and nowhere.lead_assignment is not None
    login(client, "supervisor")
    body = desk_map(client)
    assert body["regions"]["huangpu-dongyuan"] == {"open": 3, "overdue": 1}
    assert body["regions"]["huangpu-gangwan"] == {"open": 0, "overdue": 0}  # resolved
    assert sum(r["open"] for r in body["regions"].values()) == 3  # case 5 is nowhere
    assert body["default"] == "overdue"
    assert body["link"] == "/supervision?community=__code__#escalated"
    assert body["points"] == [{
        "tracking_number": first.tracking_number, "lat": DONGYUAN_POINT[0],
        "long": DONGYUAN_POINT[1], "overdue": True,
        "url": f"/cases/{first.tracking_number}"}]
    assert body["points_total"] == 1 and body["note"] == ""

    page = client.get("/supervision").get_data(as_text=True)
    assert 'id="desk-map"' in page and "/maps/communities.geojson" in page
    assert "/static/vendor/echarts/6.1.0/echarts.min.js" in page
    assert '<td class="open">3</td><td class="overdue">1</td>' in page


def test_the_map_follows_the_desks_filters(client, district_day):
    login(client, "supervisor")
    other = desk_map(client, unit="huanbao-street-x", category="noise")  # unknown unit: left out
    assert other["regions"]["huangpu-dongyuan"] == {"open": 0, "overdue": 0}  # no noise case
    mine = desk_map(client, unit="city-management")
    assert mine["regions"]["huangpu-dongyuan"] == {"open": 3, "overdue": 1}
    elsewhere = desk_map(client, unit="environment")
    assert elsewhere["regions"]["huangpu-dongyuan"] == {"open": 0, "overdue": 0}
    assert elsewhere["points"] == []
    assert desk_map(client, community="huangpu-gangwan")["regions"]["huangpu-dongyuan"] == {
        "open": 0, "overdue": 0}


def test_the_desk_list_filters_by_community(client, district_day):
    first = district_day[0]
    login(client, "supervisor")
    page = client.get("/supervision", query_string={"community": "huangpu-dongyuan"})
    assert f'data-tracking-number="{first.tracking_number}"' in page.get_data(as_text=True)
    page = client.get("/supervision", query_string={"community": "huangpu-gangwan"})
    text = page.get_data(as_text=True)
    assert f'data-tracking-number="{first.tracking_number}"' not in text
    assert 'id="desk-empty"' in text


def test_points_are_the_newest_open_cases_up_to_the_limit(district_day, clock, make_case,
                                                         work):
    clock.at = at(11, 30, 11, 0)
    newer = make_case(lat=DONGYUAN_POINT[0] + 0.001, long=DONGYUAN_POINT[1])
    work()
    points, total = places.open_points(clock.at, limit=1)
    assert total == 2
    assert [p.tracking_number for p in points] == [newer.tracking_number]
    assert points[0].overdue is False  # just dispatched


# -- the evaluation's map -------------------------------------------------------------


def test_the_evaluation_map_has_every_measure_per_community(client, district_day):
    community = unit("huangpu-dongyuan")
    first = district_day[0]
    operations.transfer(first, user("supervisor"), community, "社区网格员处理")
    db.session.commit()
    login(client, "evaluator")
    response = client.get("/evaluation/map.json",
                          query_string={"period": "month", "day": "2026-11-30"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == "2026-11-01" and body["to"] == "2026-11-30"
    assert body["regions"]["huangpu-dongyuan"]["received"] == 1  # by handling unit
    assert body["regions"]["huangpu-gangwan"]["received"] == 0
    assert {m["key"] for m in body["measures"]} >= {"received", "response_rate"}
    assert body["link"] == ("/evaluation/cases?unit=__code__&measure=__measure__"
                            "&from=2026-11-01&to=2026-11-30")
    assert body["points"] == []
    bad = client.get("/evaluation/map.json", query_string={"period": "year"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "period"

    page = client.get("/evaluation").get_data(as_text=True)
    assert 'id="evaluation-map"' in page and 'class="map-period"' in page


# -- who reads what -------------------------------------------------------------------


def test_unit_staff_cannot_read_the_desk_map(client, district_day):
    login(client, "chengguan")
    response = client.get("/supervision/map.json")
    assert response.status_code == 403
    assert district_day[0].tracking_number not in response.get_data(as_text=True)


def test_anonymous_cannot_read_the_evaluation_or_desk_map(client, district_day):
    for path in ("/evaluation/map.json", "/supervision/map.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_the_public_map_has_counts_only(client, district_day):
    response = client.get("/stats/map.json", query_string={"period": "month",
                                                           "day": "2026-11-30"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["points"] == [] and body["link"] is None
    assert body["regions"]["huangpu-dongyuan"] == {
        "received": 3, "resolved": 0, "open": 3,
        "resolution_rate": None, "satisfaction_rate": None}
    assert body["regions"]["huangpu-gangwan"]["resolved"] == 1
    text = response.get_data(as_text=True)
    for case in district_day:
        assert case.tracking_number not in text
    assert "港湾路" not in text and "火星" not in text


# -- /stats by the street of the address ----------------------------------------------


def test_stats_counts_cases_by_the_street_where_the_problem_is(client, district_day):
    page = parse(client.get("/stats", query_string={"period": "month",
                                                    "day": "2026-11-30"}))
    huangpu = page.find("tr", **{"data-street": "huangpu-street"})
    # All five went to the city-management department; four are in 黄埔街道.
    assert huangpu.find("td", cls="received").text() == "4"
    assert huangpu.find("td", cls="resolved").text() == "1"
    assert huangpu.find("td", cls="open").text() == "3"
    assert page.find("tr", **{"data-street": "hongshan-street"}).find(
        "td", cls="received").text() == "0"
    unlocated = page.find("tr", id="unlocated")
    assert "地址未能定位" in unlocated.text()
    assert unlocated.find("td", cls="received").text() == "1"
    assert page.find("tr", id="district-total").find("td", cls="received").text() == "5"
    assert "按问题发生地所在街道统计" in page.find("p", id="streets-basis").text()
    assert page.find("div", id="stats-map") is not None
    assert page.find("tr", **{"data-community": "huangpu-dongyuan"}).find(
        "td", cls="received").text() == "3"


def test_the_api_keeps_the_evaluation_by_unit_and_adds_the_counts_by_address(
    client, district_day
):
    body = client.get("/api/v1/evaluation", query_string={
        "from": "2026-11-01", "to": "2026-11-30", "unit_type": "street"}).get_json()
    assert body["counted_by"] == "handling_unit"
    streets = {u["code"]: u for u in body["units"]}
    assert streets["huangpu-street"]["measures"]["received"] == 0  # handled by a department
    by_address = body["by_address"]
    assert by_address["counted_by"] == "street_of_address"
    huangpu = next(s for s in by_address["streets"] if s["code"] == "huangpu-street")
    assert huangpu["received"] == 4 and huangpu["name_zh"] == "黄埔街道"
    assert by_address["unlocated"] == {"received": 1, "resolved": 0, "open": 1,
                                       "resolution_rate": None, "satisfaction_rate": None}
    assert by_address["total"]["received"] == 5
    assert by_address["definitions"]["received"]["label_zh"] == "受理量"


def test_callbacks_count_for_the_street_of_the_case(district_day, clock):
    fourth = district_day[3]
    events.record_event(fourth, EventKind.CALLBACK_ANSWERED, SYSTEM, public=False,
                        data={"solved": "solved", "satisfaction": "dissatisfied"})
    db.session.commit()
    counts = places.by_street(month_of(clock.at.date()))
    huangpu = counts[unit("huangpu-street").id]
    assert (huangpu.resolution_rate, huangpu.satisfaction_rate) == (100.0, 0.0)
    assert counts[None].received == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 5
