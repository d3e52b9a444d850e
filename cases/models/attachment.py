"""Files that came with a case: photos now, recordings and mail later.

The bytes live in the database, which is the truth and is shared by every web
replica and worker; they are deferred so listing a case never loads them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cases.models.case import Case
from core.clock import now
from core.db import db
from core.types import UTCDateTime


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    # Indexed: the email channel finds a message it already stored by its hash.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))

    case: Mapped[Case] = relationship(back_populates="attachments")
