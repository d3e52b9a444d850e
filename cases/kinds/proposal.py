"""Motions, suggestions and proposals (议案、建议、提案): registered per session
(届次) with the number given there, unique in the session; the tracking
number is "<session>第<number>号".

    registered ──> dispatched ──> acknowledged ──> resolved ──> closed
                   (交办)  ^          ^           (replied)   (after the
                           └──────────┘└───────────┘            proposer's
                     change accepted   not satisfied: second     feedback, or the
                     (another unit)    reply within 1 month      second reply)
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cases.kinds import Kind, Limit, register
from cases.kinds.fields import Field
from cases.kinds.numbering import GivenNumber
from cases.models.users import Role
from cases.states import CaseStatus

S = CaseStatus

PROPOSAL_TYPES = ("npc_suggestion", "cppcc_proposal", "motion")

PROPOSAL = register(Kind(
    name="proposal",
    label=_l("Motion or proposal"),
    transitions={
        S.REGISTERED: frozenset({S.DISPATCHED}),
        S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.DISPATCHED}),
        S.ACKNOWLEDGED: frozenset({S.RESOLVED, S.DISPATCHED}),  # change accepted
        S.RESOLVED: frozenset({S.CLOSED, S.ACKNOWLEDGED}),
        S.CLOSED: frozenset(),
    },
    initial=S.REGISTERED,
    numbering=GivenNumber(scope_field="session", number_field="number"),
    limits={
        "reply": Limit(months=3),  # from the assignment (交办); per session later
        "joint_opinion": Limit(months=1),  # joint units to the lead
        "second_reply": Limit(months=1),  # after "not satisfied"
        "change_request": Limit(working_days=5),  # asking for another assignment
    },
    fields=(
        Field("session", max_length=40),
        Field("number", type="integer"),
        Field("proposal_type", type="choice", choices=PROPOSAL_TYPES),
        Field("title", max_length=300),
        Field("description", type="text"),
        Field("proposer_name", max_length=100),
        Field("proposer_group", required=False, max_length=100),  # delegation or sector
        Field("proposer_phone", required=False, max_length=32),
        Field("proposer_email", type="email", required=False, max_length=254),
    ),
    creators=frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}),
    citizen_facing=False,
    # The reply needs the communication and the joint opinions; it closes by
    # the proposer's feedback; another lead only by a change request.
    own_steps={"resolve": "reply", "close": "give_feedback",
               "record_contact": "record_communication", "transfer": "decide_change"},
    # Only the reply's (and a joint unit's opinion's) deadline: nobody is
    # chased to sign for it or to call within hours.
    reply_label=_l("Reply to the proposer"),
    deadlines=frozenset({"resolve"}),
    measures=("proposal_replies_on_time", "proposal_communicated_first",
              "proposal_satisfaction", "proposal_grade_a_share", "proposal_redo_count"),
))
