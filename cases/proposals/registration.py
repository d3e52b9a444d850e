"""Sessions (届次) and registering a proposal (立案登记)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from cases.access import require_dispatcher
from cases.actors import Actor
from cases.errors import InvalidRequest
from cases.matters import create_matter
from cases.models import Case
from cases.models.proposal import (
    DEFAULT_REPLY_MONTHS,
    Proposal,
    ProposalSession,
    ProposalSigner,
    ProposalType,
)
from core.db import db

SIGNER_FIELDS = ("name", "group", "phone", "email")
MAX_REPLY_MONTHS = 12


def session_named(name: str) -> ProposalSession | None:
    return db.session.scalar(select(ProposalSession).where(ProposalSession.name == name.strip()))


def create_session(name: str, reply_months: int, actor: Actor) -> ProposalSession:
    """A new session with its reply limit in months (3 unless the office says)."""
    require_dispatcher(actor)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise InvalidRequest("name", "give the session's name (at most 40 characters)")
    if session_named(name) is not None:
        raise InvalidRequest("name", f"{name} exists already")
    if not isinstance(reply_months, int) or not 1 <= reply_months <= MAX_REPLY_MONTHS:
        raise InvalidRequest("reply_months", f"must be a whole number of months from 1 to "
                                             f"{MAX_REPLY_MONTHS}")
    session = ProposalSession(name=name, reply_months=reply_months)
    db.session.add(session)
    db.session.flush()
    return session


def _signers(rows: Sequence[Mapping[str, Any]]) -> list[ProposalSigner]:
    """Co-signers from their rows; a row with nothing in it is left out."""
    signers = []
    for i, row in enumerate(rows, start=1):
        values = {k: (str(row.get(k) or "").strip() or None) for k in SIGNER_FIELDS}
        if not any(values.values()):
            continue
        if not values["name"]:
            raise InvalidRequest(f"signers[{i}].name", "a co-signer needs a name")
        if values["email"] and "@" not in values["email"]:
            raise InvalidRequest(f"signers[{i}].email", "is not an email address")
        for key, limit in (("name", 100), ("group", 100), ("phone", 32), ("email", 254)):
            if values[key] and len(values[key]) > limit:
                raise InvalidRequest(f"signers[{i}].{key}", f"at most {limit} characters")
        signers.append(ProposalSigner(**values))
    return signers


def register_proposal(fields: Mapping[str, Any], actor: Actor,
                      signers: Sequence[Mapping[str, Any]] = ()) -> Proposal:
    """Register a proposal: the matter (numbered within its session, by
    create_matter), its own record and its co-signers; flushes."""
    cosigners = _signers(signers)
    case = create_matter("proposal", dict(fields), actor)
    proposal = proposal_for(case)
    proposal.signers.extend(cosigners)
    db.session.flush()
    return proposal


def proposal_for(case: Case) -> Proposal:
    """The proposal record of a proposal matter, made from the matter's
    fields the first time (a matter created through POST /api/v1/cases has
    none yet). A session named for the first time is added with the default
    reply limit, which the office may change."""
    proposal = db.session.scalar(select(Proposal).where(Proposal.case_id == case.id))
    if proposal is not None:
        return proposal
    if case.kind != "proposal":
        raise InvalidRequest("case", f"{case.tracking_number} is not a proposal")
    details = case.details or {}
    session = session_named(str(details.get("session") or ""))
    if session is None:
        session = ProposalSession(name=str(details["session"]).strip(),
                                  reply_months=DEFAULT_REPLY_MONTHS)
        db.session.add(session)
    proposal = Proposal(
        case=case, session=session, number=details["number"],
        proposal_type=ProposalType(details["proposal_type"]),
        proposer_name=details["proposer_name"], proposer_group=details.get("proposer_group"),
        proposer_phone=details.get("proposer_phone"),
        proposer_email=details.get("proposer_email"),
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal
