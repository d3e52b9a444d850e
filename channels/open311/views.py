"""Open311 GeoReport v2 endpoints under `/open311/v2/`, in .json and .xml.

Errors use the standard's body, `[{"code": N, "description": "..."}]`, with
the same HTTP status, in the format of the URL (see `errors`). A case is
acknowledged with 201 only after it is committed. What a POST carries is
read in `post`; the filters of GET requests in `query`.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cases.actors import client
from cases.errors import InvalidRequest
from cases.models import Case, Category
from cases.tracking import is_valid
from channels.encoding import answers_undecodable
from channels.intake import accept
from channels.open311 import clients, demo, errors
from channels.open311.attributes import ServiceAttribute, definitions
from channels.open311.errors import error
from channels.open311.formats import FORMATS, respond
from channels.open311.post import PARAMS, Refused, api_client, check_encoding, extras, intake
from channels.open311.query import BadQuery, requests_query, with_json_data
from channels.open311.serialise import (
    request_response,
    service_json,
    service_request_json,
)
from channels.open311.updates import updates
from core.cli import Commands
from core.db import db
from core.web import csrf, limiter

bp = Blueprint("open311", __name__, url_prefix="/open311/v2", cli_group="open311-demo")
bp.cli = Commands()  # `flask open311-demo ...` fails in one line, like every group
csrf.exempt(bp)
errors.register(bp)
demo.register(bp)

DEFAULT_RATE = "100 per second"  # per key; OPEN311_RATE_LIMIT (config) overrides


def _rate_key() -> str:
    """Limits count per API key when one is given, else per address."""
    key = request.form.get("api_key") or request.args.get("api_key")
    return f"key:{key}" if key else f"ip:{request.remote_addr}"


def _rate() -> str:
    return current_app.config.get("OPEN311_RATE_LIMIT", DEFAULT_RATE)


limited = limiter.limit(_rate, key_func=_rate_key)


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    db.session.rollback()
    return error(exc.code, exc.description)


@bp.errorhandler(BadQuery)
def _bad_query(exc: BadQuery) -> Response:
    return error(400, str(exc))


def _check_format(response_format: str) -> str:
    if response_format not in FORMATS:
        raise Refused(400, f"format {response_format[:20]!r} is not served; use .json or .xml")
    return response_format


def _tokens() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="open311-token")


@bp.get("/discovery.<response_format>")
@limited
def discovery(response_format: str) -> Response:
    fmt = _check_format(response_format)
    url = url_for("open311.services", response_format="json", _external=True)
    body = {
        "changeset": "2026-11-26T00:00:00+08:00",
        "contact": current_app.config.get("OPEN311_CONTACT", "黄埔区城市运行管理中心"),
        "key_service": "API keys are issued by the district's administrators (api_keys).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url.rsplit("/", 1)[0],
                "changeset": "2026-11-26T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return respond(body, "discovery", fmt)


@bp.get("/services.<response_format>")
@limited
def services(response_format: str) -> Response:
    fmt = _check_format(response_format)
    categories = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    )
    with_attributes = set(db.session.scalars(select(ServiceAttribute.category_id).distinct()))
    body = [service_json(c, c.id in with_attributes) for c in categories]
    return respond(body, "services", fmt)


@bp.get("/services/<service_code>.<response_format>")
@limited
def service_definition(service_code: str, response_format: str) -> Response:
    fmt = _check_format(response_format)
    category = db.session.scalar(
        select(Category).where(Category.code == service_code, Category.active.is_(True))
    )
    if category is None:
        raise Refused(404, f"service_code {service_code[:64]!r} not found")
    body = {
        "service_code": category.code,
        "attributes": [d.as_json() for d in definitions(category.id)],
    }
    return respond(body, "service_definition", fmt)


def _answered_before(client_link: clients.ClientLink, fields, fmt: str) -> Response | None:
    case = client_link.existing(fields)
    if case is None:
        return None
    return respond([request_response(case, _tokens().dumps(case.tracking_number))],
                   "requests", fmt, 200)


def _client_fields(client_link: clients.ClientLink | None, given: dict[str, list[str]]):
    if client_link is None:
        return None
    try:
        return client_link.parse(given)
    except ValueError as exc:
        raise Refused(400, str(exc)) from None


@bp.post("/requests.<response_format>")
@limited
@answers_undecodable
def create_request(response_format: str) -> Response:
    fmt = _check_format(response_format)
    check_encoding()  # before the key: a form with a bad byte is read as sent, or refused
    client_name = api_client()
    the_intake, given = intake(client_name)
    client_link = clients.link_for(client_name)  # e.g. the city's 12319 platform
    fields = _client_fields(client_link, given)
    if client_link and (answer := _answered_before(client_link, fields, fmt)):
        return answer  # the same record of the client's never makes two cases
    try:
        case = accept(the_intake, client(client_name))
    except InvalidRequest as exc:
        if exc.field == "category":
            raise Refused(404, f"service_code {the_intake.category_code!r} not found") from exc
        raise Refused(400, f"{PARAMS.get(exc.field, exc.field)} {exc.message}") from exc
    extras(case, given, reserved=client_link.reserved if client_link else frozenset())
    # The answer is built before the commit, which expires the case: reading
    # it afterwards would load the row again just to echo its tracking number.
    answer = [request_response(case, _tokens().dumps(case.tracking_number))]
    try:
        if client_link:
            client_link.link(case, fields)
        db.session.commit()  # an OperationalError here is answered 503 by `errors`
    except IntegrityError:
        db.session.rollback()  # another post of the same record won the race
        if client_link and (existing := _answered_before(client_link, fields, fmt)):
            return existing
        raise
    return respond(answer, "requests", fmt, 201)


@bp.get("/requests.<response_format>")
@limited
def list_requests(response_format: str) -> Response:
    fmt = _check_format(response_format)
    rows = db.session.execute(requests_query(request.args)).unique().all()
    return respond([service_request_json(case, media) for case, media in rows], "requests", fmt)


@bp.get("/requests/<service_request_id>.<response_format>")
def get_request(service_request_id: str, response_format: str) -> Response:
    fmt = _check_format(response_format)
    row = None
    if is_valid(service_request_id):
        row = db.session.execute(
            with_json_data(select(Case)).where(Case.tracking_number == service_request_id,
                                              Case.citizen_facing())
        ).first()
    if row is None:
        raise Refused(404, f"service_request_id {service_request_id[:40]!r} not found")
    if row[0].merged_into_id is not None:  # merged: answer for the case it joined
        row = db.session.execute(
            with_json_data(select(Case)).where(Case.id == row[0].merged_into_id)).first()
    return respond([service_request_json(row[0], row[1])], "requests", fmt)


@bp.get("/tokens/<token>.<response_format>")
@limited
def token(token: str, response_format: str) -> Response:
    fmt = _check_format(response_format)
    try:
        number = _tokens().loads(token)
    except BadSignature:
        raise Refused(404, f"token {token[:40]!r} not found") from None
    return respond([{"service_request_id": number, "token": token}], "tokens", fmt)


@bp.get("/servicerequestupdates.<response_format>")
@limited
def request_updates(response_format: str) -> Response:
    fmt = _check_format(response_format)
    return respond(updates(request.args), "updates", fmt)
