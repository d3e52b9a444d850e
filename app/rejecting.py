"""The reject form (不予受理) and what sending it does, shared by the pages
that offer it: the operator's console (app/console), the workbench's case
page and dispatcher queue (app/workbench/rejecting.py). A top-level module,
so that neither blueprint imports the other's package. The operation is
cases.rejection.reject; a refusal becomes an error on the form, which the
page shows again with what was typed."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from cases.errors import CaseError, IllegalTransition, InvalidRequest
from cases.models import Case
from cases.rejection import MAX_EXPLANATION, REJECT_REASON_LABELS, reject
from cases.states import STATUS_LABELS
from core.db import db

PREFIX = "reject"  # the field names on every page: reject-reason, reject-explanation


class RejectForm(FlaskForm):
    reason = SelectField(_l("Reason for not accepting the case"),
                         choices=[SelectChoice("", _l("Choose a reason"))]
                         + [SelectChoice(reason.value, label)
                            for reason, label in REJECT_REASON_LABELS.items()],
                         validators=[DataRequired(_l("Choose the reason."))])
    explanation = TextAreaField(_l("Explanation for the citizen (shown on the tracking page "
                                   "and sent to them)"),
                                validators=[DataRequired(_l("Explain to the citizen why.")),
                                            Length(max=MAX_EXPLANATION)])


def new_form() -> RejectForm:
    return RejectForm(formdata=None, prefix=PREFIX)


def posted_form() -> RejectForm:
    return RejectForm(prefix=PREFIX)


def submit(case: Case, form: RejectForm) -> bool:
    """Reject the case for the signed-in user and commit; a refusal becomes
    an error on the form."""
    try:
        reject(case, current_user, form.reason.data, form.explanation.data)
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        field = form.reason if exc.field == "reason" else form.explanation
        field.errors = [*field.errors, exc.message]
        return False
    except IllegalTransition:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, _(
            "Not done: the case is now \"%(status)s\". Only a case its unit has not signed "
            "for can be rejected; a unit that signed for it returns it first.",
            status=STATUS_LABELS[case.status])]
        return False
    except CaseError as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(exc)]
        return False
    except StaleDataError:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, _(
            "Not done: someone changed this case at the same moment. Look at it again "
            "and retry.")]
        return False
    return True


def done_message(case: Case) -> str:
    return _("Case %(number)s is not accepted; the citizen is told why.",
             number=case.tracking_number)
