"""The words of each message: defaults from the message catalogue, an
administrator's own wording where one is saved, rendered in Jinja's sandbox.

Messages are plain text (SMS and text/plain mail), so nothing is HTML-escaped;
the sandbox keeps a template from reaching anything but the values given to
it, and a template naming an unknown value is refused when it is saved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from channels.notify.models import NotificationTemplate
from core.cache import ProcessCache
from core.config import number
from core.db import db

LOCALES = ("zh_CN", "en")
CHANNELS = ("sms", "email")

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True)


@dataclass(frozen=True)
class Kind:
    """One message: who gets it, what it is called on the editor, the values
    its template may use, and its default wording (English msgids)."""

    key: str
    audience: str  # "citizen" or "staff"
    title: object  # lazy string
    variables: tuple[str, ...]
    subject: object  # lazy strings, as the title
    sms: object
    email: object


# The msgids are the English defaults; the Chinese ones are in the catalogue.
# Lazy strings, so `make extract-messages` finds them; rendered under
# force_locale when a message is written.
KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("received", "citizen", _l("Request received"),
         ("number", "category", "track_url", "link"),
         _l("Your request has been received"),
         _l("Your request has been received. Tracking number: {{ number }}. Follow it at "
            "{{ track_url }} with the last 4 digits of your phone."),
         _l("Hello,\n\nWe have received your request ({{ category }}) and registered it "
            "with the tracking number {{ number }}.\n\nFollow its progress here: "
            "{{ link }}\n")),
    Kind("dispatched", "citizen", _l("Dispatched to a unit"),
         ("number", "unit", "category", "track_url", "link"),
         _l("Your request has been passed to {{ unit }}"),
         _l("Your request {{ number }} has been passed to {{ unit }}, which will handle it."),
         _l("Hello,\n\nYour request {{ number }} ({{ category }}) has been passed to "
            "{{ unit }}, which will handle it.\n\nFollow its progress here: {{ link }}\n")),
    Kind("extended", "citizen", _l("Deadline extended"),
         ("number", "unit", "due", "track_url", "link"),
         _l("More time for your request"),
         _l("{{ unit }} needs more time for your request {{ number }}; the new date is "
            "{{ due }}."),
         _l("Hello,\n\n{{ unit }} needs more time for your request {{ number }}. The new "
            "date is {{ due }}.\n\nFollow its progress here: {{ link }}\n")),
    Kind("resolved", "citizen", _l("Resolved, with the reply"),
         ("number", "unit", "reply", "track_url", "link"),
         _l("Your request has been resolved"),
         _l("Your request {{ number }} has been resolved by {{ unit }}: {{ reply }}"),
         _l("Hello,\n\n{{ unit }} has resolved your request {{ number }}. Their reply:\n\n"
            "{{ reply }}\n\nDetails: {{ link }}\n\nWe will ask you shortly whether the "
            "problem was solved.\n")),
    Kind("survey", "citizen", _l("Callback survey"),
         ("number", "unit", "track_url", "link"),
         _l("Was your problem solved?"),
         _l("Request {{ number }}: was it solved? 1 solved 2 partly 3 not solved. Are you "
            "satisfied? 1 satisfied 2 basically 3 dissatisfied. Reply with two digits, "
            "e.g. 1 1."),
         _l("Hello,\n\n{{ unit }} has resolved your request {{ number }}. Please tell us "
            "whether the problem was solved and whether you are satisfied; it takes one "
            "click:\n\n{{ link }}\n\nYour answer decides whether the work is done "
            "again.\n")),
    Kind("merged", "citizen", _l("Merged into another request"),
         ("number", "into", "track_url", "link"),
         _l("Your request is handled together with {{ into }}"),
         _l("Your request {{ number }} repeats request {{ into }} and is handled with it; "
            "you will hear about {{ into }}. {{ link }}"),
         _l("Hello,\n\nYour request {{ number }} is about the same matter as request "
            "{{ into }}, so the two are handled together. From now on you will be told "
            "about request {{ into }}; your tracking number still works.\n\nFollow it "
            "here: {{ link }}\n")),
    Kind("rejected", "citizen", _l("Not accepted (rejected)"),
         ("number", "reason", "explanation", "track_url", "link"),
         _l("Your request has not been accepted"),
         _l("Your request {{ number }} has not been accepted ({{ reason }}): "
            "{{ explanation }}"),
         _l("Hello,\n\nYour request {{ number }} has not been accepted for handling.\n\n"
            "Reason: {{ reason }}\n\n{{ explanation }}\n\nDetails: {{ link }}\n\nIf you "
            "disagree, call the hotline: a supervisor can review the decision.\n")),
    Kind("rejection_reversed", "citizen", _l("Rejection reversed"),
         ("number", "track_url", "link"),
         _l("Your request will be handled after all"),
         _l("After review, your request {{ number }} has been accepted and will be handled."),
         _l("Hello,\n\nAfter review, your request {{ number }} has been accepted after all "
            "and will be passed to the unit responsible.\n\nFollow its progress here: "
            "{{ link }}\n")),
    # Staff messages name the matter's kind ({{ kind }}: 诉求, 督办件, 办文,
    # 议案建议提案): the same unit handles all four.
    Kind("assigned", "staff", _l("New assignment (staff)"),
         ("number", "kind", "unit", "category", "due", "case_url"),
         _l("New assignment for {{ unit }}: {{ kind }} {{ number }}"),
         _l("New assignment for {{ unit }}: {{ kind }} {{ number }} ({{ category }}); please "
            "sign for it by {{ due }}. {{ case_url }}"),
         _l("{{ kind }} {{ number }} ({{ category }}) has been assigned to {{ unit }}. Please "
            "sign for it by {{ due }}.\n\n{{ case_url }}\n")),
    Kind("reminder", "staff", _l("Reminder (staff)"),
         ("number", "kind", "unit", "due", "case_url"),
         _l("Reminder: {{ kind }} {{ number }} is due {{ due }}"),
         _l("Reminder: {{ kind }} {{ number }} for {{ unit }} is due {{ due }}. {{ case_url }}"),
         _l("Reminder: a deadline of {{ kind }} {{ number }} ({{ unit }}) falls at {{ due }}."
            "\n\n{{ case_url }}\n")),
    Kind("escalated", "staff", _l("Escalation (staff)"),
         ("number", "kind", "unit", "due", "level", "case_url"),
         _l("Overdue: {{ kind }} {{ number }} escalated to level {{ level }}"),
         _l("Overdue: {{ kind }} {{ number }} of {{ unit }} (due {{ due }}) is escalated to "
            "level {{ level }}. {{ case_url }}"),
         _l("{{ kind }} {{ number }} of {{ unit }} missed its deadline ({{ due }}) and is "
            "escalated to level {{ level }}.\n\n{{ case_url }}\n")),
    # The register: a resident registered after the 3 working days (no name,
    # no ID number in a message: the page behind the link shows them).
    Kind("register_late", "staff", _l("Late registration (grid staff and community)"),
         ("address", "arrived", "registered", "due", "property_url"),
         _l("Late registration at {{ address }}"),
         _l("Late registration at {{ address }}: arrived {{ arrived }}, registered "
            "{{ registered }} (due {{ due }}). Please follow up. {{ property_url }}"),
         _l("A resident of {{ address }} who arrived on {{ arrived }} was registered on "
            "{{ registered }}, after the 3 working days (due {{ due }}). Please follow it "
            "up with the landlord.\n\n{{ property_url }}\n")),
    # A proposal's reply: the proposer's feedback link (works once).
    Kind("proposal_feedback", "citizen", _l("Reply to a proposal, with the feedback link"),
         ("number", "title", "unit", "grade", "link"),
         _l("The reply to your proposal {{ number }}"),
         _l("Your proposal {{ number }} has a reply. Are you satisfied? {{ link }}"),
         _l("Hello,\n\n{{ unit }} has replied to your proposal {{ number }} ({{ title }}), "
            "graded {{ grade }}.\n\nPlease tell us whether you are satisfied with the reply "
            "(the link works once): {{ link }}\n")),
)}


def default(key: str, channel: str, locale: str) -> tuple[str | None, str]:
    """(subject, body) of the catalogue's wording in `locale`."""
    kind = KINDS[key]
    with force_locale(locale):
        subject = str(kind.subject) if channel == "email" else None
        body = kind.sms if channel == "sms" else kind.email
        return subject, str(body)


