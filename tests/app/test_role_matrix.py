"""The role × endpoint matrix: every rule of the URL map, every method, every
role (and anonymous), in and out of scope.

ACCESS says who may use each endpoint. An endpoint missing from it fails the
test, so a new page cannot slip by unchecked; the administration blueprints
are administrators' by a rule (ADMIN_BLUEPRINTS), so their new pages are
covered as they come.

What is checked:
- anonymous: a page sends to /login, the API answers 401;
- a role not allowed: 403 on a page, 403 or 404 in the API, and a POST
  changes nothing (no case and no case event is added);
- an allowed role: never 401 or 403;
- a case outside the user's scope: 403 (page) or 404 (API), the case's text
  is not in the answer, and a POST changes nothing;
- a head on a sub-unit's case reads it, but acting on it changes nothing
  (the operations decide who acts; see app.auth.scope).

The module shares one demo district (the _clean override below): POSTs are
sent empty, so an allowed role's request is refused by the form and changes
nothing, except the few actions that need no form (acknowledge, contact).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select

from app import create_app
from app.demo.loader import load_demo
from cases import operations
from cases.actors import CITIZEN
from cases.events import IncomingFile
from cases.models import Case, CaseEvent, OrgUnit
from cases.models.users import UNIT_ROLES, Role, User
from channels.intake import Intake, accept
from core.db import db
from core.web import limiter
from register.models import Residency
from tests.conftest import _test_config, _truncate, redis_conn
from tests.register.support import id_number, make_property, register
from tests.support import login

ALL_STAFF = frozenset(Role)
UNIT = frozenset(UNIT_ROLES)
DISTRICT = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
READERS = UNIT | DISTRICT
# Those who read every matter of every kind, the evaluator read-only (app/auth/scope.py).
ALL_READERS = READERS | {Role.EVALUATOR}
CALLERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
CONSOLE = frozenset({Role.OPERATOR, Role.ADMIN})
EVALUATION = frozenset({Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
# The register: who reads it by place, who changes it (supervisors read).
REGISTER = UNIT | SUPERVISORS | {Role.GRID_STAFF}
REGISTER_WRITERS = UNIT | ADMIN | {Role.GRID_STAFF}
GRID_STAFF = frozenset({Role.GRID_STAFF})
NOBODY = frozenset()  # no demo role of the matrix (a department with the right: tests/app/register)

# The demo users who play each role.
USERS = {
    Role.OPERATOR: "operator",
    Role.DISPATCHER: "dispatcher",
    Role.UNIT_STAFF: "huangpu-staff",  # street huangpu-street
    Role.UNIT_HEAD: "huangpu-head",  # street huangpu-street, above community huangpu-dongyuan
    Role.SUPERVISOR: "supervisor",
    Role.EVALUATOR: "evaluator",
    Role.ADMIN: "admin",
    Role.GRID_STAFF: "huangpu-dongyuan-g1",  # grid 1 of community huangpu-dongyuan
}
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Access:
    """Who may use an endpoint.

    roles: the roles allowed (None: anyone, or a credential of its own).
    case: "scoped" when the tracking number must be in the user's scope,
        "any" when the allowed roles reach every case.
    acts: the POST acts as the user's unit (a head only reads sub-units' cases).
    api: "token" (bearer token, /api/v1), "session" (JSON for signed-in
        users), or None for a page.
    query: query-string arguments the endpoint needs to reach its checks.
    """

    roles: frozenset[Role] | None
    case: str | None = None
    acts: bool = False
    api: str | None = None
    query: dict = field(default_factory=dict)
    prop: str | None = None  # "scoped": a property (or its resident) in or out of the area


PUBLIC = Access(None)  # citizens, the public statistics, health, static files
EXTERNAL = Access(None)  # its own credential: Twilio's signature, an Open311 key


def _unit_action() -> Access:
    return Access(UNIT, case="scoped", acts=True)


def _api_action() -> Access:
    return Access(UNIT, case="scoped", acts=True, api="token")


EVALUATED_UNIT = {"unit": "huangpu-street", "measure": "received"}


def _register(roles: frozenset[Role] = REGISTER) -> Access:
    return Access(roles, prop="scoped")


ACCESS: dict[str, Access] = {
    # the public side
    "public.index": PUBLIC, "public.set_language": PUBLIC, "public.track": PUBLIC,
    "public.track_link": PUBLIC, "public.add_information": PUBLIC,
    "public.answer_callback": PUBLIC, "webform.submit": PUBLIC, "webform.submitted": PUBLIC,
    "stats.stats": PUBLIC, "stats.api": PUBLIC, "health.healthz": PUBLIC, "static": PUBLIC,
    # the district map: boundaries and aggregate counts by place, nothing personal
    "maps.communities": PUBLIC, "stats.map_data": PUBLIC,
    "openapi.openapi_json": PUBLIC, "auth.login": PUBLIC,
    **{f"open311.{name}": EXTERNAL for name in (
        "discovery", "services", "service_definition", "create_request", "list_requests",
        "get_request", "token", "request_updates")},
    **{f"phone.{name}": EXTERNAL for name in (
        "incoming", "main_menu", "choose_group", "recorded", "transcription", "check",
        "operator", "operator_done", "hold", "incoming_sms", "status")},
    # signed in
    "auth.logout": Access(ALL_STAFF),
    "callbacks.preferences": Access(ALL_STAFF),
    "workbench.index": Access(ALL_STAFF),  # the operator and evaluator are sent to their pages
    "workbench.case_detail": Access(ALL_READERS, case="scoped"),
    "workbench.attachment": Access(ALL_READERS, case="scoped"),
    **{f"workbench.{name}": _unit_action() for name in (
        "acknowledge", "update", "resolve", "return_case", "assist_reply", "assist_request",
        "contact", "ask_information", "information_received", "request_extension")},
    "workbench.dispatch": Access(DISTRICT, case="any"),
    "workbench.add_assisting": Access(DISTRICT, case="any"),
    "workbench.merge_case": Access(DISTRICT, case="any"),
    "workbench.waive_assists": Access(SUPERVISORS, case="any"),
    "workbench.reject_case": Access(DISTRICT, case="any"),  # 不予受理; operators: the console
    "workbench.dispatch_queue": Access(DISTRICT),
    # Every role that reads cases, each within its scope (tests/app/test_search.py).
    "search.index": Access(READERS, query={"q": "矩阵"}),
    "supervision.index": Access(SUPERVISORS),
    "supervision.map_data": Access(SUPERVISORS),  # the desk's map: points are cases
    "supervision.comment": Access(SUPERVISORS, case="any"),
    "supervision.transfer": Access(DISTRICT, case="any"),
    "supervision.decide_extension": Access(SUPERVISORS, case="any"),
    "supervision.supervise": Access(SUPERVISORS, case="any"),
    "supervision.raise_priority": Access(SUPERVISORS, case="any"),
    "city12319.refer_case": Access(SUPERVISORS, case="any"),
    "supervision.reverse_rejection": Access(SUPERVISORS, case="any"),
    "callbacks.queue": Access(CALLERS),
    "callbacks.answer": Access(CALLERS),
    "callbacks.decisions": Access(SUPERVISORS),
    "callbacks.decide": Access(SUPERVISORS),
    **{f"console.{name}": Access(CONSOLE) for name in (
        "index", "log_call", "add_note", "calls_json", "history_json", "nearby_json",
        "addresses_json", "duplicates_json")},
    # The operator reads any case to a caller, and may reject it (不予受理).
    "console.case_detail": Access(CONSOLE, case="any"),
    "console.reject_case": Access(CONSOLE, case="any"),
    "evaluation.index": Access(EVALUATION | {Role.UNIT_HEAD}),  # a head: their unit's page
    "evaluation.live_fragment": Access(EVALUATION),
    "evaluation.ranking_page": Access(EVALUATION),
    "evaluation.ranking_export": Access(EVALUATION),
    "evaluation.report": Access(EVALUATION),
    "evaluation.map_data": Access(EVALUATION),
    "evaluation.unit_page": Access(EVALUATION | {Role.UNIT_HEAD}),
    "evaluation.cases_page": Access(EVALUATION | {Role.UNIT_HEAD}, query=EVALUATED_UNIT),
    "evaluation.cases_export": Access(EVALUATION | {Role.UNIT_HEAD}, query=EVALUATED_UNIT),
    "evaluation.scores": Access(frozenset({Role.EVALUATOR, Role.ADMIN})),
    "evaluation.weights_page": Access(frozenset({Role.EVALUATOR, Role.ADMIN})),
    "outbox_api.outbox": Access(ADMIN, api="session"),
    # the REST API
    # the register of rental housing and the floating population
    "register.home": Access(REGISTER),
    "register.properties_list": Access(REGISTER),
    "register.property_page": _register(),
    "register.property_new": Access(REGISTER_WRITERS),
    "register.property_edit": _register(REGISTER_WRITERS),
    "register.resident_new": _register(REGISTER_WRITERS),
    "register.resident_page": _register(),
    "register.leave": _register(REGISTER_WRITERS),
    "register.follow_up": _register(REGISTER_WRITERS),
    "register.search": Access(REGISTER),
    "register.late_registrations": Access(REGISTER),
    "register.round": Access(GRID_STAFF),
    "register.visit": _register(GRID_STAFF),
    "register.check_finding": Access(GRID_STAFF),
    "register.photo": Access(REGISTER),
    "register.lists_index": Access(REGISTER),
    "register.dashboard": Access(REGISTER),
    "register.measure_rows": Access(EVALUATION | {Role.UNIT_HEAD}, query={
        "unit": "huangpu-street", "measure": "registered_on_time"}),
    "register.list_page": Access(REGISTER),
    "register.list_export": Access(REGISTER),
    "register.property_code": _register(REGISTER_WRITERS),
    "register.property_sticker": _register(REGISTER_WRITERS),
    # the landlord's form: the printed property code is its credential
    "register_public.landlord": PUBLIC, "register_public.register_tenant": PUBLIC,
    "register_public.done": PUBLIC,
    "register.reveal_resident": Access(NOBODY),
    "register.reveal_landlord": Access(NOBODY),
    "api.register_properties": Access(REGISTER, api="token"),
    "api.register_residents": Access(REGISTER, api="token"),
    "api.register_property": Access(REGISTER, api="token", prop="scoped"),
    "api.list_cases": Access(READERS, api="token"),
    # the roles that create a matter of some kind (cases/kinds/: each kind's creators)
    "api.create_case": Access(DISTRICT, api="token"),
    "api.get_case": Access(READERS, case="scoped", api="token"),
    **{f"api.{name}": _api_action() for name in (
        "acknowledge", "contact", "update", "resolve", "return_case", "assist",
        "assist_reply", "extension")},
    # motions and proposals (议案、建议、提案): the office registers, assigns and
    # decides; the units on an assignment act (a missing proposal: 404)
    "proposals.index": Access(READERS), "proposals.show": Access(ALL_READERS),
    **{f"proposals.{name}": Access(DISTRICT) for name in (
        "session_list", "new", "assign", "decide_change", "feedback", "publish")},
    **{f"proposals.{name}": Access(READERS) for name in (
        "request_change", "opinion", "communication", "reply")},
    "proposals.measure_rows": Access(EVALUATION | {Role.UNIT_HEAD}, query={
        "unit": "huangpu-street", "measure": "proposal_replies_on_time"}),
    "proposals_public.published": PUBLIC, "proposals_public.give_feedback": PUBLIC,
    "api.get_proposal": Access(READERS, api="token"),
    **{f"api.{name}": Access(DISTRICT, api="token") for name in (
        "assign_proposal", "decide_proposal_change", "proposal_feedback")},
    **{f"api.{name}": Access(READERS, api="token") for name in (
        "request_proposal_change", "proposal_opinion", "proposal_communication",
        "proposal_reply")},
    "api.reject": Access(DISTRICT, case="any", api="token"),
    # incoming documents (办文): the office's steps; the leader (the district
    # unit's head, no matrix role) decides; any staff member may be a named
    # reader, and who reads one document is tested in tests/app/documents.
    "documents.index": Access(ALL_STAFF),
    "documents.detail": Access(ALL_STAFF),
    "documents.confirm_read": Access(ALL_STAFF),
    "documents.register": Access(DISTRICT),
    **{f"documents.{name}": Access(DISTRICT) for name in (
        "propose", "distribute", "remind", "close", "circulate")},
    "documents.decide": Access(ADMIN),
    **{f"api.document_{name}": Access(DISTRICT, api="token") for name in (
        "propose", "distribute", "remind", "close", "readers")},
    "api.document_decide": Access(ADMIN, api="token"),
    "api.document_read": Access(ALL_STAFF, api="token"),
    "api.reverse_rejection": Access(SUPERVISORS, case="any", api="token"),
    # supervision items (督办件): the office (supervisor role) registers, verifies and
    # sends back; whoever reads the case reads the item; its lead unit reports
    "supervision_items.desk": Access(SUPERVISORS),
    "supervision_items.register": Access(SUPERVISORS),
    "supervision_items.add_milestone": Access(SUPERVISORS),
    "supervision_items.verify": Access(SUPERVISORS),
    "supervision_items.send_back": Access(SUPERVISORS),
    "supervision_items.detail": Access(ALL_READERS),
    **{f"supervision_items.{name}": Access(READERS) for name in (
        "progress", "milestone_done", "complete")},
    "api.register_item": Access(SUPERVISORS, api="token"),
    **{f"api.{name}": Access(READERS, case="scoped", api="token") for name in (
        "get_item", "progress", "milestone_done", "completion")},
    "api.verify": Access(SUPERVISORS, case="any", api="token"),
    "api.send_back": Access(SUPERVISORS, case="any", api="token"),
}
# Every page of these blueprints is for administrators, whatever is added later.
ADMIN_BLUEPRINTS = ("admin", "time_admin", "notify_admin", "register_admin")

# URL arguments that are not cases: a value that reaches the checks.
ARGUMENTS = {
    "code": "huangpu-street", "fmt": "csv", "response_format": "json",
    "filename": "css/xietong.css", "locale": "zh_CN",
    "name": "residents",  # a list of the register
}
MISSING_ID = 987654  # ids need not exist: the role is checked before the row is looked up


def access_for(endpoint: str) -> Access:
    if endpoint.split(".")[0] in ADMIN_BLUEPRINTS:
        return Access(ADMIN)
    if endpoint not in ACCESS:
        pytest.fail(f"{endpoint} is not in the role matrix: add it to ACCESS")
    return ACCESS[endpoint]


def _rules() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route, read from an app built for
    collection only (the fixtures' app does not exist yet)."""
    app = create_app(_test_config("sqlite://", "redis://127.0.0.1:1/0", tempfile.mkdtemp()))
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


