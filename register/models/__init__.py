"""The register's models, importable from one place."""

from register.models.access import ACCESS_ACTION_LABELS, AccessAction, AccessLog, RegisterView
from register.models.inspection import Finding, Visit, VisitPhoto
from register.models.people import ANONYMOUS_NAME, Child, Employer, Residency, Resident
from register.models.property import (
    GRADE_LABELS,
    GRADE_ORDER,
    PROPERTY_KIND_LABELS,
    PROPERTY_STATUS_LABELS,
    REGISTER_EVENT_LABELS,
    VISIT_INTERVAL_DAYS,
    Grade,
    Property,
    PropertyKind,
    PropertyStatus,
    RegisterEvent,
    RegisterEventKind,
)

__all__ = [
    "ACCESS_ACTION_LABELS",
    "ANONYMOUS_NAME",
    "AccessAction",
    "AccessLog",
    "Child",
    "Employer",
    "Finding",
    "GRADE_LABELS",
    "GRADE_ORDER",
    "Grade",
    "PROPERTY_KIND_LABELS",
    "PROPERTY_STATUS_LABELS",
    "Property",
    "PropertyKind",
    "PropertyStatus",
    "REGISTER_EVENT_LABELS",
    "RegisterEvent",
    "RegisterEventKind",
    "RegisterView",
    "Residency",
    "Resident",
    "VISIT_INTERVAL_DAYS",
    "Visit",
    "VisitPhoto",
]
