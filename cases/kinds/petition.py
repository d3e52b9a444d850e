"""Petitions (诉求): a citizen's request, by any channel. Its table is
cases/states.py's TRANSITIONS (the one table for petitions); it is created
by intake (cases/intake.py), not by `create_matter`, and it alone faces
citizens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cases.kinds import Kind, Limit, register
from cases.kinds.numbering import RandomNumber
from cases.states import TRANSITIONS, CaseStatus

PETITION = register(Kind(
    name="petition",
    label=_l("Petition"),
    transitions=TRANSITIONS,
    initial=CaseStatus.RECEIVED,
    numbering=RandomNumber(),
    # The petition's limits are per category (escalation/limits.py); this is
    # the fallback the categories are seeded with.
    limits={"resolve": Limit(working_days=15)},
    creators=frozenset(),
    citizen_facing=True,
    measures=(),
    reply_label=_l("Reply to the citizen"),
))
