"""The landlord's form: the printed code opens it, a tenant is registered
(late or not), a renewed code stops the old one, guessing is rate-limited,
and nothing typed is shown back but the address."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from register.models import PropertyStatus, Residency
from tests.register.support import id_number, make_property

TENANT = {"name": "房东登记的租客", "id_number": id_number(seq=901), "phone": "13800138111",
          "origin": "江西省赣州市", "arrived_on": "2026-11-20", "room": "302",
          "child1_name": "小红", "child1_birth": "2018-03-01"}


def open_form(client, code: str):
    response = client.post("/landlord", data={"code": code})
    assert response.status_code == 302 and response.location.endswith("/landlord/register")
    return response


def test_a_landlord_registers_a_tenant_late_with_the_code(client, clock):
    prop = make_property("港湾路15号302房")
    assert client.get("/landlord/register").location.endswith("/landlord")  # no code yet
    open_form(client, prop.code.lower()[:5] + " " + prop.code.lower()[5:])  # as typed from paper
    page = client.get("/landlord/register").get_data(as_text=True)
    assert "港湾路15号302房" in page
    done = client.post("/landlord/register", data=TENANT)
    assert done.status_code == 302
    text = client.get(done.location).get_data(as_text=True)
    assert 'id="late"' in text and id_number(seq=901) not in text
    stay = db.session.scalar(select(Residency))
    assert (stay.registered_via, stay.late, stay.registered_by_id) == ("landlord", True, None)
    assert [c.name for c in stay.resident.children] == ["小红"]


def test_bad_input_on_the_landlords_form_is_named_and_nothing_is_kept(client, clock):
    prop = make_property()
    open_form(client, prop.code)
    for changes, says in (({"arrived_on": "2026-12-01"}, "将来"),
                          ({"phone": "123"}, "电话"),
                          ({"id_number": id_number(seq=901)[:-1] + "X"}, "校验码")):
        answer = client.post("/landlord/register", data=TENANT | changes)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and says in text, says
        assert id_number(seq=901) not in text and TENANT["id_number"][:-1] + "X" not in text
    assert db.session.scalar(select(Residency)) is None


def test_a_wrong_or_renewed_code_opens_nothing(client, signed_in, clock):
    prop = make_property()
    wrong = client.post("/landlord", data={"code": "2222233333"})
    assert wrong.status_code == 200 and "标牌" in wrong.get_data(as_text=True)
    old = prop.code
    open_form(client, old)
    staff = signed_in("huangpu-dongyuan-g1")
    sticker = staff.post(f"/register/properties/{prop.id}/code")
    assert sticker.status_code == 302
    db.session.expire_all()
    assert prop.code != old and prop.code in staff.get(sticker.location).get_data(as_text=True)
    assert client.get("/landlord/register").location.endswith("/landlord")  # the old code is dead
    assert client.post("/landlord", data={"code": old}).status_code == 200


def test_guessing_codes_is_rate_limited(client):
    answers = [client.post("/landlord", data={"code": f"ABCDEFGH{n:02d}"}).status_code
               for n in range(12)]
    assert answers[0] == 200 and answers[-1] == 429


def test_a_landlord_with_the_code_of_a_property_no_longer_let_is_refused(client, clock):
    prop = make_property(status=PropertyStatus.NOT_LET)
    assert client.post("/landlord", data={"code": prop.code}).status_code == 200