RULES = _rules()
WHO = [ANONYMOUS, *Role]


def _variants(access: Access, who) -> list[str]:
    """Which cases a role is tried with: in scope, out of scope, a sub-unit's;
    or which property: in the area, in another grid of the same community,
    in another street."""
    if access.prop == "scoped" and who != ANONYMOUS and who in access.roles:
        if who is Role.GRID_STAFF:
            return ["in", "grid_out"]
        if who in (Role.UNIT_STAFF, Role.UNIT_HEAD):
            return ["in", "out"]
        return ["in"]
    if access.case != "scoped" or who == ANONYMOUS or who not in access.roles:
        return ["in"]
    if who is Role.UNIT_STAFF:
        return ["in", "out"]  # out: the community below the street
    if who is Role.UNIT_HEAD:
        return ["in", "sub", "out"]  # sub: the community below; out: a department
    return ["in"]


def _cases() -> list:
    params = []
    for endpoint, method, rule in RULES:
        access = ACCESS.get(endpoint)
        if access is None and endpoint.split(".")[0] not in ADMIN_BLUEPRINTS:
            params.append(pytest.param(endpoint, method, rule, ANONYMOUS, "in",
                                       id=f"{method} {endpoint} (missing from ACCESS)"))
            continue
        access = access_for(endpoint)
        if access.roles is None:
            params.append(pytest.param(endpoint, method, rule, ANONYMOUS, "in",
                                       id=f"{method} {endpoint}-public"))
            continue
        for who in WHO:
            for variant in _variants(access, who):
                name = who if who == ANONYMOUS else USERS[who]
                params.append(pytest.param(endpoint, method, rule, who, variant,
                                           id=f"{method} {endpoint}-{name}-{variant}"))
    return params


