"""Administration of time limits and the working-day calendar (role admin).

Every change writes a row of the administration audit log (app.admin.audit:
who, what, the values before and after) in the same transaction. A time
limit applies to assignments made afterwards: the deadlines of existing
assignments are stored on them and stay. A calendar change (calendar_admin)
also moves the open deadlines it moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit import AuditAction, record, snapshot
from app.auth import roles_required
from app.supervision.forms import TimeLimitForm
from cases.models import Category, Priority
from cases.models.users import Role
from core.db import db
from core.i18n import localname
from escalation.confirmation import years_to_confirm
from escalation.limits import DEFAULTS
from escalation.models import DeadlineKind, LimitUnit, TimeLimit

# Not "admin": that blueprint (the outbox) is another's; the URLs share the prefix.
bp = Blueprint("time_admin", __name__, url_prefix="/admin")

LIMIT_FIELDS = ("category", "priority", "kind", "amount", "unit")


@dataclass(frozen=True)
class EffectiveLimit:
    priority: Priority
    kind: DeadlineKind
    amount: int
    unit: LimitUnit
    row: TimeLimit | None  # None: the built-in default


def effective_limits() -> list[EffectiveLimit]:
    """Per priority and deadline, for every category: the administrator's
    row if there is one, else the default."""
    rows = {
        (r.priority, r.kind): r
        for r in db.session.scalars(select(TimeLimit).where(TimeLimit.category_id.is_(None)))
    }
    result = []
    for priority in Priority:
        for kind in DeadlineKind:
            row = rows.get((priority, kind))
            amount, unit = (row.amount, row.unit) if row else DEFAULTS[(priority, kind)]
            result.append(EffectiveLimit(priority, kind, amount, unit, row))
    return result


def category_limits() -> list[TimeLimit]:
    """The rows of categories that have their own limits."""
    rows = db.session.scalars(
        select(TimeLimit).join(TimeLimit.category).where(TimeLimit.category_id.is_not(None))
        .order_by(Category.sort_order, Category.code, TimeLimit.priority, TimeLimit.kind)
    )
    return list(rows)


def _describe(row: TimeLimit) -> str:
    category = row.category.code if row.category else "*"
    return f"{category}/{row.priority.value}/{row.kind.value}={row.amount} {row.unit.value}"


def _limit_form() -> TimeLimitForm:
    form = TimeLimitForm()
    categories = db.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
    form.category.choices = [("", _("Every category"))] + [
        (c.code, localname(c)) for c in categories
    ]
    return form


@bp.route("/time-limits", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def time_limits():
    form = _limit_form()
    if form.validate_on_submit():
        category = None
        if form.category.data:
            category = db.session.scalar(
                select(Category).where(Category.code == form.category.data)
            )
        priority, kind = Priority(form.priority.data), DeadlineKind(form.kind.data)
        row = db.session.scalar(
            select(TimeLimit).where(
                TimeLimit.priority == priority,
                TimeLimit.kind == kind,
                (TimeLimit.category_id == category.id) if category
                else TimeLimit.category_id.is_(None),
            )
        )
        before = snapshot(row, LIMIT_FIELDS) if row else None
        if row is None:
            row = TimeLimit(category=category, priority=priority, kind=kind)
            db.session.add(row)
        row.amount, row.unit = form.amount.data, LimitUnit(form.unit.data)
        db.session.flush()  # the row's id names it in the audit log
        record(current_user, AuditAction.UPDATE if before else AuditAction.CREATE,
               "time_limit", row.id, summary=_describe(row), before=before,
               after=snapshot(row, LIMIT_FIELDS))
        db.session.commit()
        flash(_("Time limit saved. It applies to cases assigned from now on."), "success")
        return redirect(url_for("time_admin.time_limits"))
    return render_template(
        "supervision/admin_time_limits.html",
        form=form,
        limits=effective_limits(),
        category_limits=category_limits(),
        uncovered=years_to_confirm(),
    )


@bp.post("/time-limits/<int:limit_id>/delete")
@roles_required(Role.ADMIN)
def delete_time_limit(limit_id: int):
    row = db.session.get(TimeLimit, limit_id)
    if row is None:
        abort(404)
    record(current_user, AuditAction.DELETE, "time_limit", row.id, summary=_describe(row),
           before=snapshot(row, LIMIT_FIELDS))
    db.session.delete(row)
    db.session.commit()
    flash(_("Time limit removed: the general rule applies again."), "success")
    return redirect(url_for("time_admin.time_limits"))


# The calendar page, registered on this blueprint.
from app.supervision import calendar_admin  # noqa: E402, F401
