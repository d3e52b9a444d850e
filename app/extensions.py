"""Flask extensions of the web application, created unbound and initialised
by the app factory. The database handle is `core.db`; CSRF and the rate
limiter, which the channels' endpoints use too, are in `core.web`."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate

migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