# -- the shared district ----------------------------------------------------------------

DESCRIPTIONS = {
    "street": "矩阵街道工单：港湾路人行道地砖松动。",
    "community": "矩阵社区工单：东苑小区路灯不亮。",
    "department": "矩阵部门工单：区城管局负责的占道经营。",
}
UNITS = {"street": "huangpu-street", "community": "huangpu-dongyuan",
         "department": "city-management"}
# Which case each variant uses, per role.
TARGET = {
    (Role.UNIT_STAFF, "out"): "community",
    (Role.UNIT_HEAD, "sub"): "community",
    (Role.UNIT_HEAD, "out"): "department",
}


@dataclass
class District:
    cases: dict[str, Case]
    attachments: dict[str, int]
    cookies: dict[Role, str]
    tokens: dict[Role, str]
    # The register, by variant: in the grid and street of the matrix's users,
    # in another grid of the same community, in another street.
    properties: dict[str, int] = field(default_factory=dict)
    stays: dict[str, Residency] = field(default_factory=dict)


# The register's properties by variant, and their resident's name (which a
# refused answer must not hold).
PROPERTIES = {"in": "港湾路15号302房", "grid_out": "东苑小区3栋101房", "out": "石化路8号201房"}
RESIDENT_NAMES = {"in": "矩阵租客甲", "grid_out": "矩阵租客乙", "out": "矩阵租客丙"}


