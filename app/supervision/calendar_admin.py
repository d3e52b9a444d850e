"""The working-day calendar page (role admin): days entered by hand and the
confirmation of a year's State Council schedule, on the time_admin blueprint.

Every change writes its rows of the administration audit log and, in the same
transaction, records itself for escalation.recalculate, whose job then moves
the open deadlines it moves; the page lists how the latest changes went.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit import AuditAction, record, record_change, snapshot
from app.auth import roles_required
from app.supervision.admin import bp
from app.supervision.calendar_forms import ConfirmYearForm
from app.supervision.forms import CalendarOverrideForm
from cases.errors import InvalidRequest
from cases.models.users import Role
from core.clock import local, now
from core.db import db
from escalation import confirmation
from escalation.calendar import WorkingCalendar, source
from escalation.limits import current_calendar
from escalation.models import CalendarChange, CalendarOverride, CalendarYear
from escalation.recalculate import last_changes, schedule_recalculation

OVERRIDE_FIELDS = ("day", "is_workday", "note")
YEAR_FIELDS = ("year", "notice", "confirmed_by_id", "confirmed_at")


def save_override(day: date, is_workday: bool, note: str) -> CalendarOverride:
    """Create or change the day's override, with its audit row."""
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    before = snapshot(row, OVERRIDE_FIELDS) if row else None
    if row is None:
        row = CalendarOverride(day=day)
        db.session.add(row)
    row.is_workday, row.note = is_workday, note
    db.session.flush()  # the row's id names it in the audit log
    summary = f"{day.isoformat()} workday={is_workday}"
    after = snapshot(row, OVERRIDE_FIELDS)
    if before is None:
        record(current_user, AuditAction.CREATE, "calendar_override", row.id,
               summary=summary, after=after)
    else:
        record_change(current_user, "calendar_override", row.id, before, after,
                      summary=summary)
    return row


def _confirm_form() -> ConfirmYearForm:
    form = ConfirmYearForm()
    form.year.choices = [(y, str(y)) for y in confirmation.confirmable_years()]
    return form


def _render(form: CalendarOverrideForm, confirm_form: ConfirmYearForm):
    overrides = list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))
    plain = WorkingCalendar()  # the sources, without the overrides
    this_year = local(now()).year
    return render_template(
        "supervision/admin_calendar.html",
        form=form,
        confirm_form=confirm_form,
        overrides=[(o, plain.is_workday(o.day)) for o in overrides],
        years=[(y, source(y), db.session.get(CalendarYear, y))
               for y in (this_year, this_year + 1)],
        uncovered=confirmation.years_to_confirm(),
        changes=last_changes(),
        today=local(now()).date(),
    )


def _flash_change(change: CalendarChange | None) -> None:
    if change is not None:
        flash(_("Open deadlines that the change moves are being recomputed; each case "
                "moved will say so."), "success")


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    form = CalendarOverrideForm()
    if form.validate_on_submit():
        day, is_workday = form.day.data, form.is_workday.data == "1"
        before = current_calendar()
        save_override(day, is_workday, (form.note.data or "").strip())
        change = schedule_recalculation(before, current_user)
        db.session.commit()
        flash(_("%(day)s saved.", day=day.isoformat()), "success")
        _flash_change(change)
        return redirect(url_for("time_admin.calendar"))
    return _render(form, _confirm_form())


@bp.post("/calendar/<int:override_id>/delete")
@roles_required(Role.ADMIN)
def delete_override(override_id: int):
    row = db.get_or_404(CalendarOverride, override_id)
    day: date = row.day
    before = current_calendar()
    record(current_user, AuditAction.DELETE, "calendar_override", row.id,
           summary=f"{day.isoformat()} workday={row.is_workday}",
           before=snapshot(row, OVERRIDE_FIELDS))
    db.session.delete(row)
    db.session.flush()
    change = schedule_recalculation(before, current_user)
    db.session.commit()
    flash(_("%(day)s removed.", day=day.isoformat()), "success")
    _flash_change(change)
    return redirect(url_for("time_admin.calendar"))


@bp.post("/calendar/confirm")
@roles_required(Role.ADMIN)
def confirm_year():
    """Enter the notice's swapped working days and extra days off, and confirm
    the year: the warning goes, and the deadlines they move are recomputed."""
    form = _confirm_form()
    if not form.validate_on_submit():
        return _render(CalendarOverrideForm(formdata=None), form)
    year, notice = form.year.data, form.notice.data.strip()
    before = current_calendar()
    wanted = [(d, True) for d in form.workdays.data] + [(d, False) for d in form.days_off.data]
    for day, is_workday in sorted(wanted):
        if before.is_workday(day) != is_workday:
            save_override(day, is_workday, notice)
    try:
        row = confirmation.confirm(year, current_user, notice)
    except InvalidRequest:  # another administrator was quicker
        db.session.rollback()
        flash(_("%(year)s was not confirmed: the page shows its state now.", year=year),
              "error")
        return redirect(url_for("time_admin.calendar"))
    record(current_user, AuditAction.CREATE, "calendar_year", year,
           summary=f"{year} confirmed: {notice}", after=snapshot(row, YEAR_FIELDS))
    change = schedule_recalculation(before, current_user)
    db.session.commit()
    flash(_("The schedule of %(year)s is confirmed.", year=year), "success")
    _flash_change(change)
    return redirect(url_for("time_admin.calendar"))


@bp.post("/calendar/years/<int:year>/withdraw")
@roles_required(Role.ADMIN)
def withdraw_year(year: int):
    """Take a confirmation back (entered in error); the days entered stay."""
    row = db.get_or_404(CalendarYear, year)
    record(current_user, AuditAction.DELETE, "calendar_year", year,
           summary=f"{year} confirmation withdrawn", before=snapshot(row, YEAR_FIELDS))
    confirmation.withdraw(year)
    db.session.commit()
    flash(_("The confirmation of %(year)s is withdrawn.", year=year), "success")
    return redirect(url_for("time_admin.calendar"))
