"""No notification is ever sent twice: a retried job, a second worker, the
reconciler and a second run of the staff scan all find the row taken."""

from __future__ import annotations

import email
import threading
import time
from email import policy

from sqlalchemy import select

from cases.actors import SYSTEM
from cases.models import OrgUnit
from cases.operations import dispatch_case
from channels.notify.models import StaffChannel, StaffPreference
from channels.notify.rules import notify_staff_of_timers
from channels.outbox.jobs import reconcile, send
from channels.outbox.models import OutboxStatus
from core.db import db
from escalation.jobs import sweep
from tests.channels.notify.flow import dispatched, outbox, unit_name, user

CITIZEN = "li.ming@163.example"


def email_case(make_case, work):
    return dispatched(make_case, work, channel="email", phone=None, email=CITIZEN)


def test_the_dispatch_email_reaches_the_citizen_once(make_case, work, mail_server):
    case = email_case(make_case, work)
    [message] = outbox(case)
    assert message.status is OutboxStatus.SENT and message.attempts == 1
    [delivered] = mail_server.messages
    assert delivered.recipients == [CITIZEN]
    mail = email.message_from_bytes(delivered.data, policy=policy.default)
    assert case.tracking_number in mail["Subject"]
    assert unit_name("city-management") in mail.get_content()
    # The job again, the reconciler, another run: nothing more is sent.
    assert send(message.id) == (f"outbox message {message.id} is not pending and due, "
                                "or another job has it")
    send.enqueue(message.id, job_id="again")
    reconcile()
    work()
    assert len(mail_server.messages) == 1 and outbox(case)[0].attempts == 1


def test_two_workers_at_once_send_once(app, make_case, mail_server):
    case = make_case(channel="email", phone=None, email=CITIZEN)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    dispatch_case(case, SYSTEM, unit, "test")
    db.session.commit()
    [message] = outbox(case)
    mail_server.handler.gate.clear()  # the first sender waits inside DATA
    results: list[str] = []

    def worker() -> None:
        with app.app_context():
            results.append(send(message.id))

    first = threading.Thread(target=worker)
    first.start()
    try:
        _wait(lambda: outbox(case)[0].status is OutboxStatus.SENDING)
        worker()
    finally:
        mail_server.handler.gate.set()
        first.join(10)
    assert sorted(results) == sorted([
        f"outbox message {message.id} sent",
        f"outbox message {message.id} is not pending and due, or another job has it",
    ])
    assert len(mail_server.messages) == 1


def test_staff_hear_of_assignments_and_reminders_once(make_case, work, clock):
    chengguan = user("chengguan")
    db.session.add(StaffPreference(user_id=chengguan.id, channel=StaffChannel.EMAIL,
                                   email="chengguan@huangpu.example"))
    db.session.commit()
    case = dispatched(make_case, work)
    [assigned] = outbox(case, channel="email")
    assert (assigned.purpose, assigned.recipient) == ("staff:assigned",
                                                     "chengguan@huangpu.example")
    assert case.tracking_number in assigned.body and f"/cases/{case.tracking_number}" \
        in assigned.body
    # The unit handles every kind of matter: the message says this one is a petition.
    assert f"新任务：诉求 {case.tracking_number}" in assigned.subject
    assert f"诉求 {case.tracking_number}（道路破损）已派至" in assigned.body
    assert f"Petition {case.tracking_number} (" in assigned.body
    # The sign-for reminder falls due at 75 % of its 4 working hours: 15:00.
    clock.advance(hours=5)
    sweep()
    assert notify_staff_of_timers() == 1
    assert notify_staff_of_timers() == 0  # a second run (or worker) adds nothing
    reminders = outbox(case, purpose="staff:reminder")
    assert len(reminders) == 1 and reminders[0].recipient == "chengguan@huangpu.example"


def test_staff_who_chose_nothing_hear_nothing(make_case, work, clock):
    case = dispatched(make_case, work)
    clock.advance(hours=5)
    sweep()
    assert notify_staff_of_timers() == 0
    assert outbox(case, channel="email") == []


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_level_2_escalation_also_reaches_supervisors(make_case, work, clock):
    supervisor = user("supervisor")
    db.session.add(StaffPreference(user_id=supervisor.id, channel=StaffChannel.SMS,
                                   phone="+8613900139000"))
    db.session.commit()
    case = dispatched(make_case, work)
    clock.advance(days=1, hours=6)  # Friday 16:00: a working day past the sign-for deadline
    sweep()
    notify_staff_of_timers()
    [message] = outbox(case, recipient="+8613900139000")
    assert message.purpose == "staff:escalated" and message.channel == "sms"
    assert case.tracking_number in message.body and "2" in message.body
