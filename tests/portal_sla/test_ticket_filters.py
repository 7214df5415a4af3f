"""Ticket list filters: status, category and the period the tickets were opened in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Category, TicketStatus
from tests.portal_sla.conftest import assert_clean


def _listed(html: str) -> set[str]:
    return {
        key
        for key in ("URG-1", "URG-2", "HIGH-1", "HIGH-2", "NORM-1", "NORM-2",
                    "NORM-3", "LOW-1", "NOV-1")
        if f"/portal/tickets/ALFA-{key}\"" in html
    }  # fmt: skip


@pytest.fixture
def printing(sla_world) -> Category:
    category = Category(code="printing", name_it="Stampa", name_en="Printing")
    db.session.add(category)
    sla_world.tickets["HIGH-1"].category = category
    sla_world.tickets["LOW-1"].category = category
    db.session.commit()
    return category


def test_active_status_filter(customer_client, sla_world):
    sla_world.tickets["NORM-1"].status = TicketStatus.WAITING
    sla_world.tickets["NORM-2"].status = TicketStatus.IN_PROGRESS
    db.session.commit()

    html = customer_client.get("/portal/?status=active").get_data(as_text=True)

    assert _listed(html) == {"NORM-1", "NORM-2", "LOW-1", "NOV-1"}
    assert '<option selected value="active">All open tickets</option>' in html


def test_category_filter(customer_client, sla_world, printing):
    html = customer_client.get(f"/portal/?category={printing.id}").get_data(
        as_text=True
    )

    assert _listed(html) == {"HIGH-1", "LOW-1"}
    assert f'<option selected value="{printing.id}">Printing</option>' in html


def test_unknown_category_is_422(customer_client, sla_world):
    response = customer_client.get("/portal/?category=999999")

    assert response.status_code == 422
    assert "Choose a category from the list." in response.get_data(as_text=True)


def test_period_filter_uses_user_zone(customer_client, sla_world):
    # NORM-3 opened at 00:30 on 1 December in Rome, 23:30 on 30 November in UTC.
    html = customer_client.get(
        "/portal/?opened_from=2026-12-01&opened_to=2026-12-04"
    ).get_data(as_text=True)

    assert _listed(html) == {"NORM-3", "LOW-1", "URG-1"}


def test_period_end_day_included(customer_client, sla_world):
    html = customer_client.get("/portal/?opened_to=2026-11-30").get_data(as_text=True)

    assert _listed(html) == {"NOV-1"}


def test_filters_combine(customer_client, sla_world, printing):
    html = customer_client.get(
        f"/portal/?category={printing.id}&opened_from=2026-12-05&status=resolved"
    ).get_data(as_text=True)

    assert _listed(html) == {"HIGH-1"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("opened_from=2026-12-10&opened_to=2026-12-01", "opened_to",
         "The end of the period must be on or after its start."),
        ("opened_from=10/12/2026", "opened_from", "Enter a date as YYYY-MM-DD"),
        ("opened_to=0001-01-01", "opened_to", "Enter a date as YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_invalid_period_is_422(customer_client, sla_world, query, field, message):
    response = customer_client.get(f"/portal/?{query}&q=ALFA")
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    errors = html.split(f'id="{field}-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors
    assert 'value="ALFA"' in html
    assert _listed(html) == set()


def test_htmx_filter_errors_out_of_band(customer_client, sla_world):
    response = customer_client.get(
        "/portal/?opened_from=2026-12-10&opened_to=2026-12-01",
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert 'id="opened_to-errors" hx-swap-oob="true"' in html


def test_pager_keeps_filters(customer_client, sla_world, make_sla_ticket):
    from portal.models import TicketPriority
    from tests.portal_sla.conftest import rome

    for number in range(30):
        make_sla_ticket(
            sla_world.customer_a,
            f"ALFA-P{number:02d}",
            TicketPriority.LOW,
            rome(2026, 12, 3, 10),
        )

    html = customer_client.get(
        "/portal/?opened_from=2026-12-03&opened_to=2026-12-03&status=active"
    ).get_data(as_text=True)

    assert "Page 1 of 2" in html
    assert "opened_from=2026-12-03" in html
    assert "opened_to=2026-12-03" in html
    assert "status=active" in html


def test_category_list_has_no_other_customer_data(customer_client, sla_world):
    html = customer_client.get("/portal/").get_data(as_text=True)
    names = db.session.scalars(sa.select(Category.name_en)).all()

    for name in names:
        assert name in html
    assert_clean(html, sla_world, "/portal/")
