"""Helpers for requests sent by htmx."""

from flask import request


def is_htmx() -> bool:
    """Tell an htmx request from a plain one.

    A history-restore request asks for the whole page, so it counts as plain.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
