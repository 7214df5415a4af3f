"""Consuntivo: time accounting on support tickets."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from portal.config import PROJECT_ROOT, check_production_config, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_production_config(app.config)

    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_handlers(app)
    _register_security_headers(app)
    _register_commands(app)
    return app


def _register_security_headers(app: Flask) -> None:
    from portal.security import add_security_headers

    app.after_request(add_security_headers)


def _configure_logging(app: Flask) -> None:
    from portal.logging_setup import configure_logging

    configure_logging(app)


def _init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (registers the tables with metadata)
    from portal.auth.session import init_login
    from portal.extensions import csrf, db, migrate
    from portal.i18n import init_babel

    PROJECT_ROOT.joinpath("instance").mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    init_login(app)
    init_babel(app)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts import bp as accounts_bp
    from portal.admin import bp as admin_bp
    from portal.agent import bp as agent_bp
    from portal.approvals import bp as approvals_bp
    from portal.auth import bp as auth_bp
    from portal.history import bp as history_bp
    from portal.notifications import bp as notifications_bp
    from portal.portal import bp as portal_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(agent_bp, url_prefix="/agent")
    app.register_blueprint(approvals_bp, url_prefix="/approvals")
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(accounts_bp, url_prefix="/accounts")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(history_bp, url_prefix="/history")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")


def _register_template_helpers(app: Flask) -> None:
    from portal.i18n import register_filters

    register_filters(app)


def _register_error_handlers(app: Flask) -> None:
    from portal.errors import register_error_handlers

    register_error_handlers(app)


def _register_commands(app: Flask) -> None:
    from portal.cli import register_commands

    register_commands(app)


logging.getLogger(__name__).addHandler(logging.NullHandler())
