"""Helpers for reading admin pages in tests."""

from __future__ import annotations

import re
from html import unescape

HTMX = {"HX-Request": "true"}


def field_errors(html: str, field_id: str) -> list[str]:
    """Return the error texts shown beside the field with this id."""
    match = re.search(
        rf'<div class="errors" id="{re.escape(field_id)}-errors">(.*?)</div>',
        html,
        re.DOTALL,
    )
    if match is None:
        raise AssertionError(f"no error container for field {field_id!r}")
    return [
        unescape(text) for text in re.findall(r'<p class="error">(.*?)</p>', match[1])
    ]


def data_values(html: str, attribute: str) -> list[str]:
    """Return the values of a data- attribute in page order, e.g. table row ids."""
    return re.findall(rf'data-{re.escape(attribute)}="([^"]*)"', html)