def _register_district() -> tuple[dict[str, int], dict[str, Residency]]:
    props, stays = {}, {}
    for n, (variant, address) in enumerate(PROPERTIES.items()):
        prop = make_property(address)
        props[variant] = prop.id
        stays[variant] = register(prop, name=RESIDENT_NAMES[variant],
                                  number=id_number(seq=500 + n), arrived_on=date(2026, 1, 5))
    return props, stays


def _case(kind: str, dispatcher: User) -> tuple[Case, int]:
    case = accept(Intake(
        channel="web", category_code="road-damage", description=DESCRIPTIONS[kind],
        address_text="港湾路15号", phone="13800138000",
        files=(IncomingFile("photo.png", "image/png", b"\x89PNG matrix"),),
    ), CITIZEN)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == UNITS[kind]))
    operations.dispatch_case(case, dispatcher, unit, "role matrix")
    db.session.commit()
    return case, case.attachments[0].id


@pytest.fixture(scope="module")
def district(app):
    with app.app_context():
        _truncate()
        redis_conn().flushdb()
        limiter.reset()
        load_demo()
        users = {u.username: u for u in db.session.scalars(select(User))}
        made = {kind: _case(kind, users["dispatcher"]) for kind in DESCRIPTIONS}
        props, stays = _register_district()
        cookies, tokens = {}, {}
        for role, username in USERS.items():
            cookies[role] = _session_cookie(app, username)
            result = app.test_cli_runner().invoke(args=["api-token", "create", username])
            assert result.exit_code == 0, result.output
            tokens[role] = result.stdout.strip().splitlines()[-1]
        yield District({k: c for k, (c, _) in made.items()},
                       {k: a for k, (_, a) in made.items()}, cookies, tokens, props, stays)
        db.session.rollback()
        db.session.remove()


