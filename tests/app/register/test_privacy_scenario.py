"""An unmasked ID number never appears in a page, a JSON answer, a log line,
an export without the right, or an error message: a whole scenario is run
with known numbers, and every answer and log record is searched for them.
The one page that holds a number is the logged reveal (and an export by a
department with the right), checked apart."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from tests.register.support import id_number, make_property, register
from tests.support import login

TENANT = id_number(date(1992, 3, 4), 311)
LANDLORD = id_number(date(1968, 7, 8), 122)
CHILD_PARENT = id_number(date(1988, 1, 2), 455)
MISTYPED = TENANT[:15] + str((int(TENANT[15]) + 1) % 10) + TENANT[16:]
NUMBERS = (TENANT, LANDLORD, CHILD_PARENT, MISTYPED)


class Seen:
    """Every answer of the scenario, as text."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, what: str, response) -> None:
        self.texts.append((what, response.get_data(as_text=True)))

    def leaks(self) -> list[str]:
        return [f"{what}: {n}" for what, text in self.texts for n in NUMBERS if n in text]


def client_of(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def scenario(app, clock, caplog):
    caplog.set_level(logging.DEBUG)
    seen = Seen()
    prop = make_property("港湾路15号302房", landlord_id=LANDLORD)
    grid = client_of(app, "huangpu-dongyuan-g1")
    form = {"name": "隐私租客", "id_number": TENANT, "phone": "13800138009", "origin": "广西",
            "arrived_on": "2026-11-25", "room": "302"}
    for answer in (
        # mistakes first: each error message names the field, never the number
        grid.post(f"/register/properties/{prop.id}/residents/new", data=form | {"phone": "1"}),
        grid.post(f"/register/properties/{prop.id}/residents/new",
                  data=form | {"id_number": MISTYPED}),
        grid.post(f"/register/properties/{prop.id}/residents/new", data=form),
        grid.post(f"/register/properties/{prop.id}/residents/new", data=form),  # twice: refused
    ):
        seen.add("registration", answer)
    stay = register(prop, name="带孩子的租客", number=CHILD_PARENT, arrived_on=date(2026, 11, 1),
                    children=(("小明", date(2016, 5, 1)),))
    for who in ("huangpu-dongyuan-g1", "huangpu-staff", "supervisor", "admin"):
        client = client_of(app, who)
        for path in ("/register/properties", f"/register/properties/{prop.id}",
                     f"/register/residents/{stay.resident_id}",
                     f"/register/properties/{prop.id}/edit"):
            seen.add(f"{who} {path}", client.get(path))
    seen.add("search", grid.post("/register/search", data={"id_number": TENANT}))
    seen.add("search miss", grid.post("/register/search", data={"id_number": MISTYPED}))
    return seen, caplog


def test_no_page_answer_or_log_line_of_the_scenario_holds_a_full_number(scenario):
    seen, caplog = scenario
    assert seen.leaks() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert all(n not in logged for n in NUMBERS), "a full ID number reached the log"
    assert any("440112********" in text for _, text in seen.texts)  # the masked form is shown
