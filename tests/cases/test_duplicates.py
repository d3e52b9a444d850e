"""Possible duplicates: the same phone, or the same address and category,
within the last 30 days; the clock is moved, never waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.duplicates import (
    SAME_ADDRESS,
    SAME_PHONE,
    SIMILAR_TEXT,
    bigrams,
    is_similar,
    possible_duplicates,
)
from cases.models import Category
from core.db import db

PHONE = "+8613800138000"


def category(code: str) -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


def numbers(found) -> list[str]:
    return [d.case.tracking_number for d in found]


def test_the_same_phone_within_30_days(clock, make_case):
    old = make_case(phone="13800138000", address_text="丰乐南路3号")
    clock.advance(days=29, hours=23)
    recent = make_case(phone="13800138000", address_text="丰乐南路5号", category_code="noise")
    make_case(phone="13900000000")  # another caller

    found = possible_duplicates(phone=PHONE)

    assert numbers(found) == [recent.tracking_number, old.tracking_number]  # newest first
    assert all(d.reasons == (SAME_PHONE,) for d in found)


def test_a_case_older_than_30_days_is_not_a_duplicate(clock, make_case):
    make_case(phone="13800138000")
    clock.advance(days=30, seconds=1)

    assert possible_duplicates(phone=PHONE) == []
    assert possible_duplicates(address_text="港湾路15号", category=category("road-damage")) == []
    # ... unless the window is wider
    assert len(possible_duplicates(phone=PHONE, window=timedelta(days=31))) == 1


def test_the_same_address_and_category(clock, make_case):
    same = make_case(phone="13900000001", address_text="港湾路15号")
    make_case(phone="13900000002", address_text="港湾路15号", category_code="noise")
    make_case(phone="13900000003", address_text="港湾路17号")

    found = possible_duplicates(
        phone="+8613911112222", address_text=" 港湾路 １５号 ", category=category("road-damage")
    )

    assert numbers(found) == [same.tracking_number]
    assert found[0].reasons == (SAME_ADDRESS,)


def test_the_same_address_after_dispatch_is_still_found(clock, make_case, work):
    same = make_case(phone="13900000001", address_text="港湾路15号")
    make_case(phone="13900000002", address_text="港湾路21号")  # same community, other address
    work()  # the case now has its community

    found = possible_duplicates(address_text="港湾路15号", category=category("road-damage"))

    assert numbers(found) == [same.tracking_number]


def test_both_reasons_are_given_once(clock, make_case):
    case = make_case(phone="13800138000", address_text="港湾路15号")

    found = possible_duplicates(
        phone=PHONE, address_text="港湾路15号", category=category("road-damage")
    )

    assert numbers(found) == [case.tracking_number]
    assert found[0].reasons == (SAME_PHONE, SAME_ADDRESS)
    assert possible_duplicates(phone=PHONE, exclude_case_id=case.id) == []


def test_nothing_to_compare_finds_nothing(clock, make_case):
    make_case()
    assert possible_duplicates() == []
    assert possible_duplicates(address_text="港湾路15号") == []  # an address needs a category
    assert possible_duplicates(category=category("road-damage")) == []


def test_the_limit_keeps_the_newest(clock, make_case):
    made = []
    for n in range(4):
        made.append(make_case(phone="13800138000", address_text=f"丰乐南路{n + 1}号"))
        clock.advance(hours=1)

    found = possible_duplicates(phone=PHONE, limit=2)

    assert numbers(found) == [made[3].tracking_number, made[2].tracking_number]


def test_a_window_must_be_positive():
    with pytest.raises(ValueError):
        possible_duplicates(phone=PHONE, window=timedelta(0))


# --- similar text (Chinese, no spaces: character bigrams) ----------------------

LAMP = "港湾路小区门口的路灯坏了，晚上一片漆黑，希望尽快修复。"


@pytest.mark.parametrize("other, similar", [
    ("港湾路小区门口路灯不亮了，晚上很黑，请尽快修。", True),
    ("小区门口路灯坏了好几天，晚上漆黑一片", True),
    ("楼上邻居装修噪音太大，每天早上七点就开始施工。", False),
    ("港湾路的井盖丢了，很危险。", False),
    ("", False),
])
def test_chinese_sentences_compared_by_bigrams(other, similar):
    assert is_similar(bigrams(LAMP), bigrams(other)) is similar


def test_bigrams_ignore_punctuation_spaces_and_width():
    assert bigrams("路灯 坏了！") == bigrams("路灯坏了") == {"路灯", "灯坏", "坏了"}
    assert bigrams("ＡＢ１") == {"ab", "b1"}


def test_a_similar_open_complaint_is_found_an_unrelated_one_not(clock, make_case):
    similar = make_case(phone="13900000001", address_text="港湾路8号", description=LAMP)
    make_case(phone="13900000002", address_text="港湾路9号",
              description="楼上邻居装修噪音太大，每天早上七点就开始施工。")
    make_case(phone="13900000003", address_text="港湾路9号", category_code="noise",
              description=LAMP)  # another category, but the same street: found too

    found = possible_duplicates(
        phone="+8613911112222", address_text="港湾路30号", category=category("road-damage"),
        description="港湾路小区门口路灯不亮了，晚上很黑，请尽快修。",
    )

    assert similar.tracking_number in numbers(found)
    assert len(found) == 1
    assert found[0].reasons == (SIMILAR_TEXT,) and found[0].similarity >= 0.3
    street = similar.street_id
    by_street = possible_duplicates(description=LAMP, street_id=street)
    assert len(by_street) == (2 if street is not None else 0)


def test_resolved_and_merged_cases_are_not_suggested_by_text(clock, make_case, work):
    from cases import merge
    from cases.models.users import User

    first = make_case(phone="13900000001", description=LAMP)
    second = make_case(phone="13900000002", description=LAMP)
    work()
    merge.merge_cases(first, [second], db.session.scalar(
        select(User).where(User.username == "dispatcher")))
    db.session.commit()

    found = possible_duplicates(category=category("road-damage"), description=LAMP)

    assert numbers(found) == [first.tracking_number]  # the survivor, not the merged one
