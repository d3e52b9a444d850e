"""Web extensions that the channels' endpoints and the pages share, created
unbound and initialised by the app factory: CSRF protection (which the
signed webhooks and the APIs are exempted from) and the rate limiter."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
