"""The search box: a number opens its case, a phone number, an address or
words list the cases that contain them, within the reader's scope only,
newest first, 25 a page. Runs on SQLite and on PostgreSQL (where the
bigram index narrows the words first)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import search as search_page
from cases import operations, search
from cases.actors import CITIZEN
from cases.merge import merge_cases
from cases.models import Case, OrgUnit
from cases.models.users import User
from channels.intake import Intake, accept
from core.db import db
from tests.html import parse
from tests.support import login

STREET, COMMUNITY, DEPARTMENT = "huangpu-street", "huangpu-dongyuan", "city-management"


@pytest.fixture
def file(clock):
    """`file(unit, description, ...)`: a case dispatched to `unit`, filed a
    minute after the one before (so newest first has a meaning)."""
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))

    def make(unit: str, description: str, address: str | None = "黄埔东路2688号",
             phone: str = "13912345678") -> Case:
        clock.advance(minutes=1)
        case = accept(Intake(channel="web", category_code="road-damage",
                             description=description, address_text=address, phone=phone,
                             location_optional=address is None), CITIZEN)
        target = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit))
        operations.dispatch_case(case, dispatcher, target, "search test")
        db.session.commit()
        return case

    return make


def found(client, q: str, **args) -> list[str]:
    """The tracking numbers listed for `q`, in page order."""
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.status_code
    table = parse(response).find(id="results")
    return [] if table is None else [
        row.attrs["id"].removeprefix("result-") for row in table.find_all("tr")
        if row.attrs.get("id", "").startswith("result-")]


def opens(client, q: str) -> str | None:
    """The case a query opens at once, or None when it lists instead."""
    response = client.get("/search", query_string={"q": q})
    if response.status_code != 302:
        return None
    match = re.fullmatch(r"/cases/(\d{10})", response.location)
    assert match, response.location
    return match.group(1)


def spaced(number: str) -> str:
    """A number as it is read out and typed: 123-456 7897."""
    return f"{number[:3]}-{number[3:6]} {number[6:]}"


def test_a_tracking_number_opens_its_case(client, file):
    case = file(DEPARTMENT, "港湾路人行道地砖松动。")
    login(client, "supervisor")
    assert opens(client, case.tracking_number) == case.tracking_number
    assert opens(client, spaced(case.tracking_number)) == case.tracking_number
    full_width = case.tracking_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert opens(client, full_width) == case.tracking_number


def test_a_merged_number_opens_the_surviving_case(client, file):
    survivor = file(DEPARTMENT, "港湾路15号路灯不亮。")
    duplicate = file(DEPARTMENT, "港湾路15号的路灯坏了。")
    merge_cases(survivor, [duplicate], db.session.get(User, _user_id("dispatcher")), "同一盏灯")
    db.session.commit()
    login(client, "supervisor")
    assert opens(client, duplicate.tracking_number) == survivor.tracking_number


def test_a_number_outside_the_scope_answers_as_one_that_does_not_exist(client, file):
    mine = file(STREET, "街道的工单：人行道地砖松动。")
    theirs = file(DEPARTMENT, "部门的工单：占道经营。")
    login(client, "huangpu-staff")
    assert opens(client, mine.tracking_number) == mine.tracking_number
    assert opens(client, theirs.tracking_number) is None
    outside = client.get("/search", query_string={"q": theirs.tracking_number})
    missing = client.get("/search", query_string={"q": "1234567897"})  # a valid number, no case
    for response in (outside, missing):
        html = parse(response)
        assert response.status_code == 200
        assert html.find(id="no-results") is not None and html.find(id="results") is None
    assert "占道经营" not in outside.get_data(as_text=True)


def test_a_merged_number_whose_survivor_is_outside_the_scope_opens_the_readers_own(
        client, file):
    survivor = file(DEPARTMENT, "港湾路15号路灯不亮。")
    duplicate = file(STREET, "港湾路15号的路灯坏了。")
    merge_cases(survivor, [duplicate], db.session.get(User, _user_id("dispatcher")), "同一盏灯")
    db.session.commit()
    login(client, "huangpu-staff")
    assert opens(client, duplicate.tracking_number) == duplicate.tracking_number
    assert opens(client, survivor.tracking_number) is None


def test_a_phone_number_finds_the_citizens_cases_in_any_form(client, file):
    first = file(DEPARTMENT, "垃圾三天没人收。", phone="13866661234")
    second = file(DEPARTMENT, "垃圾又没人收。", phone="+86 138 6666 1234")
    file(DEPARTMENT, "别人的工单。", phone="13900001234")
    login(client, "supervisor")
    both = [second.tracking_number, first.tracking_number]
    for typed in ("13866661234", "138 6666 1234", "+86 138-6666-1234", "0086 13866661234",
                  "66661234", "6661234"):
        assert found(client, typed) == both, typed
    assert found(client, "1386666") == []  # seven digits, but not where the number ends
    landline = file(DEPARTMENT, "座机来电。", phone="020-8888 1234")
    assert found(client, "(020) 8888-1234") == [landline.tracking_number]  # the trunk 0 too


def test_fewer_than_seven_digits_are_words_such_as_a_house_number(client, file):
    fifteen = file(DEPARTMENT, "人行道地砖松动。", address="港湾路15号")
    file(DEPARTMENT, "人行道地砖松动。", address="港湾路99号")
    login(client, "supervisor")
    assert found(client, "15") == [fifteen.tracking_number]


def test_an_address_finds_the_cases_there_and_those_that_name_it(client, file):
    at_it = file(DEPARTMENT, "人行道地砖松动。", address="港湾路15号")
    names_it = file(DEPARTMENT, "港湾路15号门口垃圾没人收。", address=None)
    file(DEPARTMENT, "人行道地砖松动。", address="港湾路17号")
    login(client, "supervisor")
    assert found(client, "港湾路15号") == [names_it.tracking_number, at_it.tracking_number]


def test_a_chinese_word_is_found_inside_a_sentence_without_spaces(client, file):
    lamp = file(DEPARTMENT, "港湾路的路灯坏了")
    file(DEPARTMENT, "港湾路的路面坏了")
    login(client, "supervisor")
    assert found(client, "路灯") == [lamp.tracking_number]
    assert found(client, "灯坏") == [lamp.tracking_number]
    assert found(client, "灯") == [lamp.tracking_number]  # one character: no index, still found


def test_every_word_must_match_and_latin_letters_ignore_case(client, file):
    both = file(DEPARTMENT, "港湾路的LED路灯坏了", address="港湾路15号")
    file(DEPARTMENT, "丰乐南路的路灯坏了", address="丰乐南路3号")
    file(DEPARTMENT, "港湾路的井盖缺失", address="港湾路21号")
    login(client, "supervisor")
    assert found(client, "路灯 港湾路") == [both.tracking_number]
    assert found(client, "港湾路\u3000路灯") == [both.tracking_number]  # a full-width space
    assert found(client, "led 15号") == [both.tracking_number]
    assert found(client, "路灯 井盖") == []


def test_like_wildcards_in_the_query_are_characters(client, file):
    percent = file(DEPARTMENT, "停车费一年涨了100%，太离谱")
    file(DEPARTMENT, "停车费一年涨了1000元")
    underscore = file(DEPARTMENT, "网站报错 err_42 无法提交")
    file(DEPARTMENT, "网站报错 errx42 无法提交")
    login(client, "supervisor")
    assert found(client, "100%") == [percent.tracking_number]
    assert found(client, "err_42") == [underscore.tracking_number]
    assert found(client, "%") == [percent.tracking_number]


def test_a_unit_sees_its_own_cases_a_head_also_the_units_below(client, file):
    street = file(STREET, "范围测试：街道的路灯")
    community = file(COMMUNITY, "范围测试：社区的路灯")
    department = file(DEPARTMENT, "范围测试：部门的路灯")
    newest_first = [department.tracking_number, community.tracking_number,
                    street.tracking_number]
    login(client, "huangpu-staff")
    assert found(client, "范围测试") == [street.tracking_number]
    login(client, "huangpu-head")
    assert found(client, "范围测试") == newest_first[1:]
    login(client, "chengguan")
    assert found(client, "范围测试") == [department.tracking_number]
    for district_wide in ("supervisor", "dispatcher", "admin"):
        login(client, district_wide)
        assert found(client, "范围测试") == newest_first, district_wide


def test_twenty_five_a_page_newest_first_with_the_query_kept(client, file, clock):
    made = [file(DEPARTMENT, f"第{i}盏路灯不亮").tracking_number for i in range(27)]
    login(client, "supervisor")
    response = client.get("/search", query_string={"q": "路灯 不亮"})
    html = parse(response)
    assert html.find(id="header-q").attrs["value"] == "路灯 不亮"  # the box keeps the query
    assert "25" in html.find(id="result-count").text()  # more than 25: nothing counts them all
    assert found(client, "路灯 不亮") == made[::-1][:25]
    following = html.find("a", rel="next").attrs["href"]
    assert "page=2" in following and "q=%E8%B7%AF%E7%81%AF+%E4%B8%8D%E4%BA%AE" in following
    assert found(client, "路灯 不亮", page=2) == made[::-1][25:]
    last = parse(client.get(following))
    assert last.find("a", rel="prev") is not None and last.find("a", rel="next") is None
    assert "27" in last.find(id="result-count").text()  # the last page knows the total
    beyond = parse(client.get("/search", query_string={"q": "路灯", "page": 9}))
    assert beyond.find(id="no-results") is not None  # a page past the end says so


@pytest.mark.parametrize("recent", [0, 2, 3, 5, 100])
def test_the_newest_cases_first_or_all_gives_the_same_pages(client, file, monkeypatch, recent):
    """Words are looked for among the newest cases first (cases/search.py):
    whatever that window holds, every page is the page the whole table gives."""
    monkeypatch.setattr(search, "RECENT", recent)
    monkeypatch.setattr(search_page, "PAGE_SIZE", 2)
    made = [file(DEPARTMENT, "井盖缺失" if i % 3 else "路灯不亮").tracking_number
            for i in range(9)]
    covers = [made[i] for i in (8, 7, 5, 4, 2, 1)]  # newest first
    login(client, "supervisor")
    pages = [found(client, "井盖", page=n) for n in (1, 2, 3, 4)]
    assert pages == [covers[0:2], covers[2:4], covers[4:6], []]
    lamps = [found(client, "路灯", page=n) for n in (1, 2)]
    assert lamps == [[made[6], made[3]], [made[0]]]


def test_an_empty_query_explains_what_to_type(client):
    login(client, "supervisor")
    for q in ("", "   "):
        html = parse(client.get("/search", query_string={"q": q}))
        assert html.find(id="search-help") is not None and html.find(id="results") is None
    assert client.get("/search").status_code == 200


def test_a_long_query_is_cut_to_a_hundred_characters_and_says_so(client, file):
    case = file(DEPARTMENT, "港湾路的路灯坏了")
    login(client, "supervisor")
    long = "路灯" + " " + "x" * 200
    response = client.get("/search", query_string={"q": long})
    html = parse(response)
    assert html.find(id="truncated") is not None
    assert len(html.find(id="search-page-q").attrs["value"]) == 100
    assert found(client, "路灯 " + "坏" * 150) == [] and found(client, "路灯 坏") == [
        case.tracking_number]


def test_the_empty_state_says_what_was_searched_and_what_to_try(client, file):
    file(DEPARTMENT, "港湾路的路灯坏了")
    login(client, "supervisor")
    empty = parse(client.get("/search", query_string={"q": "喷泉不出水"})).find(id="no-results")
    assert "喷泉不出水" in empty.text() and len(empty.find_all("li")) >= 2


def test_the_box_is_in_the_header_for_those_who_read_cases(client):
    for username in ("supervisor", "dispatcher", "huangpu-staff", "huangpu-head", "admin"):
        login(client, username)
        assert parse(client.get("/workbench", follow_redirects=True)).find(id="header-q"), \
            username
    for username in ("operator", "evaluator"):  # they read no case (app/auth/scope.py)
        login(client, username)
        assert parse(client.get("/workbench", follow_redirects=True)).find(id="header-q") is None
        assert client.get("/search", query_string={"q": "路灯"}).status_code == 403
    client.post("/logout")
    assert parse(client.get("/")).find(id="header-q") is None


def _user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def test_the_clock_orders_the_results(file, clock):
    """Newest first means filed last: the fixture's clock really moves."""
    first = file(DEPARTMENT, "顺序")
    second = file(DEPARTMENT, "顺序")
    assert second.created_at - first.created_at == timedelta(minutes=1)
