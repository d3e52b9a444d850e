"""Reveals and exports in the access log; residents who left long ago
anonymised by the scheduled job, once."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from cases.actors import SYSTEM
from cases.errors import InvalidRequest, NotAllowed
from core.db import db
from register import privacy, registration
from register.models import ANONYMOUS_NAME, AccessAction, AccessLog, Resident
from tests.register.support import id_number, make_property, register, user


def test_a_reveal_needs_a_reason_and_is_logged_who_whom_when_why(clock):
    prop = make_property()
    stay = register(prop, arrived_on=date(2026, 11, 20), number=id_number())
    police = user("gongan")
    with pytest.raises(InvalidRequest):
        privacy.reveal_resident(police, stay.resident, "  ")
    with pytest.raises(NotAllowed):
        privacy.reveal_resident(SYSTEM, stay.resident, "reason")
    assert privacy.reveal_resident(police, stay.resident, "核查身份") == id_number()
    db.session.commit()
    entry = db.session.scalar(select(AccessLog))
    assert (entry.action, entry.user_id, entry.resident_id, entry.reason, entry.unit.code) == (
        AccessAction.REVEAL, police.id, stay.resident_id, "核查身份", "police")
    assert entry.at == clock.now()


def test_the_job_anonymises_those_who_left_before_the_retention_time_once(app, clock):
    prop = make_property()
    gone = register(prop, name="早已离开", arrived_on=date(2023, 1, 1), number=id_number(seq=1),
                    children=(("小孩", date(2015, 1, 1)),))
    recent = register(prop, name="刚离开", arrived_on=date(2024, 1, 1), number=id_number(seq=2))
    staying = register(prop, name="仍居住", arrived_on=date(2023, 1, 1), number=id_number(seq=3))
    registration.leave(SYSTEM, gone, date(2024, 11, 1))  # > 730 days before 2026-11-26
    registration.leave(SYSTEM, recent, date(2025, 6, 1))
    db.session.commit()
    assert privacy.anonymise_departed() == 1
    db.session.expire_all()
    person = db.session.get(Resident, gone.resident_id)
    assert (person.name, person.id_cipher, person.id_index, person.id_masked, person.phone,
            person.children) == (ANONYMOUS_NAME, None, None, None, None, [])
    assert person.residencies and person.anonymised_at == clock.now()  # the stay stays, counted
    assert db.session.get(Resident, recent.resident_id).name == "刚离开"
    assert db.session.get(Resident, staying.resident_id).name == "仍居住"
    assert privacy.anonymise_departed() == 0
    clock.advance(days=400)
    assert privacy.anonymise_departed() == 1  # the one who left in 2025-06 now
    app.config["REGISTER_RETENTION_DAYS"] = 10
    try:
        registration.leave(SYSTEM, db.session.get(type(staying), staying.id),
                           (clock.now() - timedelta(days=11)).date())
        db.session.commit()
        assert privacy.anonymise_departed() == 1
    finally:
        app.config["REGISTER_RETENTION_DAYS"] = 730


def test_the_anonymisation_runs_daily_from_rq_cron():
    text = Path("app/cron.py").read_text(encoding="utf-8")
    assert "cron.register(anonymise_departed" in text
