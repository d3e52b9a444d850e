"""All case-domain models, importable from one place."""

from cases.models.address import AddressEntry, Parity
from cases.models.assignment import Assignment, AssignmentRole, AssignmentStatus
from cases.models.attachment import Attachment
from cases.models.case import Case
from cases.models.catalogue import Category, Priority, RouteTarget, RoutingRule
from cases.models.citizen import Citizen
from cases.models.counter import MatterCounter
from cases.models.document import DocumentHandling, DocumentReader
from cases.models.event import ActorKind, CaseEvent, EventKind
from cases.models.org import OrgUnit, UnitKind
from cases.models.users import Role, User

__all__ = [
    "AddressEntry",
    "ActorKind",
    "Assignment",
    "AssignmentRole",
    "AssignmentStatus",
    "Attachment",
    "Case",
    "CaseEvent",
    "DocumentHandling",
    "DocumentReader",
    "Category",
    "Citizen",
    "EventKind",
    "MatterCounter",
    "OrgUnit",
    "Parity",
    "Priority",
    "Role",
    "RouteTarget",
    "RoutingRule",
    "UnitKind",
    "User",
]

# The kinds of matter register their state tables on import: whoever uses a
# case has them (cases/kinds/).
import cases.kinds  # noqa: E402, F401, I001
