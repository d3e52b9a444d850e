"""The case page: at the top, what the unit must do next with its deadlines
and countdowns; channels and actors as a person reads them, in Chinese and
in English."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from cases import operations
from cases.actors import client as api_client
from cases.models import Case
from cases.models.users import User
from channels.intake import Intake, accept
from core.clock import SHANGHAI
from core.db import db
from tests.html import parse
from tests.support import login


def at(m, d, hh=0, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def next_step(client, case: Case) -> str:
    node = parse(client.get(f"/cases/{case.tracking_number}")).find("p", id="next-step")
    return " ".join(node.text().split()) if node else ""


@pytest.fixture
def consultation(clock, make_case, work):
    """A policy enquiry for 黄埔街道, dispatched Thursday 10:00 (sign by 16:00)."""
    case = make_case(category_code="consultation", address_text="怡港路8号")
    work()
    db.session.refresh(case)
    return case


def test_the_unit_reads_its_next_step_and_its_countdowns(consultation, client, clock):
    login(client, "huangpu-staff")
    tn = consultation.tracking_number
    line = next_step(client, consultation)
    assert line.startswith("下一步：签收")
    assert "签收期限 2026-11-26 16:00剩余4小时" in line  # 10:00-12:00 and 14:00-16:00
    assert "办结期限 2026-12-15 17:30剩余13个工作日" in line

    clock.at = at(11, 26, 16, 30)  # late: the line says so and stands out
    page = parse(client.get(f"/cases/{tn}"))
    assert "overdue" in page.find("p", id="next-step").classes
    assert "逾期30分钟" in page.find("p", id="next-step").text()

    client.post(f"/cases/{tn}/acknowledge")
    assert next_step(client, consultation).startswith("下一步：联系诉求人")
    client.post(f"/cases/{tn}/contact", data={})
    line = next_step(client, consultation)
    assert line.startswith("下一步：办结并答复诉求人")
    assert "签收期限 2026-11-26 16:00 ✓" in line
    client.post(f"/cases/{tn}/ask-information", data={"question": "请补充门牌号"})
    assert next_step(client, consultation).startswith("下一步：等待诉求人补充信息")


def test_the_lead_waits_for_the_assisting_unit_which_must_reply(clock, make_case, work,
                                                                 client):
    case = make_case(category_code="illegal-construction", address_text="港湾路2号")
    work()  # 黄埔街道 leads, the city-management bureau assists (the routing rule)
    for username in ("huangpu-staff", "chengguan"):
        operations.acknowledge(case, user(username))
        operations.record_contact(case, user(username))
    db.session.commit()
    login(client, "huangpu-staff")
    assert next_step(client, case).startswith("下一步：等待协办单位回复")
    client.post("/logout")
    login(client, "chengguan")
    assert next_step(client, case).startswith("下一步：回复主办单位")


def test_a_supervisor_reads_the_lead_units_step(consultation, client):
    login(client, "supervisor")
    assert next_step(client, consultation).startswith("主办单位 黄埔街道 · 下一步：签收")
    client.post("/logout")
    login(client, "chengguan")  # not on the case: no line, and no page either
    assert client.get(f"/cases/{consultation.tracking_number}").status_code == 403


def test_channels_and_actors_are_named_not_coded(clock, make_case, work, client):
    web = make_case(category_code="consultation", address_text="怡港路8号")
    phone = make_case(category_code="consultation", address_text="怡港路8号",
                      channel="phone-12319")
    api = accept(Intake(channel="open311:test-client", category_code="consultation",
                        description="咨询办事流程", address_text="怡港路8号"),
                 api_client("test-client"))
    db.session.commit()
    work()
    login(client, "supervisor")

    def facts(case: Case, lang: str) -> tuple[str, list[str]]:
        page = parse(client.get(f"/cases/{case.tracking_number}?lang={lang}"))
        actors = [" ".join(s.text().split()) for s in page.find_all("span", cls="actor")]
        return page.find("dd", id="channel").text(), actors

    assert facts(web, "zh_CN") == ("网页表单", ["诉求人", "系统"])
    assert facts(web, "en") == ("Web form", ["Citizen", "System"])
    assert facts(phone, "zh_CN")[0] == "12319 热线"
    assert facts(phone, "en")[0] == "Hotline 12319"
    channel, actors = facts(api, "zh_CN")
    assert channel == "Open311 接口（test-client）" and actors[0] == "接口客户端 test-client"
    assert facts(api, "en")[1][0] == "API client test-client"

    operations.acknowledge(web, user("huangpu-staff"))
    db.session.commit()
    assert facts(web, "zh_CN")[1][-1] == user("huangpu-staff").display_name  # staff by name

    client.post("/logout")
    login(client, "operator")  # the console's case page names them the same way
    console = parse(client.get(f"/console/cases/{phone.tracking_number}"))
    assert console.find("dd", id="channel").text() == "12319 热线"
    assert [s.text() for s in console.find_all("span", cls="actor")][:2] == ["诉求人", "系统"]
