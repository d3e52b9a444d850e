"""`flask api-token create|list|revoke` and `flask webhook add|list|disable|log`."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.admin.audit import AuditAction, record
from app.api.models import ApiToken
from cases.models import OrgUnit
from cases.models.users import User
from channels.webhooks.models import Webhook, WebhookDelivery, valid_url
from core.cli import Commands
from core.clock import now
from core.db import db

api_token_cli = Commands("api-token", help="Per-user tokens for the REST API.")
webhook_cli = Commands("webhook", help="Outgoing webhooks per unit.")


def _user(username: str):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@api_token_cli.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (a system's name).")
def token_create(username: str, name: str) -> None:
    """Create a token for USERNAME and print it once; only its hash is kept."""
    try:
        token, plain = ApiToken.issue(_user(username), name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    record("cli:api-token", AuditAction.ISSUE, "api_token", token.id,
           summary=f"user={username} name={name}")
    db.session.commit()
    click.echo(f"Token {token.id} for {username} (shown once, store it now):", err=True)
    click.echo(plain)


@api_token_cli.command("list")
@click.argument("username", required=False)
def token_list(username: str | None) -> None:
    """List tokens (never the tokens themselves)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if username:
        query = query.where(ApiToken.user_id == _user(username).id)
    for t in db.session.scalars(query):
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"{t.id}\t{t.user.username}\t{t.name or '-'}\t{state}\tlast used {used}")


@api_token_cli.command("revoke")
@click.argument("token_id", type=int, required=False)
@click.option("--user", "username", default=None, help="Revoke every token of this user.")
def token_revoke(token_id: int | None, username: str | None) -> None:
    """Revoke one token by its id, or every token of --user."""
    if (token_id is None) == (username is None):
        raise click.UsageError("give a TOKEN_ID or --user, not both")
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    else:
        query = query.where(ApiToken.user_id == _user(username).id)
    tokens = db.session.scalars(query).all()
    if not tokens:
        raise click.ClickException("no active token matches")
    for t in tokens:
        t.revoked_at = now()
        record("cli:api-token", AuditAction.REVOKE, "api_token", t.id,
               summary=f"user={t.user.username} name={t.name}")
    db.session.commit()
    click.echo(f"{len(tokens)} token(s) revoked.")


@webhook_cli.command("add")
@click.argument("unit_code")
@click.argument("url")
def webhook_add(unit_code: str, url: str) -> None:
    """Send UNIT_CODE's case events to URL; print the signing secret once."""
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"no unit {unit_code!r}")
    if not valid_url(url):
        raise click.BadParameter("an http:// or https:// URL", param_hint="URL")
    hook = Webhook(unit=unit, url=url, secret=Webhook.new_secret(), created_at=now())
    db.session.add(hook)
    db.session.flush()
    record("cli:webhook", AuditAction.CREATE, "webhook", hook.id, summary=f"{unit.code} {url}")
    db.session.commit()
    click.echo(f"Webhook {hook.id} for {unit.code} -> {url}; signing secret (shown once):",
               err=True)
    click.echo(hook.secret)


@webhook_cli.command("list")
def webhook_list() -> None:
    for h in db.session.scalars(select(Webhook).order_by(Webhook.id)):
        click.echo(f"{h.id}\t{h.unit.code}\t{'active' if h.active else 'disabled'}\t{h.url}")


@webhook_cli.command("disable")
@click.argument("webhook_id", type=int)
def webhook_disable(webhook_id: int) -> None:
    hook = db.session.get(Webhook, webhook_id)
    if hook is None:
        raise click.ClickException(f"no webhook {webhook_id}")
    hook.active = False
    record("cli:webhook", AuditAction.DELETE, "webhook", hook.id,
           summary=f"{hook.unit.code} {hook.url}")
    db.session.commit()
    click.echo(f"Webhook {webhook_id} disabled.")


@webhook_cli.command("log")
@click.argument("webhook_id", type=int)
@click.option("--limit", default=50, show_default=True)
def webhook_log(webhook_id: int, limit: int) -> None:
    """The delivery log of one webhook, newest first."""
    if db.session.get(Webhook, webhook_id) is None:
        raise click.ClickException(f"no webhook {webhook_id}")
    rows = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit))
    for d in rows:
        click.echo(f"{d.id}\t{d.subject}\t{d.kind}\t{d.status.value}"
                   f"\tattempts {d.attempts}\t{d.last_error or ''}")
