"""The citizen's own case on /track: reached with the tracking number and the
phone's last 4 digits (the form on /track) or a signed link from a message
(/track/<token>). From there the citizen adds information (补充材料: text and
photos) and answers the callback survey. The token on the page is the key
for both forms; nothing about other citizens or staff ever shows."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import Select, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.public.forms import TrackForm, track_limit
from cases import survey
from cases.actors import CITIZEN
from cases.errors import InvalidRequest
from cases.merge import surviving
from cases.models import Assignment, Case, CaseEvent
from cases.operations import add_citizen_message, supply_information
from cases.rejection import rejection
from cases.states import CaseStatus
from cases.timeline import public_timeline
from channels.notify.links import LinkRefused, case_token, read_token
from channels.webform import _read_photos
from core.db import db
from core.web import limiter

MAX_INFORMATION = 4000

SOLVED_CHOICES = [SelectChoice("solved", _l("Solved")),
                  SelectChoice("partly", _l("Partly solved")),
                  SelectChoice("not_solved", _l("Not solved"))]
SATISFACTION_CHOICES = [SelectChoice("satisfied", _l("Satisfied")),
                        SelectChoice("basically_satisfied", _l("Basically satisfied")),
                        SelectChoice("dissatisfied", _l("Dissatisfied"))]


class InformationForm(FlaskForm):
    text = TextAreaField(_l("What would you like to add?"),
                         validators=[Optional(), Length(max=MAX_INFORMATION)])
    photos = MultipleFileField(_l("Photos (optional, up to 3 images)"))


class CallbackForm(FlaskForm):
    solved = RadioField(_l("Was the problem solved?"), choices=SOLVED_CHOICES,
                        validators=[DataRequired(_l("Please choose one."))])
    satisfaction = RadioField(_l("Are you satisfied with how it was handled?"),
                              choices=SATISFACTION_CHOICES,
                              validators=[DataRequired(_l("Please choose one."))])
    comment = TextAreaField(_l("Anything else? (optional)"),
                            validators=[Optional(), Length(max=1000)])


def with_page_data(query: Select) -> Select:
    """Everything the case page reads, loaded with the case: three queries
    however long its history, instead of one per relation read (citizen,
    category, assignments, each unit, events): fewer round trips to the
    database, which count when it is on another host."""
    return query.options(
        joinedload(Case.citizen),
        joinedload(Case.category),
        selectinload(Case.assignments).joinedload(Assignment.unit),
        selectinload(Case.events).joinedload(CaseEvent.actor_unit),
    )


def case_page(case: Case, info_form: InformationForm | None = None,
              callback_form: CallbackForm | None = None, status: int = 200):
    """The case as its citizen sees it, with both forms."""
    lead = case.lead_assignment
    open_survey = survey.open_survey(case) if case.status is CaseStatus.RESOLVED else None
    page = render_template(
        "public/track.html", form=TrackForm(formdata=None), case=case,
        timeline=public_timeline(case), not_found=False,
        token=case_token(case.id, case.tracking_number),
        reply=lead.reply if lead is not None and case.resolved_at else None,
        info_form=info_form or InformationForm(formdata=None),
        callback_form=(callback_form or CallbackForm(formdata=None)) if open_survey else None,
        accepts_information=case.status is not CaseStatus.CLOSED,
        rejection=rejection(case),
    )
    return page, status


def _refused(expired: bool):
    """A clear page, not a bare 403: say what is wrong and what still works."""
    title = _("This link has expired") if expired else _("This link is not valid")
    message = _("Please look up your request on the tracking page with its tracking number "
                "and the last 4 digits of your phone number.")
    code = 410 if expired else 403
    abort(make_response(render_template("error.html", code=code, title=title,
                                        message=message), code))


def _case_of(token: str) -> Case:
    try:
        case_id, number = read_token(token)
    except LinkRefused as exc:
        _refused(exc.expired)
    case = db.session.scalar(
        with_page_data(select(Case)).where(Case.id == case_id, Case.citizen_facing()))
    if case is None or case.tracking_number != number:
        _refused(False)
    return surviving(case)  # a merged case's link opens the case it joined


def _limit() -> str:
    return track_limit()


def init_portal(bp) -> None:
    @bp.get("/track/<token>")
    def track_link(token: str):
        return case_page(_case_of(token))

    @bp.post("/track/<token>/information")
    @limiter.limit(_limit)
    def add_information(token: str):
        case = _case_of(token)
        form = InformationForm()
        valid = form.validate()
        photos = _read_photos(form)
        text = (form.text.data or "").strip()
        if valid and photos is not None and not text and not photos:
            form.text.errors.append(_("Please write something or add a photo."))
            valid = False
        if not valid or photos is None or case.status is CaseStatus.CLOSED:
            if case.status is CaseStatus.CLOSED:
                form.text.errors.append(_("This request is closed; please submit a new one."))
            return case_page(case, info_form=form, status=400)
        try:
            if case.status is CaseStatus.AWAITING_INFO and text:
                supply_information(case, CITIZEN, text)  # resumes the clock
                if photos:
                    add_citizen_message(case, CITIZEN, "", photos)
            else:
                add_citizen_message(case, CITIZEN, text, photos)
            db.session.commit()
        except InvalidRequest as exc:
            db.session.rollback()
            form.text.errors.append(exc.message)
            return case_page(case, info_form=form, status=400)
        except OperationalError:
            db.session.rollback()
            abort(503)
        flash(_("Thank you. Your information has been passed to the unit handling your "
                "request."), "success")
        return redirect(url_for("public.track_link", token=token))

    @bp.post("/track/<token>/callback")
    @limiter.limit(_limit)
    def answer_callback(token: str):
        case = _case_of(token)
        pending = survey.open_survey(case) if case.status is CaseStatus.RESOLVED else None
        form = CallbackForm()
        if pending is None:
            flash(_("This survey has already been answered or has ended."), "error")
            return redirect(url_for("public.track_link", token=token))
        if not form.validate():
            return case_page(case, callback_form=form, status=400)
        try:
            survey.record_answer(pending, CITIZEN, form.solved.data, form.satisfaction.data,
                                 via="web", comment=form.comment.data)
            db.session.commit()
        except InvalidRequest:
            db.session.rollback()
            flash(_("This survey has already been answered or has ended."), "error")
            return redirect(url_for("public.track_link", token=token))
        flash(_("Thank you for your answer."), "success")
        return redirect(url_for("public.track_link", token=token))
