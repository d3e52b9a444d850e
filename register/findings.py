"""Findings become cases: each failed checklist item (and a red grade) is
taken in through cases.intake.receive_case, as any request is, and so is
located, routed by the routing rules to the responsible department,
dispatched by the dispatch job, timed, escalated and evaluated like every
other case. The finding links the property to its case.

When the department resolves the case, the grid staff's next visit
re-inspects it: confirmed, the case closes (cases.operations.close); not
fixed, it is sent back for redo (cases.survey.redo, the state table's
special move). A resolved finding case has no citizen to call back: the
re-inspection is its callback (cases.survey.checked_elsewhere, wired in the
app factory).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases import operations, survey
from cases.actors import SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import IncomingFile
from cases.intake import receive_case
from cases.models import ActorKind, Case, Category, User
from cases.models.users import Role
from cases.states import CaseStatus
from core.clock import now
from core.db import db
from register import events
from register.checklist import BY_CODE, RED_ITEM, RED_PROBLEM_ZH, SECTION_CATEGORY
from register.models import (
    Finding,
    Property,
    PropertyStatus,
    RegisterEventKind,
    Residency,
    Visit,
)
from register.registration import leave

CHANNEL = "register"  # the cases' channel: 出租屋巡查
CONFIRMED_ZH = "网格员复查确认已整改"


def inspector(user: User) -> SystemActor:
    """The system acting for the grid staff member who found it (a finding's
    case is not a citizen's request; the label keeps who found it)."""
    return SystemActor(ActorKind.SYSTEM, f"网格巡查 {user.display_name}"[:100])


def require_grid_staff(actor, prop: Property) -> None:
    """Only the grid staff of the property's grid visit and re-inspect it."""
    if not isinstance(actor, User) or actor.role is not Role.GRID_STAFF:
        raise NotAllowed("only grid staff visit properties")
    if prop.grid_id is None or actor.unit_id != prop.grid_id:
        raise NotAllowed("the property lies in another grid")


def open_finding(prop: Property, item: str) -> Finding | None:
    """A finding of this item whose case is not closed yet."""
    return db.session.scalar(
        select(Finding).join(Case, Case.id == Finding.case_id)
        .where(Finding.property_id == prop.id, Finding.item == item,
               Case.status != CaseStatus.CLOSED))


def _description(prop: Property, problem_zh: str, note: str, user: User) -> str:
    grid = prop.grid.name_zh if prop.grid else ""
    text = f"出租屋巡查发现：{problem_zh}。地址：{prop.address_text}。"
    if note.strip():
        text += f"情况：{note.strip()}。"
    return text + f"（{grid}，巡查人：{user.display_name}）"


def raise_finding(user: User, visit: Visit, item: str, note: str,
                  files: Sequence[IncomingFile] = ()) -> Finding | None:
    """The failed item's case, unless one for the same item is still open
    (None then: the department already has it)."""
    prop = visit.prop
    if open_finding(prop, item) is not None:
        return None
    if item == RED_ITEM:
        section, problem_zh = "red", RED_PROBLEM_ZH
    else:
        section, problem_zh = BY_CODE[item].section, BY_CODE[item].problem_zh
    category = db.session.scalar(select(Category).where(
        Category.code == SECTION_CATEGORY[section]))
    if category is None:
        raise InvalidRequest("category", _l("the register's category %(code)s is missing",
                                            code=SECTION_CATEGORY[section]))
    case = receive_case(actor=inspector(user), channel=CHANNEL, category=category,
                        description=_description(prop, problem_zh, note, user),
                        address_text=prop.address_text, files=files)
    finding = Finding(visit=visit, prop=prop, section=section, item=item, note=note.strip(),
                      case=case, created_at=now())
    db.session.add(finding)
    db.session.flush()
    events.record(prop, RegisterEventKind.FINDING_RAISED, user, message=note.strip() or None,
                  data={"finding": finding.id, "case": case.tracking_number, "item": item})
    return finding


def awaiting_check(prop: Property) -> list[Finding]:
    """The property's findings the department has resolved: the next visit
    re-inspects them."""
    return list(db.session.scalars(
        select(Finding).join(Case, Case.id == Finding.case_id)
        .where(Finding.property_id == prop.id, Case.status == CaseStatus.RESOLVED)
        .order_by(Finding.id)))


def check(user: User, finding: Finding, *, fixed: bool, reason: str = "") -> None:
    """The re-inspection: confirmed, the case closes; not fixed, it goes back
    to the department for redo with the reason."""
    prop = finding.prop
    require_grid_staff(user, prop)
    case = finding.case
    if case.status is not CaseStatus.RESOLVED:
        raise InvalidRequest("finding", _l("the department has not resolved it yet"))
    reason = (reason or "").strip()
    if not fixed and not reason:
        raise InvalidRequest("reason", _l("say what is still wrong"))
    finding.checks += 1
    finding.last_checked_at = now()
    if fixed:
        operations.close(case, inspector(user), reason or CONFIRMED_ZH)
        events.record(prop, RegisterEventKind.FINDING_CONFIRMED, user, message=reason or None,
                      data={"finding": finding.id, "case": case.tracking_number})
        if finding.section == "red":
            _emptied(user, prop)
        return
    survey.redo(case, user, reason)
    events.record(prop, RegisterEventKind.FINDING_SENT_BACK, user, message=reason,
                  data={"finding": finding.id, "case": case.tracking_number})


def _emptied(user: User, prop: Property) -> None:
    """A red property confirmed emptied: nobody lives there, it is let no more."""
    for stay in _current_stays(prop):
        leave(user, stay, None, reason="红色出租屋清退")
    prop.status, prop.emptied_at = PropertyStatus.VACANT, now()
    events.record(prop, RegisterEventKind.EMPTIED, user)


def _current_stays(prop: Property) -> list[Residency]:
    return list(db.session.scalars(select(Residency).where(
        Residency.property_id == prop.id, Residency.left_on.is_(None))))
