"""The case (工单): one matter of any kind (cases/kinds/): a citizen's
petition, whatever channel it came by, a supervision item, a proposal or an
incoming document."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.kind_registry import PETITION, citizen_facing_kinds
from cases.models.catalogue import Category, Priority
from cases.models.citizen import Citizen
from cases.models.org import OrgUnit
from cases.states import CaseStatus
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Ten digits for a petition; 督〔2026〕12号 or a session's number for others.
    tracking_number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # "web", "email", "sms", "phone-95100", "open311:<client>": the values and
    # their labels are in cases/channels.py.
    channel: Mapped[str] = mapped_column(sa.String(64), index=True)
    # 事项类型: "petition", "supervision", "proposal", "document" (cases/kinds/).
    kind: Mapped[str] = mapped_column(
        sa.String(32), default=PETITION, server_default=PETITION, index=True
    )
    # Every petition has a category; a matter of another kind may have none.
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    # The title and the kind's own creation fields (dates as ISO text) of a
    # matter created by cases/matters.py; a petition has neither.
    title: Mapped[str | None] = mapped_column(sa.String(300))
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.Text)
    address_text: Mapped[str | None] = mapped_column(sa.String(500))
    lat: Mapped[float | None]
    long: Mapped[float | None]
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    # The name given with this request, which may differ from earlier ones.
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[CaseStatus] = mapped_column(
        enum_type(CaseStatus), default=CaseStatus.RECEIVED, index=True
    )
    priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.NORMAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While the case waits for the citizen (待补充) its clock is paused.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supervised: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # 挂牌督办
    # 合并: the case this duplicate was joined into (cases/merge.py); its citizen
    # is then a party of that case, and its number finds that case.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # Optimistic locking: two workers changing one case cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship()
    citizen: Mapped[Citizen | None] = relationship()
    community: Mapped[OrgUnit | None] = relationship(foreign_keys=[community_id])
    street: Mapped[OrgUnit | None] = relationship(foreign_keys=[street_id])
    merged_into: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    assignments: Mapped[list[Assignment]] = relationship(  # noqa: F821
        back_populates="case", order_by="Assignment.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(  # noqa: F821
        back_populates="case", order_by="CaseEvent.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(  # noqa: F821
        back_populates="case", order_by="Attachment.id"
    )

    @property
    def lead_assignment(self) -> Assignment | None:  # noqa: F821
        for assignment in self.assignments:
            if assignment.is_lead and assignment.active:
                return assignment
        return None

    @classmethod
    def citizen_facing(cls) -> sa.ColumnElement[bool]:
        """The one filter for every surface a citizen sees (/track, Open311,
        /stats, public pages, citizen notifications, the city push): only
        the kinds declared citizen-facing (petitions) appear there."""
        return cls.kind.in_(citizen_facing_kinds())

    @property
    def is_citizen_facing(self) -> bool:
        return (self.kind or PETITION) in citizen_facing_kinds()

    def __repr__(self) -> str:
        return f"<Case {self.tracking_number} {self.status.value}>"


# Staff search (cases/search.py), on PostgreSQL only: a GIN index over the
# character bigrams of the description and the address, so a term of two
# Chinese characters is found without reading every case. The migration
# creates the SQL functions; SQLite has neither and searches with LIKE.
SEARCH_GRAMS = sa.func.xietong_case_grams(Case.description, Case.address_text)
sa.Index("ix_cases_search_grams", SEARCH_GRAMS, postgresql_using="gin")
