"""The channel a case came by (`Case.channel`), and its name as a person reads it.

The values are written by the adapters in channels/: "web" (the web form),
"email", "sms", "phone-<hotline>" ("phone-95100", "phone-12319": a call,
logged by the IVR or an operator), "internal" (a matter of another kind,
registered by an office: cases/matters.py), and "open311:<client>" (an Open311 or
city-platform client, e.g. "open311:city-12319"). Every page that shows a
channel shows `channel_label(channel)`, never the stored value.
"""

from __future__ import annotations

from flask_babel import gettext as _

WEB = "web"
EMAIL = "email"
SMS = "sms"
INTERNAL = "internal"
PHONE_PREFIX = "phone-"
OPEN311_PREFIX = "open311:"


def channel_label(channel: str | None) -> str:
    """"Hotline 95100", "Web form", "Open311 API (city-12319)", in the current
    language; an unknown value is shown as stored rather than hidden."""
    if not channel:
        return ""
    if channel.startswith(PHONE_PREFIX):
        return _("Hotline %(number)s", number=channel.removeprefix(PHONE_PREFIX))
    if channel.startswith(OPEN311_PREFIX):
        return _("Open311 API (%(client)s)", client=channel.removeprefix(OPEN311_PREFIX))
    labels = {WEB: _("Web form"), EMAIL: _("Email"), SMS: _("SMS"),
              INTERNAL: _("Registered by an office")}
    return labels.get(channel, channel)
