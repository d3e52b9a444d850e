"""One action of the REST API, committed: the operation runs for the token's
user, and every refusal is answered as the OpenAPI document says (403 not
allowed, 409 illegal transition, own step, refused or conflict), the
transaction rolled back. Every kind's endpoints act through here, as the
pages act through workbench.perform."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError

from app.api import ApiError
from app.kind_pages import own_page
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.kind_registry import OwnStep
from cases.models import Case
from core.db import db


def committed(action: Callable[[], object], case: Case, noun: str = "case") -> None:
    """Run `action` and commit, or roll back and raise the documented ApiError.
    `case` is the matter acted on (its kind's own page is named on a refusal);
    `noun` what the conflict message calls it."""
    try:
        action()
        db.session.commit()
    except NotAllowed as exc:
        db.session.rollback()
        raise ApiError(403, "not_allowed", str(exc)) from None
    except IllegalTransition as exc:
        db.session.rollback()
        raise ApiError(409, "illegal_transition", str(exc)) from None
    except OwnStep as exc:
        db.session.rollback()
        raise ApiError(409, "own_step", exc.message, field=exc.field, step=exc.step,
                       page=own_page(case)) from None
    except InvalidRequest as exc:
        db.session.rollback()
        raise ApiError(409, "refused", exc.message, field=exc.field) from None
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, "conflict", f"someone changed this {noun} at the same moment; "
                       "read it again and retry") from None
    db.session.expire_all()