def saved(key: str, channel: str, locale: str) -> NotificationTemplate | None:
    return db.session.scalar(select(NotificationTemplate).where(
        NotificationTemplate.key == key, NotificationTemplate.channel == channel,
        NotificationTemplate.locale == locale,
    ))


def _load_saved() -> dict[tuple[str, str, str], tuple[str | None, str]]:
    return {(row.key, row.channel, row.locale): (row.subject, row.body)
            for row in db.session.scalars(select(NotificationTemplate))}


# Nearly every case sends a message: the administrators' few saved wordings
# are read once per process, not once per message.
_saved = ProcessCache(_load_saved, NotificationTemplate)


def source(key: str, channel: str, locale: str) -> tuple[str | None, str]:
    """The wording in force: the administrator's, else the default."""
    found = _saved.get().get((key, channel, locale))
    if found is not None:
        return found
    return default(key, channel, locale)


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> Template:
    """Compiling is most of rendering's cost; a template's text compiles once."""
    return _env.from_string(text)


def render_text(text: str, values: dict[str, object]) -> str:
    return _compiled(text).render(**values).strip()


def check(key: str, text: str) -> str | None:
    """Why this template cannot be used, or None: rendered once with sample
    values so an unknown name or a syntax error is caught when saved."""
    sample = dict.fromkeys(KINDS[key].variables, "x")
    try:
        render_text(text, sample)
    except TemplateError as exc:
        return str(exc)
    return None


