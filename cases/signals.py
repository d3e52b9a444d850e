"""Signals the operations send inside their transaction, so that other
concerns (time limits now, notifications later) react without the case
domain depending on them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Assignment
assignment_made = _signals.signal("assignment-made")
assignment_acknowledged = _signals.signal("assignment-acknowledged")
assignment_contacted = _signals.signal("assignment-contacted")
assignment_resolved = _signals.signal("assignment-resolved")
assignment_ended = _signals.signal("assignment-ended")  # transferred away
# sender: the Case
case_paused = _signals.signal("case-paused")
case_resumed = _signals.signal("case-resumed")
# sender: the CaseEvent just added to the session (not yet flushed); the
# notifications and the callback survey listen.
event_recorded = _signals.signal("event-recorded")
