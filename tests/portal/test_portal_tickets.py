"""The ticket list: own tickets only, search, status filter, paging, languages."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.extensions import db
from portal.models import Category, TicketStatus


def test_list_shows_only_own_tickets(customer_client, world):
    response = customer_client.get("/portal/")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="ticket-list"' in html
    assert world.ticket_a.key in html
    assert world.second_ticket_a.key in html
    for marker in world.customer_b_markers:
        assert marker not in html


def test_list_shows_approved_billable_time(customer_client, world):
    html = customer_client.get("/portal/").get_data(as_text=True)

    # 90 + 45 approved billable minutes; drafts, rejected and the rest excluded.
    assert '<td class="num">2:15</td>' in html
    assert '<td class="num">0:00</td>' in html


def test_list_shows_customer_name_in_layout(customer_client, world):
    html = customer_client.get("/portal/").get_data(as_text=True)

    assert 'class="portal"' in html
    assert '<strong class="portal-customer">Alfa Ricambi Srl</strong>' in html
    assert 'href="/portal/statements"' in html
    assert 'href="/agent/' not in html


def test_search_by_key(customer_client, world):
    html = customer_client.get("/portal/?q=alfa-102").get_data(as_text=True)

    assert "ALFA-102" in html
    assert "ALFA-101" not in html


def test_search_by_title_ignores_case(customer_client, world):
    html = customer_client.get("/portal/?q=STAMPANTE").get_data(as_text=True)

    assert "ALFA-101" in html
    assert "ALFA-102" not in html


def test_search_never_finds_other_customer(customer_client, world):
    for text in ("BETAKEY", "BETA-TITLE", world.ticket_b.key):
        html = customer_client.get("/portal/", query_string={"q": text}).get_data(
            as_text=True
        )
        assert f"/portal/tickets/{world.ticket_b.key}" not in html
        assert world.ticket_b.title not in html
        assert "No tickets match your search." in html


def test_search_treats_wildcards_literally(customer_client, world):
    html = customer_client.get("/portal/?q=%25").get_data(as_text=True)

    assert "ALFA-101" not in html
    assert "No tickets match your search." in html


def test_status_filter(customer_client, world):
    world.second_ticket_a.status = TicketStatus.CLOSED
    db.session.commit()

    html = customer_client.get("/portal/?status=closed").get_data(as_text=True)

    assert "ALFA-102" in html
    assert "ALFA-101" not in html


def test_invalid_status_is_422_with_error(customer_client, world):
    response = customer_client.get("/portal/?status=deleted&q=toner")
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Choose a status from the list." in html
    assert 'value="toner"' in html
    assert "ALFA-101" not in html


def test_too_long_search_is_422(customer_client, world):
    response = customer_client.get("/portal/", query_string={"q": "x" * 101})

    assert response.status_code == 422
    assert "at most 100 characters" in response.get_data(as_text=True)


def test_htmx_request_gets_fragment(customer_client, world):
    response = customer_client.get("/portal/?q=101", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ticket-list"')
    assert "<html" not in html
    assert "ALFA-101" in html
    # Field errors are cleared out of band so a fixed filter loses its old error.
    assert 'id="q-errors" hx-swap-oob="true"' in html


def test_htmx_invalid_filter_sends_errors_oob(customer_client, world):
    response = customer_client.get(
        "/portal/?status=nope", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert 'id="status-errors" hx-swap-oob="true"' in html
    assert "Choose a status from the list." in html


def test_pagination(customer_client, world, make_ticket):
    for number in range(30):
        make_ticket(world.customer_a, key=f"PAGE-{number:03d}", title="Pagina")

    first = customer_client.get("/portal/?q=PAGE-").get_data(as_text=True)
    second = customer_client.get("/portal/?q=PAGE-&page=2").get_data(as_text=True)

    assert first.count("/portal/tickets/PAGE-") == 25
    assert "Page 1 of 2" in first
    assert "q=PAGE-" in first
    assert "page=2" in first
    assert second.count("/portal/tickets/PAGE-") == 5
    assert "Page 2 of 2" in second


def test_page_past_end_shows_last_page(customer_client, world):
    response = customer_client.get("/portal/?page=99")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "ALFA-101" in html


def test_bad_page_number_shows_first_page(customer_client, world):
    for page in ("0", "-3", "abc"):
        response = customer_client.get(f"/portal/?page={page}")
        assert response.status_code == 200
        assert "ALFA-101" in response.get_data(as_text=True)


def test_italian_user_sees_italian_labels(client, world, make_user, sign_in):
    user = make_user("customer", customer=world.customer_a, language="it")
    sign_in(user)

    html = client.get("/portal/").get_data(as_text=True)

    category = db.session.get(Category, world.ticket_a.category_id)
    assert f"<td>{category.name_it}</td>" in html
    assert f"<td>{category.name_en}</td>" not in html
    assert '<html lang="it">' in html


def test_opened_date_in_user_time_zone(customer_client, world):
    # 23:30 UTC on 5 January is already 6 January in Rome.
    world.ticket_a.opened_at = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    db.session.commit()

    html = customer_client.get("/portal/?q=ALFA-101").get_data(as_text=True)

    assert ">06/01/2026</time>" in html
