"""Supervision items (督办件): a tracked task from a leader's instruction, a
meeting decision, an investment project or a matter handed down by the city,
numbered 督〔2026〕N号 per year and closed (销号) only after the supervision
office verifies the lead's completion report.

    registered ──> dispatched ──> acknowledged ──> resolved ──> closed
                                       ^              │   (completion reported,
                                       └──────────────┘    待核销; sent back)
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cases.kinds import Kind, register
from cases.kinds.fields import Field
from cases.kinds.numbering import YearlyNumber
from cases.models.users import Role
from cases.states import CaseStatus

S = CaseStatus

SOURCES = ("leader_instruction", "meeting_decision", "investment_project", "higher_level")

SUPERVISION = register(Kind(
    name="supervision",
    label=_l("Supervision item"),
    transitions={
        S.REGISTERED: frozenset({S.DISPATCHED}),
        S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.DISPATCHED}),
        S.ACKNOWLEDGED: frozenset({S.RESOLVED}),
        S.RESOLVED: frozenset({S.CLOSED, S.ACKNOWLEDGED}),
        S.CLOSED: frozenset(),
    },
    initial=S.REGISTERED,
    numbering=YearlyNumber("督"),
    # No fixed default: the item's own deadline and its milestones' dates.
    limits={},
    fields=(
        Field("title", max_length=300),
        Field("description", type="text"),
        Field("source", type="choice", choices=SOURCES),
        Field("deadline", type="date"),
    ),
    creators=frozenset({Role.SUPERVISOR, Role.ADMIN}),
    citizen_facing=False,
    # evaluation/supervision_measures.py, per lead unit
    # Completion only with every milestone done; closing only by verification.
    own_steps={"resolve": "report_completion", "close": "verify",
               "record_contact": "report_progress"},
    reply_label=_l("Completion report"),
    deadlines=frozenset({"acknowledge", "resolve"}),  # no citizen to contact
    measures=("milestones_on_time", "reports_on_time", "red_light_days", "items_closed"),
))
