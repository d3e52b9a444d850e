"""Staff hear of the register's late registrations (register.signals): the
grid staff of the property's grid and the staff of its community, on the
channel each chose (StaffPreference), through the outbox like every other
staff message. The round page shows the same late registrations to follow
up, whether or not a message went out. No name and no ID number travel in a
message: the link leads to the property's page, which shows them masked."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import format_date as babel_date

from channels.notify.rules import STAFF_PREFIX, _base, _when, queue, staff_preferences
from register import signals
from register.models import Residency

PURPOSE = STAFF_PREFIX + "register-late"


def connect() -> None:
    signals.registration_late.connect(_on_late)


def _values(stay: Residency):
    prop = stay.prop
    url = f"{_base()}/register/properties/{prop.id}"

    def values(locale: str) -> dict[str, object]:
        with force_locale(locale):
            arrived = babel_date(stay.arrived_on, "yyyy-MM-dd")
        return {"address": prop.address_text, "arrived": arrived,
                "registered": _when(stay.registered_at, locale),
                "due": _when(stay.registration_due, locale), "property_url": url}

    return values


def _on_late(stay: Residency) -> None:
    """One message per staff member of the grid and of the community."""
    prop = stay.prop
    values = _values(stay)
    sent: set[str] = set()
    for unit_id in (prop.grid_id, prop.community_id):
        if unit_id is None:
            continue
        for pref in staff_preferences(unit_id):
            if pref.address in sent:
                continue
            sent.add(pref.address)
            queue(None, None, "register_late", pref.channel.value, pref.address, values,
                  purpose=PURPOSE)