def sms_limit() -> int:
    return int(number("SMS_MAX_CHARS"))


def render(key: str, channel: str, values: Callable[[str], dict[str, object]],
           locales: tuple[str, ...] = LOCALES) -> tuple[str | None, str]:
    """(subject, body) to send; `values(locale)` gives the template's values
    in that language. Email carries every language, Chinese first; an SMS
    only the first, shortened to SMS_MAX_CHARS (the unit's reply or the
    rejection's explanation is cut first, then the whole text)."""
    if channel == "sms":
        _subject, text = source(key, channel, locales[0])
        return None, fit_sms(text, values(locales[0]))
    parts, subjects = [], []
    for locale in locales:
        subject, text = source(key, channel, locale)
        local_values = values(locale)
        subjects.append(render_text(subject or "", local_values))
        parts.append(render_text(text, local_values))
    number_ = values(locales[0]).get("number")
    prefix = f"[#{number_}] " if number_ else ""
    subject = prefix + " / ".join(s for s in dict.fromkeys(subjects) if s)
    return subject[:255], f"\n\n{'-' * 40}\n\n".join(parts) + "\n"


# Free text that may be long: shortened first when an SMS is too long.
LONG_VALUES = ("reply", "explanation")


def fit_sms(text: str, values: dict[str, object]) -> str:
    limit = sms_limit()
    body = render_text(text, values)
    for name in LONG_VALUES:
        long = values.get(name)
        if len(body) > limit and isinstance(long, str) and long:
            room = len(long) - (len(body) - limit) - 1
            if room > 0:
                values = values | {name: long[:room] + "…"}
                body = render_text(text, values)
    if len(body) > limit:
        body = body[: limit - 1] + "…"
    return body
