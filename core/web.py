"""Web extensions that the channels' endpoints and the pages share, created
unbound and initialised by the app factory: CSRF protection (which the
signed webhooks and the APIs are exempted from), the rate limiter, and the
`int` of every route bounded to the database's integers."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect
from werkzeug.routing import IntegerConverter

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class RowId(IntegerConverter):
    """`<int:...>` in a route: a number the database can hold (a BIGINT), so
    /proposals/99999999999999999999 is a 404, not an overflow in the driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
