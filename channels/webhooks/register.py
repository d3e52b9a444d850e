"""Unit webhooks announce the register's changes too (a property added or
changed, a grade, a registration, a visit, a finding...), through the same
delivery rows, job, retries and reconciler as the case events
(channels/webhooks/deliver.py): the register must not become a new silo.

Who hears: the units whose area holds the property (its street, community
and grid) and the departments the departments' table gives a list of the
register (their systems keep their slice in step; the API applies the scope
when they fetch the details)."""

from __future__ import annotations

from sqlalchemy import select

from channels.webhooks.deliver import deliver, delivery_job_id
from channels.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from core.clock import now
from core.db import db
from register import signals
from register.models import RegisterEvent, RegisterView


def connect() -> None:
    signals.event_recorded.connect(_on_event)


def _units(event: RegisterEvent) -> set[int]:
    prop = event.prop
    units = {prop.street_id, prop.community_id, prop.grid_id}
    units.update(db.session.scalars(select(RegisterView.unit_id).distinct()))
    units.discard(None)
    return units


def _on_event(event: RegisterEvent) -> None:
    """A delivery for each active webhook of those units, sent after commit."""
    with db.session.no_autoflush:
        units = _units(event)
        hooks = db.session.scalars(select(Webhook).where(
            Webhook.unit_id.in_(units), Webhook.active.is_(True))).all() if units else []
    if not hooks:
        return
    deliveries = [WebhookDelivery(webhook=hook, register_event=event, created_at=now(),
                                  status=DeliveryStatus.PENDING) for hook in hooks]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        deliver.after_commit(delivery.id, job_id=delivery_job_id(delivery.id, 0))
