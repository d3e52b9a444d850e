"""Properties let for rent (出租屋) and the register's event log.

A property sits on an entry of the address directory, and so in a community
and (where the register has drawn them) a grid. Its safety grade sets how
often grid staff visit; a change of grade is an event with the reason.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import AddressEntry, OrgUnit, User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type
from register.idnumbers import mask


class PropertyKind(enum.StrEnum):
    FLAT = "flat"
    VILLAGE_ROOM = "village_room"  # a room in a village house (城中村)
    DORMITORY = "dormitory"
    SHOP_DWELLING = "shop_dwelling"  # a shop with living space (商住)


PROPERTY_KIND_LABELS = {
    PropertyKind.FLAT: _l("Flat"),
    PropertyKind.VILLAGE_ROOM: _l("Room in a village house"),
    PropertyKind.DORMITORY: _l("Dormitory"),
    PropertyKind.SHOP_DWELLING: _l("Shop with living space"),
}


class Grade(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"  # may not be let: it must be emptied


GRADE_LABELS = {
    Grade.GREEN: _l("Green"),
    Grade.YELLOW: _l("Yellow"),
    Grade.ORANGE: _l("Orange"),
    Grade.RED: _l("Red (must be emptied)"),
}
# Days between visits by grade; a red property is not visited on a schedule:
# its emptying case is (the re-inspection follows its resolution).
VISIT_INTERVAL_DAYS: dict[Grade, int | None] = {
    Grade.GREEN: 21, Grade.YELLOW: 14, Grade.ORANGE: 7, Grade.RED: None,
}
GRADE_ORDER = (Grade.GREEN, Grade.YELLOW, Grade.ORANGE, Grade.RED)


class PropertyStatus(enum.StrEnum):
    LET = "let"
    VACANT = "vacant"
    NOT_LET = "not_let"  # no longer let


PROPERTY_STATUS_LABELS = {
    PropertyStatus.LET: _l("Let"),
    PropertyStatus.VACANT: _l("Vacant"),
    PropertyStatus.NOT_LET: _l("No longer let"),
}


class Property(db.Model):
    __tablename__ = "register_properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The printed code a landlord types on the registration form: random,
    # unguessable (register.properties.new_code), replaced on demand.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    address_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("address_entries.id"),
                                                  index=True)
    address_text: Mapped[str] = mapped_column(sa.String(200))
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    landlord_name: Mapped[str] = mapped_column(sa.String(100))
    landlord_phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    landlord_id_cipher: Mapped[str | None] = mapped_column(sa.Text)
    landlord_id_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    landlord_id_masked: Mapped[str | None] = mapped_column(sa.String(18))
    kind: Mapped[PropertyKind] = mapped_column(enum_type(PropertyKind))
    rooms: Mapped[int] = mapped_column(default=1)
    beds: Mapped[int] = mapped_column(default=1)
    floor_area: Mapped[float | None]  # square metres
    use: Mapped[str] = mapped_column(sa.String(100), default="")
    grade: Mapped[Grade] = mapped_column(enum_type(Grade), default=Grade.GREEN, index=True)
    grade_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[PropertyStatus] = mapped_column(enum_type(PropertyStatus),
                                                   default=PropertyStatus.LET)
    next_visit_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    last_visited_on: Mapped[date | None] = mapped_column(sa.Date)
    emptied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Departments' systems sync by it (GET /api/v1/register/properties?updated_since=).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)

    address_entry: Mapped[AddressEntry] = relationship()
    street: Mapped[OrgUnit] = relationship(foreign_keys=[street_id])
    community: Mapped[OrgUnit] = relationship(foreign_keys=[community_id])
    grid: Mapped[OrgUnit | None] = relationship(foreign_keys=[grid_id])

    @property
    def landlord_id_shown(self) -> str:
        return self.landlord_id_masked or mask(None)

    def __repr__(self) -> str:
        return f"<Property {self.id} {self.grade.value}>"


class RegisterEventKind(enum.StrEnum):
    PROPERTY_ADDED = "property_added"
    PROPERTY_CHANGED = "property_changed"
    GRADE_CHANGED = "grade_changed"  # data {"from", "to"}; the reason in message
    CODE_RENEWED = "code_renewed"
    RESIDENT_REGISTERED = "resident_registered"  # data {"residency", "late", "via"}
    RESIDENT_LEFT = "resident_left"
    LATE_FOLLOWED_UP = "late_followed_up"
    VISITED = "visited"  # data {"visit", "on_time", "failed": [...]}
    FINDING_RAISED = "finding_raised"  # data {"finding", "case", "item"}
    FINDING_CONFIRMED = "finding_confirmed"
    FINDING_SENT_BACK = "finding_sent_back"
    EMPTIED = "emptied"
    RESIDENT_ANONYMISED = "resident_anonymised"


REGISTER_EVENT_LABELS = {
    RegisterEventKind.PROPERTY_ADDED: _l("Property added to the register"),
    RegisterEventKind.PROPERTY_CHANGED: _l("Property details changed"),
    RegisterEventKind.GRADE_CHANGED: _l("Safety grade changed"),
    RegisterEventKind.CODE_RENEWED: _l("New property code printed"),
    RegisterEventKind.RESIDENT_REGISTERED: _l("Resident registered"),
    RegisterEventKind.RESIDENT_LEFT: _l("Resident left"),
    RegisterEventKind.LATE_FOLLOWED_UP: _l("Late registration followed up"),
    RegisterEventKind.VISITED: _l("Visit by grid staff"),
    RegisterEventKind.FINDING_RAISED: _l("Finding sent to a department as a case"),
    RegisterEventKind.FINDING_CONFIRMED: _l("Re-inspection: the finding is fixed"),
    RegisterEventKind.FINDING_SENT_BACK: _l("Re-inspection: sent back for redo"),
    RegisterEventKind.EMPTIED: _l("Property emptied"),
    RegisterEventKind.RESIDENT_ANONYMISED: _l("Resident anonymised"),
}


class RegisterEvent(db.Model):
    """What happened to a property (and its residents): append-only, the
    history on the property's page and what unit webhooks announce."""

    __tablename__ = "register_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    kind: Mapped[RegisterEventKind] = mapped_column(enum_type(RegisterEventKind))
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("register_properties.id"),
                                             index=True)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_residents.id"))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(100))
    message: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    prop: Mapped[Property] = relationship()
    resident = relationship("Resident")
    actor: Mapped[User | None] = relationship()


@sa.event.listens_for(RegisterEvent, "before_update")
@sa.event.listens_for(RegisterEvent, "before_delete")
def _refuse_change(mapper, connection, target: RegisterEvent) -> None:
    raise RuntimeError(f"register events are append-only; refused to change event {target.id}")
