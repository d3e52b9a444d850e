"""Possible duplicates and the merge form on the case page (合并).

A dispatcher or supervisor sees the cases that may repeat this one (the same
phone, the same address and category, or a similar description) and joins
any of them, and any other case named by its number, into the case they
choose to survive. The operation is cases.merge.merge_cases; the page of a
survivor shows the timelines of the cases merged into it, and the page of a
merged case says where it went.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth import roles_required
from app.workbench import REFUSED, _case_or_404, bp, perform, render_case
from cases import merge
from cases.duplicates import Duplicate, possible_duplicates
from cases.models import Case
from cases.models.users import Role
from cases.states import FINISHED
from cases.tracking import normalise
from core.db import db

MERGE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
PREFIX = "merge"
MAX_OTHERS = 20

class MergeForm(FlaskForm):
    # The choices change as cases come and go; the numbers are checked in the view.
    cases = SelectMultipleField(_l("Cases to merge"), validate_choice=False)
    others = StringField(_l("Other case numbers (comma separated)"),
                         validators=[Optional(), Length(max=400)])
    survivor = StringField(_l("The case that remains"), validators=[Optional(), Length(max=40)])
    reason = TextAreaField(_l("Why (internal)"),
                           validators=[Optional(), Length(max=merge.MAX_REASON)])


def page_context(case: Case) -> dict:
    """What the case page shows about duplicates and merges to this user."""
    context: dict = {
        "merged_into": case.merged_into,
        "merged_in": merge.merged_cases(case),
        "duplicates": [],
        "merge_form": None,
    }
    # Only petitions are merged: duplicates are a citizen's concern.
    mergeable = (case.merged_into_id is None and case.status not in FINISHED
                 and case.is_citizen_facing)
    if current_user.role in MERGE_ROLES and mergeable:
        context["duplicates"] = duplicates_of(case)
        context["merge_form"] = MergeForm(formdata=None, prefix=PREFIX)
    return context


def duplicates_of(case: Case) -> list[Duplicate]:
    """Possible duplicates of a case being read: every rule of cases.duplicates."""
    return possible_duplicates(
        phone=case.citizen.phone if case.citizen else None,
        address_text=case.address_text,
        category=case.category,
        exclude_case_id=case.id,
        description=case.description,
        street_id=case.street_id,
    )


def _numbers(form: MergeForm) -> list[str]:
    raw = list(form.cases.data or [])
    raw += (form.others.data or "").replace("，", ",").replace("、", ",").split(",")
    return list(dict.fromkeys(normalise(n) for n in raw if n.strip()))


def _back(tracking_number: str):
    return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))


@bp.post("/cases/<tracking_number>/merge")
@roles_required(*MERGE_ROLES)
def merge_case(tracking_number: str):
    here = _case_or_404(tracking_number)  # the merge roles read every case
    form = MergeForm(prefix=PREFIX)
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "error")
        return render_case(here, REFUSED, merge_form=form)
    numbers = _numbers(form)

    def refused(message: str):
        flash(message, "error")
        return render_case(here, REFUSED, merge_form=form)

    if not numbers:
        return refused(_("Not done: choose at least one case to merge."))
    if len(numbers) > MAX_OTHERS:
        return refused(_("Not done: at most %(n)s cases at once.", n=MAX_OTHERS))
    found = {c.tracking_number: c for c in db.session.scalars(
        select(Case).where(Case.tracking_number.in_(numbers)))}
    missing = [n for n in numbers if n not in found]
    if missing:
        return refused(_("Not done: no case %(numbers)s.", numbers="、".join(missing)))
    group = [here, *(found[n] for n in numbers if n != here.tracking_number)]
    chosen = normalise(form.survivor.data or "") or here.tracking_number
    survivor = next((c for c in group if c.tracking_number == chosen), None)
    if survivor is None:
        return refused(_("Not done: the case that remains must be this case or one of those "
                         "merged."))
    duplicates = [c for c in group if c is not survivor]
    done = perform(
        survivor,
        lambda case: merge.merge_cases(case, duplicates, current_user, form.reason.data or ""),
        _("Merged %(numbers)s into %(number)s.",
          numbers="、".join(c.tracking_number for c in duplicates),
          number=survivor.tracking_number),
    )
    if not done:
        return render_case(here, REFUSED, merge_form=form)
    return _back(survivor.tracking_number)
