"""Address resolution and routing, driven by tables of cases a person would write."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from cases.models import AddressEntry, Category, OrgUnit, RouteTarget, RoutingRule
from cases.routing import locate, route
from core.db import db


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def category(code: str) -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


def centre_of(code: str) -> tuple[float, float]:
    point = shape(json.loads(unit(code).boundary)).centroid
    return point.y, point.x  # lat, long


@pytest.mark.parametrize(
    ("address", "community"),
    [
        ("港湾路15号", "huangpu-dongyuan"),  # odd side
        ("港湾路16号", "huangpu-gangwan"),  # even side of the same road
        ("广州市黄埔区港湾路 16 号 3 栋", "huangpu-gangwan"),  # spaces and more after
        ("港湾路１６号", "huangpu-gangwan"),  # full-width digits
        ("黄埔东路900号", "hongshan-shuanggang"),
        ("黄埔东路901号", "hongshan-hongshan"),
        ("黄埔东路1号", "yuzhu-yuzhu"),
        ("南岗路300号", "nangang-bicun"),  # an "all" range
        ("石化路", "hongshan-shihua"),  # a road wholly in one community needs no number
        ("东苑小区5栋楼下", "huangpu-dongyuan"),  # a compound name
        ("在港湾小区门口的港湾路15号", "huangpu-gangwan"),  # the compound wins over the road
    ],
)
def test_addresses_resolve_to_their_community(address, community):
    location = locate(address, None, None)
    assert location.community is not None, address
    assert location.community.code == community
    assert location.street == location.community.parent


@pytest.mark.parametrize(
    "address",
    [
        "港湾路",  # the road spans two communities: a number is needed
        "港湾路9999号",  # beyond every range
        "北京市长安街1号",  # not in the district
        "",
        "   ",
    ],
)
def test_addresses_that_cannot_be_resolved(address):
    location = locate(address, None, None)
    assert (location.community, location.street, location.how) == (None, None, "unresolved")


def test_a_point_resolves_by_boundary_and_wins_over_the_text():
    lat, long = centre_of("nangang-shabu")
    location = locate("港湾路15号", lat, long)
    assert location.community.code == "nangang-shabu" and location.how == "point"


def test_a_point_outside_every_boundary_falls_back_to_the_text():
    location = locate("港湾路15号", 39.9, 116.4)  # Beijing
    assert location.community.code == "huangpu-dongyuan" and location.how == "road"


@pytest.mark.parametrize(
    ("category_code", "address", "expected_unit"),
    [
        ("road-damage", "港湾路15号", "city-management"),  # fixed department
        ("garbage", "港湾路15号", "huangpu-street"),  # the street of the address
        ("rental-safety", "港湾路16号", "huangpu-gangwan"),  # the community of the address
        ("illegal-construction", "港湾路15号", "huangpu-street"),
        ("illegal-construction", "金洲北路5号", "land-housing"),  # street override
        ("garbage", "茅岗路10号", "yuzhu-maogang"),  # community override
        ("garbage", "黄埔东路1号", "yuzhu-street"),  # same street, no override
        ("noise", "南岗路5号", "nangang-street"),  # street override of a department rule
        ("noise", "港湾路15号", "environment"),
        ("road-damage", "北京市长安街1号", "city-management"),  # fixed units need no address
    ],
)
def test_routing_rules(category_code, address, expected_unit):
    decision = route(category(category_code), locate(address, None, None))
    assert decision.unit is not None, decision.reason
    assert decision.unit.code == expected_unit


@pytest.mark.parametrize(
    ("category_code", "address", "reason"),
    [
        ("suggestion", "港湾路15号", "no routing rule"),
        ("unclassified", "港湾路15号", "no routing rule"),
        ("garbage", "北京市长安街1号", "could not be resolved"),
    ],
)
def test_cases_no_rule_can_route(category_code, address, reason):
    decision = route(category(category_code), locate(address, None, None))
    assert decision.unit is None and reason in decision.reason


def test_the_most_specific_rule_wins_whatever_the_order_of_creation():
    cat = category("suggestion")
    community, street = unit("huangpu-dongyuan"), unit("huangpu-street")
    water, police, education = unit("water"), unit("police"), unit("education")
    for area, target in ((community, water), (None, police), (street, education)):
        db.session.add(
            RoutingRule(category=cat, area=area, target_kind=RouteTarget.UNIT, target_unit=target)
        )
    db.session.flush()
    expect = {"港湾路15号": "water", "港湾路16号": "education", "黄埔东路1号": "police"}
    for address, code in expect.items():
        assert route(cat, locate(address, None, None)).unit.code == code


def test_an_inactive_rule_is_ignored():
    rule = db.session.scalar(
        select(RoutingRule).where(RoutingRule.category == category("road-damage"))
    )
    rule.active = False
    db.session.flush()
    assert route(category("road-damage"), locate("港湾路15号", None, None)).unit is None


def test_a_new_address_entry_is_used_at_once_though_the_directory_is_cached():
    assert locate("新港东路3号", None, None).how == "unresolved"  # reads and caches
    db.session.add(AddressEntry(road="新港东路", number_from=1, number_to=9,
                                community=unit("huangpu-gangwan")))
    location = locate("新港东路3号", None, None)
    assert location.community.code == "huangpu-gangwan" and location.how == "road"


def test_a_changed_boundary_is_used_at_once_and_a_rollback_undoes_it():
    lat, long = centre_of("nangang-shabu")
    assert locate(None, lat, long).community.code == "nangang-shabu"  # reads and caches
    shabu = unit("nangang-shabu")
    boundary, shabu.boundary = shabu.boundary, None
    db.session.commit()
    assert locate(None, lat, long).community is None
    shabu.boundary = boundary
    db.session.flush()
    assert locate(None, lat, long).community.code == "nangang-shabu"
    db.session.rollback()
    assert locate(None, lat, long).community is None


def test_an_inactive_community_is_not_found_by_address_or_point():
    lat, long = centre_of("huangpu-dongyuan")
    assert locate("港湾路15号", None, None).community.code == "huangpu-dongyuan"
    unit("huangpu-dongyuan").active = False
    db.session.commit()
    assert locate("港湾路15号", None, None).how == "unresolved"
    assert locate(None, lat, long).community is None
