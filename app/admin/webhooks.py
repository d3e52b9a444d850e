"""/admin/webhooks: where each unit's case events are POSTed, and how those
deliveries went. The signing secret is shown once, when the webhook is added
or its secret rotated; the receiver keeps it, the pages never show it again."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.admin import PAGE_SIZE, bp
from app.admin.audit import AuditAction, record
from app.admin.keys import current_admin, shown_once
from app.auth import roles_required
from cases.models import OrgUnit, UnitKind
from cases.models.users import Role
from channels.webhooks.models import Webhook, WebhookDelivery, valid_url
from core.clock import now
from core.db import db
from core.i18n import localname

WEBHOOK = "webhook"
RECENT = 3  # deliveries shown per webhook on the list
UNIT_ORDER = (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY,
              UnitKind.GRID)

def _http_url(form: FlaskForm, field: StringField) -> None:
    """The same rule as `flask webhook add`."""
    if field.data and not valid_url(field.data.strip()):
        raise ValidationError(_("Enter an address starting with http:// or https://."))


class WebhookForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    url = StringField(_l("Receiver URL"), validators=[DataRequired(), Length(max=500), _http_url])


def _form() -> WebhookForm:
    form = WebhookForm()
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True))).all()
    # Departments first: they are the ones with business systems to feed.
    units.sort(key=lambda u: (UNIT_ORDER.index(u.kind), u.code))
    form.unit.choices = [(u.id, f"{localname(u)} ({u.code})") for u in units]
    return form


def _recent(hooks: list[Webhook]) -> dict[int, list[WebhookDelivery]]:
    return {h.id: db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == h.id)
        .order_by(WebhookDelivery.id.desc()).limit(RECENT)).all() for h in hooks}


def _index(form: WebhookForm | None = None, status: int = 200):
    page = db.paginate(
        select(Webhook).join(OrgUnit).order_by(OrgUnit.code, Webhook.active.desc(), Webhook.id),
        per_page=PAGE_SIZE,
    )
    return render_template("admin/webhooks.html", page=page, recent=_recent(page.items),
                           form=form or _form()), status


def _hook(webhook_id: int) -> Webhook:
    return db.session.get(Webhook, webhook_id) or abort(404)


def _state(hook: Webhook) -> dict[str, Any]:
    """What the audit row keeps of a webhook: never its secret."""
    return {"unit": hook.unit.code, "url": hook.url, "active": hook.active}


@bp.get("/webhooks")
@roles_required(Role.ADMIN)
def webhooks():
    return _index()


@bp.post("/webhooks")
@roles_required(Role.ADMIN)
def add_webhook():
    form = _form()
    if not form.validate_on_submit():
        return _index(form, status=400)
    unit = db.session.get(OrgUnit, form.unit.data)
    hook = Webhook(unit=unit, url=form.url.data.strip(), secret=Webhook.new_secret(),
                   created_at=now())
    db.session.add(hook)
    db.session.flush()
    record(current_admin(), AuditAction.CREATE, WEBHOOK, hook.id, summary=f"{unit.code} {hook.url}",
           after=_state(hook))
    db.session.commit()
    return shown_once(
        _("New webhook"),
        _("The signing secret of the webhook of %(unit)s to %(url)s:",
          unit=localname(unit), url=hook.url),
        hook.secret, url_for("admin.webhooks"))


@bp.post("/webhooks/<int:webhook_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate_webhook(webhook_id: int):
    return _set_active(_hook(webhook_id), False)


@bp.post("/webhooks/<int:webhook_id>/activate")
@roles_required(Role.ADMIN)
def activate_webhook(webhook_id: int):
    return _set_active(_hook(webhook_id), True)


def _set_active(hook: Webhook, active: bool):
    if hook.active != active:
        before = _state(hook)
        hook.active = active
        record(current_admin(), AuditAction.UPDATE if active else AuditAction.DELETE, WEBHOOK,
               hook.id, summary=f"{hook.unit.code} {hook.url}", before=before,
               after=_state(hook))
        db.session.commit()
        flash(_("The webhook is active again.") if active
              else _("The webhook is deactivated: no more events are sent to it."), "success")
    return redirect(url_for("admin.webhooks"))


@bp.post("/webhooks/<int:webhook_id>/rotate")
@roles_required(Role.ADMIN)
def rotate_webhook_secret(webhook_id: int):
    """A new secret at once: the receiver must switch to it, or it will refuse
    what is sent from now on (retries too: they are signed when sent)."""
    hook = _hook(webhook_id)
    hook.secret = Webhook.new_secret()
    record(current_admin(), AuditAction.UPDATE, WEBHOOK, hook.id,
           summary=f"{hook.unit.code} {hook.url}: signing secret rotated")
    db.session.commit()
    return shown_once(
        _("New signing secret"),
        _("The new signing secret of the webhook of %(unit)s to %(url)s; the old one no "
          "longer signs anything:", unit=localname(hook.unit), url=hook.url),
        hook.secret, url_for("admin.webhooks"))


@bp.get("/webhooks/<int:webhook_id>")
@roles_required(Role.ADMIN)
def webhook_log(webhook_id: int):
    """The delivery log of one webhook, newest first."""
    hook = _hook(webhook_id)
    page = db.paginate(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc()),
        per_page=PAGE_SIZE,
    )
    return render_template("admin/webhooks_log.html", hook=hook, page=page)
