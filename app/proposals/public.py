"""The public proposal pages, without signing in: the published replies of a
session (答复公开: the proposer's name, never their contacts), and the
proposer's feedback link, which works once."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from app.proposals.forms import FeedbackForm
from cases.errors import CaseError
from cases.models.proposal import Proposal, ProposalReply, ProposalSession
from cases.proposals import handling, links
from core.db import db

bp = Blueprint("proposals_public", __name__, url_prefix="/proposals")
PAGE_SIZE = 25


@bp.get("/public/<int:session_id>")
def published(session_id: int):
    session = db.session.get(ProposalSession, session_id)
    if session is None:
        abort(404)
    query = (select(ProposalReply).join(Proposal, Proposal.id == ProposalReply.proposal_id)
             .where(Proposal.session_id == session.id, ProposalReply.published.is_(True))
             .order_by(Proposal.number, ProposalReply.round))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("proposals/public.html", session=session, page=page)


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def give_feedback(token: str):
    try:
        proposal = links.proposal_for(token)
    except links.LinkRefused:
        return render_template("proposals/feedback.html", refused=True, proposal=None), 404
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            handling.feedback_by_link(token, form.feedback.data)
            db.session.commit()
        except (CaseError, links.LinkRefused):
            db.session.rollback()
            return render_template("proposals/feedback.html", refused=True, proposal=None), 404
        return render_template("proposals/feedback.html", thanks=True, proposal=proposal)
    return render_template("proposals/feedback.html", form=form, proposal=proposal), (
        422 if form.errors else 200)


