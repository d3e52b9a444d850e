"""Signals of the proposal operations, sent inside their transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the ProposalReply just made (round 1); kwargs: event (its RESOLVED
# event). The messages send the proposer the feedback link.
proposal_replied = _signals.signal("proposal-replied")
# sender: the Proposal sent back by "not satisfied": the lead's second reply
# is due within 1 month.
proposal_reopened = _signals.signal("proposal-reopened")
