"""What every answer shares for safety: response headers, and which proxy's
word about the client's address counts.

Headers (set unless a view chose its own):

- `X-Content-Type-Options: nosniff` on everything, pages and JSON alike: a
  browser must not run an answer as something it does not say it is;
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` (the old header
  for old browsers, the standard one for the rest): no page of ours inside
  another site's frame, so no clickjacking of a staff action. Only
  `frame-ancestors`: a script policy would break the pages' inline scripts;
- `Referrer-Policy: same-origin`: the signed `/track/<token>` links sent by
  SMS and mail carry a token in the path, so no full URL may leave for
  another site; same-origin requests keep the full Referer, which Flask-WTF's
  CSRF check needs over HTTPS (`no-referrer` would break every form there).

Forms are decoded strictly (channels.encoding): a view that does not answer
a field of invalid UTF-8 itself (Open311, the web form) never sees one; the
request is refused with a 400 naming the field, in the blueprint's own
error format where it has one (the API's JSON), else the site's error page.

Proxies: `TRUSTED_PROXIES` hops of X-Forwarded-For/-Proto/-Host are believed
(Werkzeug's ProxyFix). Behind a load balancer that makes `remote_addr` the
citizen's address, so each citizen has their own `/track` budget; with 0 (the
default) a forged X-Forwarded-For changes nothing.
"""

from __future__ import annotations

import flask
from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from channels.encoding import StrictFormDataParser, describe, undecodable

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CSP = "Content-Security-Policy"
FRAME_ANCESTORS = "frame-ancestors 'none'"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Request(flask.Request):
    """Forms decoded strictly as UTF-8 (channels.encoding)."""

    form_data_parser_class = StrictFormDataParser


def init_app(app: Flask) -> None:
    app.request_class = Request
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(refuse_undecodable_forms)
    app.after_request(security_headers)


class UndecodableForm(BadRequest):
    """400: form fields that are not valid UTF-8. A blueprint's own handler
    answers it in its format; with none, it renders the site's error page."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(describe(fields))
        self.fields = fields

    def get_body(self, environ=None, scope=None) -> str:
        return render_template(
            "error.html", code=400, title=_("The form could not be read"),
            message=_("%(fields)s: the text sent is not valid UTF-8. Please go back, "
                      "check it and send the form again.", fields=", ".join(self.fields)))


def refuse_undecodable_forms() -> None:
    """Refuse a form with undecodable fields unless the view answers them."""
    if request.mimetype not in FORM_TYPES:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "answers_undecodable", False):
        return
    fields = undecodable(request.form)
    if fields:
        raise UndecodableForm(fields)


def security_headers(response: Response) -> Response:
    """Add the headers; a view's own Content-Security-Policy (an attachment's
    sandbox) keeps its rules and gains frame-ancestors."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    policy = response.headers.get(CSP)
    if policy is None:
        response.headers[CSP] = FRAME_ANCESTORS
    elif "frame-ancestors" not in policy:
        response.headers[CSP] = f"{policy}; {FRAME_ANCESTORS}"
    return response
