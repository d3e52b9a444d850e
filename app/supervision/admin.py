"""Administration of time limits and the working-day calendar (role admin).

Every change writes a row of the administration audit log (app.admin.audit:
who, what, the values before and after) in the same transaction. Changes
apply to assignments made afterwards: the deadlines of existing assignments
are stored on them and stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit import AuditAction, record, snapshot
from app.auth import roles_required
from app.supervision.forms import (
    CalendarOverrideForm,
    TimeLimitForm,
)
from cases.models import Category, Priority
from cases.models.users import Role
from core.clock import local, now
from core.db import db
from core.i18n import localname
from escalation.calendar import WorkingCalendar
from escalation.limits import DEFAULTS, current_calendar
from escalation.models import CalendarOverride, DeadlineKind, LimitUnit, TimeLimit

# Not "admin": that blueprint (the outbox) is another's; the URLs share the prefix.
bp = Blueprint("time_admin", __name__, url_prefix="/admin")

LIMIT_FIELDS = ("category", "priority", "kind", "amount", "unit")
OVERRIDE_FIELDS = ("day", "is_workday", "note")


def uncovered_years() -> list[int]:
    """This year and next, where the calendar does not know the holidays."""
    calendar = current_calendar()
    this_year = local(now()).year
    return [y for y in (this_year, this_year + 1) if not calendar.covers(y)]


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
        uncovered=uncovered_years(),
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


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    form = CalendarOverrideForm()
    if form.validate_on_submit():
        day, is_workday = form.day.data, form.is_workday.data == "1"
        row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        before = snapshot(row, OVERRIDE_FIELDS) if row else None
        if row is None:
            row = CalendarOverride(day=day)
            db.session.add(row)
        row.is_workday, row.note = is_workday, (form.note.data or "").strip()
        db.session.flush()
        record(current_user, AuditAction.UPDATE if before else AuditAction.CREATE,
               "calendar_override", row.id,
               summary=f"{day.isoformat()} workday={is_workday}",
               before=before, after=snapshot(row, OVERRIDE_FIELDS))
        db.session.commit()
        flash(_("%(day)s saved. Deadlines set from now on follow it.", day=day.isoformat()),
              "success")
        return redirect(url_for("time_admin.calendar"))
    overrides = list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))
    plain = WorkingCalendar()  # the package and weekends, without the overrides
    return render_template(
        "supervision/admin_calendar.html",
        form=form,
        overrides=[(o, plain.is_workday(o.day)) for o in overrides],
        uncovered=uncovered_years(),
        today=local(now()).date(),
    )


@bp.post("/calendar/<int:override_id>/delete")
@roles_required(Role.ADMIN)
def delete_override(override_id: int):
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        abort(404)
    day: date = row.day
    record(current_user, AuditAction.DELETE, "calendar_override", row.id,
           summary=f"{day.isoformat()} workday={row.is_workday}",
           before=snapshot(row, OVERRIDE_FIELDS))
    db.session.delete(row)
    db.session.commit()
    flash(_("%(day)s removed.", day=day.isoformat()), "success")
    return redirect(url_for("time_admin.calendar"))
