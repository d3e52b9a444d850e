"""Kinds of matter (事项类型): what differs between a petition, a supervision
item, a proposal and a document, declared once per kind.

The engine is one: a matter of any kind is a row of `cases`, with the same
assignments, deadlines, timers, reminders, escalation, events, extensions,
webhooks and API. What a kind changes is declared by one `Kind` in its own
module of this package (petition.py, supervision.py, proposal.py,
document.py) and registered with `register()`; a fifth kind is a fifth module
plus its pages. Everything that needs to know about kinds asks here:
`get(name)` (an unknown name raises InvalidRequest naming `kind`), `KINDS`,
`citizen_facing_kinds()`.

States: every kind's status lives in the one `cases.status` column, as a
member of `CaseStatus` (cases/states.py explains why); a kind declares its
own table of allowed moves (`transitions`), which `register()` hands to
`cases.states.KIND_TABLES` so `transition()` checks a matter against its
kind's table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cases.kind_registry import (  # noqa: F401 (the package is the API)
    KINDS,
    PETITION,
    citizen_facing_kinds,
    get,
    kind_label,
    register,
)
from cases.kinds.fields import Field, validate_fields
from cases.kinds.numbering import Numbering
from cases.models.users import Role
from cases.states import CaseStatus


@dataclass(frozen=True)
class Limit:
    """A default time limit: working days on the calendar, or calendar months
    (a proposal's reply is due within 3 months of its assignment)."""

    working_days: int | None = None
    months: int | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of matter, as data.

    - `name`: the value stored in `cases.kind` and used in URLs and the API.
    - `label`: its name as a person reads it (a lazy Babel string).
    - `transitions`: its table of allowed moves, status -> targets.
    - `initial`: the status a matter of this kind is created in.
    - `numbering`: how its tracking number is made (cases/kinds/numbering.py).
    - `limits`: its default time limits by name, e.g. {"reply": Limit(months=3)}.
    - `fields`: the fields a creation carries (validated by `validate`, and
      the API's create body in the OpenAPI document).
    - `creators`: the roles that may create one (empty: not created by
      `create_matter`, e.g. petitions, which come through the channels).
    - `citizen_facing`: whether it is shown to citizens (/track, Open311,
      /stats, public pages, citizen notifications, the city push).
    - `measures`: the names of the evaluation measures that count for it.
    - `check`: an extra check of the validated fields (a document refuses a
      security level); raises InvalidRequest naming the field.
    - `resolve_rule`: the resolve limit of one matter (`resolve_limit`),
      read by escalation when a unit is assigned; None: the category's.
    - `own_steps`: the shared actions (`cases.kind_registry.SHARED_ACTIONS`)
      this kind does through a step of its own, action -> step name (a
      supervision item is resolved by `report_completion`). The shared
      operation refuses them (`OwnStep`) unless that step calls it, so no
      generic page or API moves a matter past its own rules.
    - `reply_label`: what the lead's resolving text is to a reader (the
      shared case page's resolve form): a petition's reply to the citizen,
      a document's 办理结果, a supervision item's 办结报告, a proposal's 答复.
    - `deadlines`: the deadline kinds (`escalation.models.DeadlineKind`
      values) its assignments have; a kind without citizens has no contact
      deadline.
    """

    name: str
    label: Any
    transitions: Mapping[CaseStatus, frozenset[CaseStatus]]
    initial: CaseStatus
    numbering: Numbering
    limits: Mapping[str, Limit] = field(default_factory=dict)
    fields: tuple[Field, ...] = ()
    creators: frozenset[Role] = frozenset()
    citizen_facing: bool = False
    measures: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], None] | None = None
    resolve_rule: Callable[[Any], Limit | None] | None = None
    own_steps: Mapping[str, str] = field(default_factory=dict)
    deadlines: frozenset[str] = frozenset({"acknowledge", "contact", "resolve"})
    reply_label: Any = None  # None: the petition's "Reply to the citizen"

    def resolve_limit(self, case: Any) -> Limit | None:
        """The limit of the resolve deadline this kind sets for one matter
        (a document's by its urgency), or None: the category's limits apply.
        escalation.limits.limits_of reads it when an assignment is made, so
        the deadline, its reminder and its escalation steps follow it."""
        return self.resolve_rule(case) if self.resolve_rule is not None else None

    @property
    def states(self) -> frozenset[CaseStatus]:
        return frozenset(self.transitions) | frozenset(
            t for targets in self.transitions.values() for t in targets
        )

    @property
    def finished(self) -> frozenset[CaseStatus]:
        """States with no way out: the matter is done."""
        return frozenset(s for s in self.states if not self.transitions.get(s))

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The creation fields, converted; InvalidRequest names the first wrong one."""
        cleaned = validate_fields(self.fields, values)
        if self.check is not None:
            self.check(cleaned)
        return cleaned

    def json_schema(self) -> dict[str, Any]:
        """The create body for the API: `kind` and the declared fields."""
        properties: dict[str, Any] = {"kind": {"type": "string", "enum": [self.name]}}
        properties.update({f.name: f.json_schema() for f in self.fields})
        return {
            "type": "object",
            "required": ["kind", *(f.name for f in self.fields if f.required)],
            "properties": properties,
            "additionalProperties": False,
        }


# The declarations, imported for their registration (order = display order).
from cases.kinds import petition  # noqa: E402, F401, I001
from cases.kinds import supervision  # noqa: E402, F401, I001
from cases.kinds import proposal  # noqa: E402, F401, I001
from cases.kinds import document  # noqa: E402, F401, I001
