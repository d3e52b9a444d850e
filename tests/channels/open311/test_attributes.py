"""attribute[CODE] and attribute[CODE][] checked against each datatype of
the service's definition, and kept with the request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cases.models import Case
from channels.open311.models import RequestExtras
from core.db import db
from tests.channels.open311.conftest import error_of, post

GOOD = {"attribute[surface]": "brick", "attribute[size]": "2.5"}


def kept(response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    number = response.get_json()[0]["service_request_id"]
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.tracking_number == number))
    extras = db.session.get(RequestExtras, case.id)
    return extras.attributes if extras else {}


def no_case() -> bool:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_every_datatype_is_kept_as_its_kind(client, attributes):
    values = kept(post(client, **GOOD, **{
        "attribute[hazards][]": ["trip", "night"],
        "attribute[noticed_at]": "2026-11-25T21:30:00+08:00",
        "attribute[landmark]": "港湾路公交站",
        "attribute[details]": "第一行\n第二行",
    }))
    assert values == {
        "surface": "brick",
        "size": 2.5,
        "hazards": ["trip", "night"],
        "noticed_at": "2026-11-25T21:30:00+08:00",
        "landmark": "港湾路公交站",
        "details": "第一行\n第二行",
    }


def test_a_whole_number_stays_whole(client, attributes):
    assert kept(post(client, **{**GOOD, "attribute[size]": "3"}))["size"] == 3


def test_a_multivaluelist_may_also_come_without_brackets(client, attributes):
    assert kept(post(client, **GOOD, **{"attribute[hazards]": "water"}))["hazards"] == ["water"]


def test_a_request_without_attributes_keeps_no_row(client):
    assert kept(post(client)) == {}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"attribute[surface]": None}, "attribute[surface] is required"),
        ({"attribute[size]": None}, "attribute[size] is required"),
        ({"attribute[size]": "two"}, "must be a number"),
        ({"attribute[size]": "nan"}, "finite"),
        ({"attribute[surface]": "gravel"}, "not one of asphalt, brick"),
        ({"attribute[surface][]": ["brick", "asphalt"]}, "takes one value"),
        ({"attribute[hazards][]": ["trip", "lava"]}, "'lava' is not one of"),
        ({"attribute[noticed_at]": "yesterday"}, "ISO 8601"),
        ({"attribute[noticed_at]": "2026-11-25T21:30:00"}, "time zone"),
        ({"attribute[landmark][]": ["a", "b"]}, "takes one value"),
        ({"attribute[details]": "长" * 4001}, "4000"),
        ({"attribute[city_case_id]": "C-1"}, "not an attribute"),  # only the city's
    ],
)
def test_a_bad_attribute_is_400_and_makes_no_case(client, attributes, fields, words):
    values = {**GOOD, **fields}
    response = post(client, **values)
    assert words in error_of(response, 400)
    assert no_case()


def test_an_information_only_attribute_is_not_asked_for(client, attributes):
    assert kept(post(client, **GOOD))["surface"] == "brick"  # "note" is not variable


def test_the_demo_attributes_and_city_key_load_once(client):
    from channels.open311.demo import load

    assert load() == {"attributes": 4, "api keys": 1}
    assert load() == {"attributes": 0, "api keys": 0}
    body = client.get("/open311/v2/services/noise.json").get_json()
    assert [a["code"] for a in body["attributes"]] == ["hours", "since"]
    response = post(client, api_key="demo-city-12319-key",
                    **{"attribute[city_case_id]": "SH-DEMO-1", **GOOD})
    assert response.status_code == 201, response.get_data(as_text=True)
