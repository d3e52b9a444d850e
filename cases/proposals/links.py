"""The proposer's feedback link: signed (itsdangerous, keyed by SECRET_KEY,
like the tracking links) with the proposal's id and a secret kept on the
proposal. The secret is cleared when the link is used or a new one is
issued, so a link works once, and only for its own proposal."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from cases.models.proposal import Proposal
from core.db import db

SALT = "xietong-proposal-feedback"


class LinkRefused(Exception):
    """The link was altered, already used, or replaced by a newer one."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(proposal: Proposal) -> str:
    """A new secret for the proposal, and the token that carries it."""
    proposal.feedback_nonce = secrets.token_urlsafe(9)  # short: the link fits in an SMS
    return token(proposal)


def token(proposal: Proposal) -> str:
    return _serializer().dumps([proposal.id, proposal.feedback_nonce])


def link(proposal: Proposal) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/proposals/feedback/{token(proposal)}"


def proposal_for(token_text: str) -> Proposal:
    """The proposal whose open link this is, else LinkRefused."""
    try:
        data = _serializer().loads(token_text)
    except BadSignature:
        raise LinkRefused("this link is not valid") from None
    if not isinstance(data, list) or len(data) != 2 or not isinstance(data[0], int):
        raise LinkRefused("this link is not valid")
    proposal = db.session.get(Proposal, data[0])
    if proposal is None or not proposal.feedback_nonce or proposal.feedback_nonce != data[1]:
        raise LinkRefused("this link has already been used")
    return proposal
