"""The SLA calendar as customers read it: weekday names, hours and the annex header."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Role
from portal.services.sla_evidence import (
    format_working_days_text,
    format_working_hours_text,
)
from tests.portal_sla.test_sla_annex_pdf import pdf_text


def test_weekday_range_in_italian():
    assert format_working_days_text("1,2,3,4,5", "it_IT") == "lunedì–venerdì"


def test_weekday_list_in_english():
    text = format_working_days_text("1,3,5", "en_GB")

    assert text == "Monday, Wednesday and Friday"


def test_weekday_range_and_single_days():
    text = format_working_days_text("1,2,3,5,6", "it_IT")

    assert text == "lunedì–mercoledì, venerdì e sabato"


def test_unreadable_weekdays_kept():
    assert format_working_days_text("1,9", "it_IT") == "1,9"


def test_working_hours_spaced_with_dashes():
    text = format_working_hours_text("09:00-13:00,14:00-18:00")

    assert text == "09:00–13:00, 14:00–18:00"


def test_working_hours_end_at_midnight():
    assert format_working_hours_text("18:00-00:00") == "18:00–24:00"


def test_sla_page_names_weekdays(customer_client, sla_world):
    html = customer_client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    assert "Monday–Friday" in html
    assert "09:00–13:00, 14:00–18:00" in html
    assert "1,2,3,4,5" not in html


def test_sla_page_weekdays_in_italian(client, sla_world, sign_in, make_user,
                                      frozen_now):  # fmt: skip
    sign_in(make_user(Role.CUSTOMER, customer=sla_world.customer_a, language="it"))

    html = client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    assert "lunedì–venerdì" in html
    assert "Monday" not in html


def test_ticket_box_names_weekdays(customer_client, sla_world):
    html = customer_client.get("/portal/tickets/ALFA-HIGH-1").get_data(as_text=True)

    assert "Monday–Friday" in html
    assert "09:00–13:00, 14:00–18:00" in html


def test_accounts_sla_names_weekdays(accounts_client, sla_world):
    customer_id = sla_world.customer_a.id
    response = accounts_client.get(
        f"/accounts/sla?customer_id={customer_id}&month=2026-12"
    )
    html = response.get_data(as_text=True)

    assert "Monday–Friday" in html
    assert "09:00–13:00, 14:00–18:00" in html
    assert "1,2,3,4,5" not in html


def test_annex_header_values_on_one_line(customer_client, sla_world, tmp_path):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-11")
    lines = pdf_text(response.data, tmp_path, layout=True).splitlines()

    period = next(line for line in lines if "Period" in line)
    computed = next(line for line in lines if "Computed" in line)
    assert "November 2026" in period
    assert "Computed on" in computed
    assert "15/12/2026 12:00" in computed


def test_annex_names_weekdays(customer_client, sla_world, tmp_path):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-11")
    text = " ".join(pdf_text(response.data, tmp_path).split())

    assert "working days Monday–Friday" in text
    assert "hours 09:00–13:00, 14:00–18:00" in text


def test_italian_annex_names_weekdays(client, sla_world, sign_in, make_user,
                                      frozen_now, tmp_path):  # fmt: skip
    sla_world.customer_a.language = "it"
    db.session.commit()
    sign_in(make_user(Role.CUSTOMER, customer=sla_world.customer_a, language="en"))

    response = client.get("/portal/sla/annex.pdf?month=2026-11")
    text = " ".join(pdf_text(response.data, tmp_path).split())

    assert "lunedì–venerdì" in text
    assert "1,2,3,4,5" not in text
