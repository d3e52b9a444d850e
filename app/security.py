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

Proxies: `TRUSTED_PROXIES` hops of X-Forwarded-For/-Proto/-Host are believed
(Werkzeug's ProxyFix). Behind a load balancer that makes `remote_addr` the
citizen's address, so each citizen has their own `/track` budget; with 0 (the
default) a forged X-Forwarded-For changes nothing.
"""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CSP = "Content-Security-Policy"
FRAME_ANCESTORS = "frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(security_headers)


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
