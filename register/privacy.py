"""Personal information protection (个人信息保护) in the register.

- A full ID number leaves the database only through `reveal` (one resident
  or landlord, with a reason, by a user whose unit's view allows it) or an
  export with that right; both write the access log in the same transaction.
- A resident who left more than REGISTER_RETENTION_DAYS ago is anonymised
  by a scheduled job: name, number, phone, origin and children go; the
  stays remain, as counts for the statistics.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from cases.actors import SYSTEM, Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from core.clock import now
from core.config import setting
from core.db import db
from core.queues import job
from register import crypto, events
from register.models import (
    ANONYMOUS_NAME,
    AccessAction,
    AccessLog,
    Property,
    RegisterEventKind,
    Residency,
    Resident,
)
from register.properties import today

log = logging.getLogger(__name__)
MAX_REASON = 300


def _log(actor: Actor, action: AccessAction, *, reason: str = "", detail: str = "",
         resident: Resident | None = None, prop: Property | None = None) -> AccessLog:
    if isinstance(actor, SystemActor):
        raise NotAllowed("only a signed-in person reveals or exports personal data")
    entry = AccessLog(user_id=actor.id, actor_label=actor.username, unit_id=actor.unit_id,
                      action=action, resident_id=resident.id if resident else None,
                      property_id=prop.id if prop else None, reason=reason[:MAX_REASON],
                      detail=detail[:300])
    db.session.add(entry)
    db.session.flush()
    return entry


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise InvalidRequest("reason", _l("say why the full number is needed"))
    return reason


def reveal_resident(actor: Actor, resident: Resident, reason: str) -> str:
    """The resident's full ID number, logged (who, whom, when, why). The
    caller has checked the right (register.lists.may_reveal)."""
    reason = _reason(reason)
    if resident.id_cipher is None:
        raise InvalidRequest("resident", _l("has been anonymised: the number is gone"))
    _log(actor, AccessAction.REVEAL, reason=reason, resident=resident)
    return crypto.decrypt(resident.id_cipher)


def reveal_landlord(actor: Actor, prop: Property, reason: str) -> str:
    reason = _reason(reason)
    if prop.landlord_id_cipher is None:
        raise InvalidRequest("landlord_id_number", _l("was not given"))
    _log(actor, AccessAction.REVEAL, reason=reason, prop=prop, detail="landlord")
    return crypto.decrypt(prop.landlord_id_cipher)


def log_export(actor: Actor, list_name: str, rows: int, *, full_numbers: bool) -> None:
    """Every export is logged, masked or not."""
    shown = "full ID numbers" if full_numbers else "masked ID numbers"
    _log(actor, AccessAction.EXPORT, detail=f"{list_name}: {rows} rows, {shown}")


# -- anonymisation ------------------------------------------------------------------


def departed_before(cutoff) -> Select:
    """Residents not yet anonymised, with no current stay, whose last stay
    ended before `cutoff`."""
    current = exists().where(Residency.resident_id == Resident.id, Residency.left_on.is_(None))
    last_left = (select(func.max(Residency.left_on)).where(Residency.resident_id == Resident.id)
                 .scalar_subquery())
    return (select(Resident.id).where(Resident.anonymised_at.is_(None), ~current,
                                      last_left.is_not(None), last_left < cutoff)
            .order_by(Resident.id))


def anonymise(resident: Resident, actor: Actor = SYSTEM) -> None:
    """Keep the stays (for counts), drop everything that identifies the person."""
    resident.name = ANONYMOUS_NAME
    resident.id_cipher = resident.id_index = resident.id_masked = None
    resident.phone, resident.origin, resident.birth_date = None, "", None
    resident.children.clear()
    for stay in resident.residencies:
        stay.employer_text, stay.employer_id, stay.room = "", None, ""
    resident.anonymised_at = now()
    last = max(resident.residencies, key=lambda s: (s.left_on, s.id))
    events.record(last.prop, RegisterEventKind.RESIDENT_ANONYMISED, actor,
                  resident=resident)


@job("sync")
def anonymise_departed() -> int:
    """Anonymise every resident who left more than REGISTER_RETENTION_DAYS ago
    (rq cron, daily). Run twice, it finds nobody the second time."""
    cutoff = today() - timedelta(days=int(setting("REGISTER_RETENTION_DAYS")))
    ids = db.session.scalars(departed_before(cutoff)).all()
    for resident_id in ids:
        anonymise(db.session.get(Resident, resident_id))
        db.session.commit()
    if ids:
        log.info("anonymised %d residents who left before %s", len(ids), cutoff)
    return len(ids)
