"""Incoming documents (办文): registered (收文登记) with their issuing body's
文号, numbered 收〔2026〕N号 per year, proposed (拟办), decided by a leader
(批办), distributed (分办), handled (承办) and closed (办结). Only
non-classified documents: a security level is refused.

    registered ──> proposed ──> decided ──> dispatched ──> acknowledged ──> resolved ──> closed
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from cases.errors import InvalidRequest
from cases.kinds import Kind, Limit, register
from cases.kinds.fields import Field
from cases.kinds.numbering import YearlyNumber
from cases.models.users import Role
from cases.states import CaseStatus

S = CaseStatus

# 特急 / 加急 / 平急, and their default limits in working days.
URGENCIES = ("express", "urgent", "ordinary")
# evaluation/document_measures.py defines them (names only here: cases is below evaluation).
DOCUMENT_MEASURES = ("documents_on_time", "documents_reminders", "documents_days_to_close")


def _non_classified(fields: dict[str, Any]) -> None:
    if fields.get("security_level"):
        raise InvalidRequest("security_level", "only non-classified documents are registered here")


def _by_urgency(case: Any) -> Limit | None:
    """The resolve limit of a document: 3, 5 or 10 working days by its urgency."""
    urgency = (case.details or {}).get("urgency") or "ordinary"
    return DOCUMENT.limits.get(f"urgency:{urgency}")


DOCUMENT = register(Kind(
    name="document",
    label=_l("Incoming document"),
    transitions={
        S.REGISTERED: frozenset({S.PROPOSED}),
        S.PROPOSED: frozenset({S.DECIDED}),
        S.DECIDED: frozenset({S.DISPATCHED}),
        S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.DISPATCHED}),
        S.ACKNOWLEDGED: frozenset({S.RESOLVED}),
        S.RESOLVED: frozenset({S.CLOSED}),
        S.CLOSED: frozenset(),
    },
    initial=S.REGISTERED,
    numbering=YearlyNumber("收"),
    limits={
        "urgency:express": Limit(working_days=3),
        "urgency:urgent": Limit(working_days=5),
        "urgency:ordinary": Limit(working_days=10),
    },
    fields=(
        Field("title", max_length=300),
        Field("description", type="text", required=False, default=""),
        Field("document_number", max_length=64),  # the issuing body's 文号
        Field("issuing_body", max_length=200),
        Field("received_on", type="date"),
        Field("urgency", type="choice", choices=URGENCIES, required=False, default="ordinary"),
        Field("copies", type="integer", required=False),
        # Declared so that it is named when refused: the form says so.
        Field("security_level", required=False, max_length=32),
    ),
    creators=frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}),
    citizen_facing=False,
    measures=DOCUMENT_MEASURES,
    check=_non_classified,
    # The lead's report is the shared resolve; the office closes with the result.
    own_steps={"close": "close_document"},
    reply_label=_l("Result of the handling"),
    deadlines=frozenset({"acknowledge", "resolve"}),  # no citizen to contact
    resolve_rule=_by_urgency,
))
