"""Money fields show the user's decimal mark and read both marks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal.admin.fields import AmountField


class RateForm(FlaskForm):
    class Meta:
        csrf = False

    rate = AmountField("Hourly rate")


@pytest.mark.parametrize(
    ("language", "shown"),
    [("it", "55,00"), ("en", "55.00")],
)
def test_stored_rate_in_user_format(app, language, shown):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = RateForm(formdata=None, data={"rate": Decimal("55.00")})

        assert form.rate._value() == shown
        assert f'value="{shown}"' in form.rate()


def test_large_rate_has_no_grouping(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        form = RateForm(formdata=None, data={"rate": Decimal("1234567.50")})

        assert form.rate._value() == "1234567,50"


@pytest.mark.parametrize("typed", ["55,00", "55.00", "55", "55,0"])
def test_both_marks_accepted(app, typed):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        form = RateForm(formdata=MultiDict({"rate": typed}))

        assert form.validate()
        assert form.rate.data == Decimal("55.00")
        assert form.rate._value() == typed


def test_shown_value_reads_back(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        shown = RateForm(formdata=None, data={"rate": Decimal("60.50")}).rate._value()
        form = RateForm(formdata=MultiDict({"rate": shown}))

        assert form.validate()
        assert form.rate.data == Decimal("60.50")
