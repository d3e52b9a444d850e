"""/admin/templates: administrators edit the wording of every notification,
per channel (SMS, email) and language (zh-CN, English). A template is
checked by rendering it with sample values before it is saved; "back to the
default" deletes the row so the catalogue's wording applies again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.auth import roles_required
from cases.models.users import Role
from channels.notify import templates
from channels.notify.models import NotificationTemplate
from core.clock import now
from core.db import db

bp = Blueprint("notify_admin", __name__, url_prefix="/admin/templates")

CHANNEL_LABELS = {"sms": _l("SMS"), "email": _l("Email")}
LOCALE_LABELS = {"zh_CN": "中文", "en": "English"}


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject (email only)"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=4000)])


def _sample(key: str) -> dict[str, object]:
    samples = {"number": "2611260001", "kind": "诉求", "unit": "黄埔街道办事处",
               "category": "道路破损",
               "reply": "已于今日更换破损地砖，感谢您的反映。", "due": "2026-12-01 17:30",
               "level": 2, "track_url": "https://example.gov.cn/track",
               "link": "https://example.gov.cn/track/…",
               "case_url": "https://example.gov.cn/cases/2611260001",
               "into": "2611260002", "reason": "不属于政府职责范围",
               "explanation": "您反映的是业主之间的物业费纠纷，属民事纠纷，建议协商或起诉。"}
    return {name: samples[name] for name in templates.KINDS[key].variables}


def _check_args(key: str, channel: str, locale: str) -> None:
    if key not in templates.KINDS or channel not in templates.CHANNELS \
            or locale not in templates.LOCALES:
        abort(404)


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    rows = []
    for kind in templates.KINDS.values():
        for channel in templates.CHANNELS:
            for locale in templates.LOCALES:
                subject, body = templates.source(kind.key, channel, locale)
                rows.append({"kind": kind, "channel": channel, "locale": locale,
                             "body": body, "customised": templates.saved(
                                 kind.key, channel, locale) is not None})
    return render_template("admin/notify_templates.html", rows=rows,
                           channels=CHANNEL_LABELS, locales=LOCALE_LABELS)


@bp.route("/<key>/<channel>/<locale>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(key: str, channel: str, locale: str):
    _check_args(key, channel, locale)
    row = templates.saved(key, channel, locale)
    subject, body = templates.source(key, channel, locale)
    form = TemplateForm(data={"subject": subject or "", "body": body})
    preview = error = None
    if form.validate_on_submit():
        for text in (form.body.data, form.subject.data or ""):
            error = error or templates.check(key, text)
        if error:
            form.body.errors.append(_("This template cannot be used: %(error)s", error=error))
        else:
            if row is None:
                row = NotificationTemplate(key=key, channel=channel, locale=locale)
                db.session.add(row)
            row.subject = (form.subject.data or "").strip() or None if channel == "email" \
                else None
            row.body = form.body.data.strip()
            row.updated_at, row.updated_by_id = now(), current_user.id
            db.session.commit()
            flash(_("The template has been saved."), "success")
            return redirect(url_for("notify_admin.edit", key=key, channel=channel,
                                    locale=locale))
    if not error:
        text = form.body.data or body
        try:
            preview = templates.render_text(text, _sample(key))
            if channel == "sms":
                preview = templates.fit_sms(text, _sample(key))
        except Exception as exc:  # noqa: BLE001 - shown to the administrator, not raised
            error = str(exc)
    too_long = channel == "sms" and preview and len(preview) >= templates.sms_limit()
    return render_template(
        "admin/notify_template_edit.html", form=form, kind=templates.KINDS[key],
        channel=channel, locale=locale, customised=row is not None, preview=preview,
        too_long=too_long, limit=templates.sms_limit(), channels=CHANNEL_LABELS,
        locales=LOCALE_LABELS,
    )


@bp.post("/<key>/<channel>/<locale>/reset")
@roles_required(Role.ADMIN)
def reset(key: str, channel: str, locale: str):
    _check_args(key, channel, locale)
    row = templates.saved(key, channel, locale)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    flash(_("The default wording applies again."), "success")
    return redirect(url_for("notify_admin.edit", key=key, channel=channel, locale=locale))