def _session_cookie(app, username: str) -> str:
    client = app.test_client()
    assert login(client, username).status_code == 302, username
    return client.get_cookie("session").value


@pytest.fixture(autouse=True)
def _clean(district):
    """Overrides the conftest's: the module works on the one district above."""
    yield


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Case)),
            db.session.scalar(select(func.count()).select_from(CaseEvent)))


def _path(rule: str, district: District, kind: str, variant: str = "in") -> str:
    path = rule
    place = variant if variant in PROPERTIES else "in"
    for part in rule.split("<")[1:]:
        spec = part.split(">")[0]
        converter, _, name = spec.rpartition(":")
        if name == "tracking_number":
            value = district.cases[kind].tracking_number
        elif name == "attachment_id":
            value = district.attachments[kind]
        elif name == "property_id":
            value = district.properties[place]
        elif name == "resident_id":
            value = district.stays[place].resident_id
        elif name == "residency_id":
            value = district.stays[place].id
        elif converter == "int":
            value = MISSING_ID
        else:
            value = ARGUMENTS.get(name, "x")
        path = path.replace(f"<{spec}>", str(value))
    return path


def _text(response) -> str:
    """The answer as a reader sees it (JSON with its Chinese unescaped)."""
    if response.is_json:
        return json.dumps(response.get_json(silent=True), ensure_ascii=False)
    return response.get_data().decode("utf-8", "replace")


def _request(app, district, access: Access, method: str, path: str, who):
    client = app.test_client()
    headers = {}
    if who != ANONYMOUS:
        if access.api == "token":
            headers["Authorization"] = f"Bearer {district.tokens[who]}"
        else:
            client.set_cookie("session", district.cookies[who])
    if method == "GET":
        return client.get(path, query_string=access.query, headers=headers)
    if access.api == "token":
        return client.open(path, method=method, json={}, headers=headers)
    return client.open(path, method=method, data={}, headers=headers)


