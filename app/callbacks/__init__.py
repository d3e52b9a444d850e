"""The callback desk: /callbacks, the operator's queue of citizens who did
not answer the survey within CALLBACK_QUEUE_HOURS (the operator calls and
records the answers); /callbacks/decisions, the supervisor's list of unhappy
answers to redo (重办) or close with a reason; /me/notifications, where staff
choose how they hear of their cases."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.auth import roles_required
from app.public.portal import SATISFACTION_CHOICES, SOLVED_CHOICES
from cases import survey
from cases.citizens import InvalidPhone, normalise_phone
from cases.errors import InvalidRequest, NotAllowed
from cases.models.users import Role
from cases.survey_models import CallbackSurvey, SurveyStatus
from channels.notify.models import StaffChannel, StaffPreference
from channels.webform import EMAIL
from core.clock import now
from core.db import db

bp = Blueprint("callbacks", __name__)

CALLERS = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 25

ANSWER_LABELS = {c.value: c.label for c in SOLVED_CHOICES + SATISFACTION_CHOICES}


class AnswerForm(FlaskForm):
    solved = RadioField(_l("Was the problem solved?"), choices=SOLVED_CHOICES,
                        validators=[DataRequired(_l("Please choose one."))])
    satisfaction = RadioField(_l("Is the citizen satisfied?"), choices=SATISFACTION_CHOICES,
                              validators=[DataRequired(_l("Please choose one."))])
    comment = TextAreaField(_l("What the citizen said (optional)"),
                            validators=[Optional(), Length(max=1000)])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("redo", _l("Redo: send the case back to the unit")),
        SelectChoice("close", _l("Close the case")),
    ], validators=[DataRequired(_l("Please choose one."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")),
                                                     Length(max=1000)])


@bp.get("/callbacks")
@roles_required(*CALLERS)
def queue():
    page = db.paginate(survey.callback_queue(), per_page=PAGE_SIZE)
    return render_template("callbacks/queue.html", page=page, form=AnswerForm(formdata=None),
                           now=now())


def _survey(survey_id: int) -> CallbackSurvey:
    found = db.session.get(CallbackSurvey, survey_id)
    if found is None:
        abort(404)
    return found


@bp.post("/callbacks/<int:survey_id>/answer")
@roles_required(*CALLERS)
def answer(survey_id: int):
    found = _survey(survey_id)
    form = AnswerForm()
    if not form.validate():
        flash(_("Please choose an answer to both questions."), "error")
        return redirect(url_for("callbacks.queue"))
    try:
        survey.record_answer(found, current_user, form.solved.data, form.satisfaction.data,
                             via="phone", comment=form.comment.data)
        db.session.commit()
    except InvalidRequest:
        db.session.rollback()
        flash(_("This survey has already been answered or has ended."), "error")
        return redirect(url_for("callbacks.queue"))
    flash(_("The answer for %(number)s has been recorded.",
            number=found.case.tracking_number), "success")
    return redirect(url_for("callbacks.queue"))


@bp.get("/callbacks/decisions")
@roles_required(*DECIDERS)
def decisions():
    page = db.paginate(survey.decision_queue(), per_page=PAGE_SIZE)
    return render_template("callbacks/decisions.html", page=page, labels=ANSWER_LABELS,
                           form=DecisionForm(formdata=None))


@bp.post("/callbacks/<int:survey_id>/decide")
@roles_required(*DECIDERS)
def decide(survey_id: int):
    found = _survey(survey_id)
    form = DecisionForm()
    if not form.validate():
        flash(_("Choose redo or close, and give a reason."), "error")
        return redirect(url_for("callbacks.decisions"))
    try:
        survey.decide(found, current_user, do_redo=form.decision.data == "redo",
                      reason=form.reason.data)
        db.session.commit()
    except (InvalidRequest, NotAllowed) as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=exc), "error")
        return redirect(url_for("callbacks.decisions"))
    if found.status is SurveyStatus.REDONE:
        flash(_("%(number)s has been sent back to the unit to be redone.",
                number=found.case.tracking_number), "success")
    else:
        flash(_("%(number)s has been closed.", number=found.case.tracking_number), "success")
    return redirect(url_for("callbacks.decisions"))


# -- staff members' own notifications -------------------------------------------------

def _phone(form: FlaskForm, field) -> None:
    if field.data:
        try:
            normalise_phone(field.data, "CN")
        except InvalidPhone as exc:
            raise ValidationError(_("This is not a valid phone number.")) from exc


def _email(form: FlaskForm, field) -> None:
    if field.data and not EMAIL.fullmatch(field.data):
        raise ValidationError(_("This is not a valid email address."))


class PreferenceForm(FlaskForm):
    channel = RadioField(_l("Tell me about new assignments, reminders and escalations"),
                         choices=[SelectChoice("none", _l("Only on the workbench")),
                                  SelectChoice("email", _l("By email")),
                                  SelectChoice("sms", _l("By SMS"))],
                         validators=[DataRequired()])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254), _email])
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=32), _phone])


@bp.route("/me/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    pref = db.session.get(StaffPreference, current_user.id)
    form = PreferenceForm(data={
        "channel": pref.channel.value if pref else "none",
        "email": pref.email if pref else "", "phone": pref.phone if pref else "",
    })
    if form.validate_on_submit():
        channel = StaffChannel(form.channel.data)
        if channel is StaffChannel.EMAIL and not form.email.data:
            form.email.errors.append(_("Give the email address to use."))
        elif channel is StaffChannel.SMS and not form.phone.data:
            form.phone.errors.append(_("Give the mobile number to use."))
        else:
            if pref is None:
                pref = StaffPreference(user_id=current_user.id)
                db.session.add(pref)
            pref.channel = channel
            pref.email = form.email.data or None
            pref.phone = normalise_phone(form.phone.data, "CN") if form.phone.data else None
            pref.updated_at = now()
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("callbacks.preferences"))
    return render_template("callbacks/preferences.html", form=form)
