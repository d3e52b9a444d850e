"""The callback survey (回访): asking the citizen, after resolution, whether the
problem was solved and whether they are satisfied."""

from __future__ import annotations


def answer_by_sms(phone: str, text: str) -> str | None:
    """Take an SMS as the answer to this number's pending callback survey.

    Returns the reply to send back when the message answered (or tried to
    answer) a survey, or None when the number has no survey pending, so the
    SMS channel treats the message as it would any other.
    """
    return None
