"""Signals the register sends inside its transaction, so the channels (staff
notifications, unit webhooks) react without the register depending on them.
The app factory connects the receivers."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the RegisterEvent just added to the session (flushed, so it has an id)
event_recorded = _signals.signal("register-event-recorded")
# sender: the Residency registered after its deadline (3 working days)
registration_late = _signals.signal("registration-late")
