"""Log records carry the request id and the user id of the request they belong to."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, has_request_context, request
from flask_login import current_user


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = "-"
        record.user_id = "-"
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            if current_user and current_user.is_authenticated:
                record.user_id = str(current_user.id)
        return True


def configure_logging(app: Flask) -> None:
    root = logging.getLogger("portal")
    if not any(isinstance(f, RequestContextFilter) for f in root.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s "
                "[req=%(request_id)s user=%(user_id)s] %(message)s"
            )
        )
        handler.addFilter(RequestContextFilter())
        root.addHandler(handler)
        root.addFilter(RequestContextFilter())
    root.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming else uuid.uuid4().hex[:12]