# -- the matrix -------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "method", "rule", "who", "variant"), _cases())
def test_matrix(app, district, endpoint, method, rule, who, variant):
    access = access_for(endpoint)
    kind = TARGET.get((who, variant), "street")
    path = _path(rule, district, kind, variant)
    if access.roles is None:  # public, or a credential of its own: never a sign-in page
        if method == "GET":
            response = _request(app, district, access, method, path, ANONYMOUS)
            assert response.status_code < 500, response.status_code
            assert "/login" not in (response.location or "")
        return
    before = _counts() if method != "GET" else None  # only a POST could change a case
    response = _request(app, district, access, method, path, who)
    if endpoint == "auth.logout" and who != ANONYMOUS:  # it ended every session of the user
        district.cookies[who] = _session_cookie(app, USERS[who])
    status, body = response.status_code, _text(response)
    assert status < 500, f"{status}: {body[:300]}"
    if who == ANONYMOUS:
        if access.api:
            assert status == 401, status
        else:
            assert status == 302 and "/login" in response.location, (status, response.location)
        assert before is None or _counts() == before
        return
    if who not in access.roles:
        expected = (403, 404) if access.api == "token" else (403,)
        assert status in expected, f"{USERS[who]} got {status} on {method} {path}"
        assert DESCRIPTIONS[kind] not in body
        assert before is None or _counts() == before, "a refused request changed the cases"
        return
    if variant in ("out", "grid_out") and access.prop == "scoped":
        assert status == (404 if access.api == "token" else 403), status
        assert RESIDENT_NAMES[variant] not in body and PROPERTIES[variant] not in body
        return
    if variant == "out":
        assert status == (404 if access.api == "token" else 403), status
        assert DESCRIPTIONS[kind] not in body
        assert before is None or _counts() == before, "an out-of-scope request changed it"
        return
    if variant == "sub" and access.acts:  # the head reads the sub-unit's case, acts not
        assert status != 401
        assert before is None or _counts() == before, "a head acted on a sub-unit's case"
        return
    assert status not in (401, 403), f"{USERS[who]} refused on {method} {path}: {status}"
    if "/login" in (response.location or ""):
        pytest.fail(f"{USERS[who]} sent to sign in on {method} {path}")
    if endpoint in ("workbench.case_detail", "api.get_case"):
        assert status == 200 and DESCRIPTIONS[kind] in body  # in scope: there to read


def test_the_table_has_no_endpoint_that_is_gone():
    endpoints = {endpoint for endpoint, _, _ in RULES}
    assert set(ACCESS) - endpoints == set()


# -- the scope rule, as each role sees its lists ----------------------------------------


def _get(app, district, role, path, token=False):
    client = app.test_client()
    if token:
        return client.get(path, headers={"Authorization": f"Bearer {district.tokens[role]}"})
    client.set_cookie("session", district.cookies[role])
    return client.get(path)


def test_a_head_lists_the_sub_units_cases_with_the_unit_and_staff_do_not(app, district):
    street = district.cases["street"].tracking_number
    community = district.cases["community"].tracking_number
    department = district.cases["department"].tracking_number
    head = _get(app, district, Role.UNIT_HEAD, "/workbench").get_data(as_text=True)
    assert street in head and community in head and department not in head
    assert "东苑社区" in head  # the unit is shown beside the sub-unit's case
    staff = _get(app, district, Role.UNIT_STAFF, "/workbench").get_data(as_text=True)
    assert street in staff and community not in staff and department not in staff

    listed = _get(app, district, Role.UNIT_HEAD, "/api/v1/cases", token=True).get_json()
    assert {c["tracking_number"] for c in listed["cases"]} == {street, community}
    listed = _get(app, district, Role.UNIT_STAFF, "/api/v1/cases", token=True).get_json()
    assert {c["tracking_number"] for c in listed["cases"]} == {street}


def test_a_head_sees_the_evaluation_of_units_below_not_beside(app, district):
    for own_or_below in ("huangpu-street", "huangpu-dongyuan"):
        assert _get(app, district, Role.UNIT_HEAD,
                    f"/evaluation/unit/{own_or_below}").status_code == 200
    assert _get(app, district, Role.UNIT_HEAD,
                "/evaluation/unit/hongshan-street").status_code == 403


def test_a_head_reads_a_sub_units_case_but_does_not_act_as_that_unit(app, district):
    case = district.cases["community"]
    page = _get(app, district, Role.UNIT_HEAD, f"/cases/{case.tracking_number}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and DESCRIPTIONS["community"] in text
    assert f"/cases/{case.tracking_number}/acknowledge" not in text  # no unit's forms
    client = app.test_client()
    client.set_cookie("session", district.cookies[Role.UNIT_HEAD])
    before = _counts()
    refused = client.post(f"/cases/{case.tracking_number}/acknowledge")
    assert refused.status_code == 302 and _counts() == before
