"""Configuration read from environment variables, with development defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-change-me"


class ConfigurationError(RuntimeError):
    """Raised when the environment cannot run the application safely."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'consuntivo.sqlite'}"
    # Hosting providers still hand out postgres:// URLs; psycopg 3 needs its dialect.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config() -> dict:
    """Build the Flask configuration mapping from the process environment."""
    env = os.environ.get("CONSUNTIVO_ENV", "development")
    config = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LANGUAGE", "it"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Europe/Rome"),
        "LANGUAGES": ("it", "en"),
        "COMPANY_NAME": os.environ.get("COMPANY_NAME", "Assistenza Informatica Srl"),
        "COMPANY_ADDRESS": os.environ.get(
            "COMPANY_ADDRESS", "Via Roma 1, 20121 Milano (MI)"
        ),
        "COMPANY_VAT_NUMBER": os.environ.get("COMPANY_VAT_NUMBER", "IT01234567890"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Outgoing mail; empty MAIL_SERVER logs messages instead of sending them.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "consuntivo@example.com"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        # Absolute base of links in e-mails, e.g. https://consuntivo.example.com
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Where statement PDFs are rendered: "inline" in the request, "thread"
        # in one background thread of each web process, or "rq" on RQ workers
        # (`flask worker`). Empty means rq when REDIS_URL is set, else thread,
        # and inline when the app runs with TESTING.
        "PDF_RENDER_MODE": os.environ.get("PDF_RENDER_MODE", ""),
        # Redis of the RQ queue, e.g. redis://127.0.0.1:6379/0
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "PDF_QUEUE": os.environ.get("PDF_QUEUE", "pdf"),
        # Seconds an RQ worker lets one PDF render run before stopping it.
        "PDF_JOB_TIMEOUT": int(os.environ.get("PDF_JOB_TIMEOUT", "600")),
        # VAT added to statements: a percentage such as "22" (unset: no VAT
        # line), and a note printed under the totals, e.g. an exemption clause.
        # Issuing copies both into each statement, so changes never alter
        # issued ones.
        "STATEMENT_VAT_RATE": os.environ.get("STATEMENT_VAT_RATE") or None,
        "STATEMENT_VAT_NOTE": os.environ.get("STATEMENT_VAT_NOTE") or None,
    }
    return config


def check_production_config(config: dict) -> None:
    """Raise ConfigurationError when production runs on the development secret."""
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEVELOPMENT_SECRET_KEY or len(secret) < 32:
        raise ConfigurationError(
            "SECRET_KEY is missing or too short for production: set SECRET_KEY to a "
            "random string of at least 32 characters, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
