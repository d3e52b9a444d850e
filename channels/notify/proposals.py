"""The proposer hears of the reply to their proposal, with the signed link
to give their feedback (satisfied / basically / not satisfied), by SMS to
their phone and by email, through the outbox like every other message."""

from __future__ import annotations

from cases.models import CaseEvent
from cases.models.proposal import GRADE_LABELS, ProposalReply
from cases.proposals import links
from cases.proposals.signals import proposal_replied
from channels.notify.rules import queue

PURPOSE = "proposal-feedback"


def connect() -> None:
    proposal_replied.connect(_on_reply)


def _on_reply(answer: ProposalReply, event: CaseEvent, **_) -> None:
    proposal = answer.proposal
    link = links.link(proposal)

    def values(locale: str) -> dict[str, object]:
        return {"number": proposal.case.tracking_number, "title": proposal.case.title or "",
                "unit": answer.unit.name(locale), "grade": str(GRADE_LABELS[answer.grade]),
                "link": link}

    for channel, recipient in (("sms", proposal.proposer_phone),
                               ("email", proposal.proposer_email)):
        if recipient:
            queue(proposal.case, event, "proposal_feedback", channel, recipient, values,
                  purpose=PURPOSE)
