"""Accepting and disputing statements in the portal, answering in accounts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    AcknowledgementKind,
    AuditEvent,
    Role,
    StatementAcknowledgement,
)
from portal.services import acknowledgements
from portal.services.acknowledgements import AcknowledgementState
from tests.portal_sla.conftest import assert_clean


def _steps(statement_id: int) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        sa.select(StatementAcknowledgement)
        .where(StatementAcknowledgement.statement_id == statement_id)
        .order_by(StatementAcknowledgement.id)
    )
    return [(row.kind.value, row.comment) for row in rows]


def _audit_actions(statement_id: int) -> list[str]:
    rows = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(
            AuditEvent.object_type == "statements",
            AuditEvent.object_id == statement_id,
        )
        .order_by(AuditEvent.id)
    )
    return list(rows)


# Service rules.


def test_accept_is_final(sla_world):
    user, statement = sla_world.customer_user, sla_world.statement_a

    acknowledgements.accept_statement(user, statement)
    db.session.commit()

    for attempt in (
        lambda: acknowledgements.accept_statement(user, statement),
        lambda: acknowledgements.dispute_statement(user, statement, "Troppe ore"),
        lambda: acknowledgements.answer_dispute(
            sla_world.accounts_user, statement, "Risposta"
        ),
    ):
        with pytest.raises(DomainError) as raised:
            attempt()
        assert raised.value.status == 409
    db.session.rollback()
    assert _steps(statement.id) == [("accepted", "")]


def test_dispute_answer_then_accept(sla_world):
    user, statement = sla_world.customer_user, sla_world.statement_a
    accounts = sla_world.accounts_user

    acknowledgements.dispute_statement(user, statement, "  Le ore di ALFA-URG-1?  ")
    acknowledgements.answer_dispute(accounts, statement, "Verificate: sono corrette.")
    acknowledgements.accept_statement(user, statement)
    db.session.commit()

    assert _steps(statement.id) == [
        ("disputed", "Le ore di ALFA-URG-1?"),
        ("answered", "Verificate: sono corrette."),
        ("accepted", ""),
    ]
    assert _audit_actions(statement.id) == [
        "acknowledgement_disputed",
        "acknowledgement_answered",
        "acknowledgement_accepted",
    ]


def test_dispute_again_after_answer(sla_world):
    user, statement = sla_world.customer_user, sla_world.statement_a

    acknowledgements.dispute_statement(user, statement, "Prima contestazione")
    with pytest.raises(DomainError) as raised:
        acknowledgements.dispute_statement(user, statement, "Seconda, troppo presto")
    assert raised.value.status == 409
    acknowledgements.answer_dispute(sla_world.accounts_user, statement, "Risposta")
    acknowledgements.dispute_statement(user, statement, "Seconda contestazione")

    history = acknowledgements.acknowledgement_history(statement.id)
    assert acknowledgements.state_of(history) == AcknowledgementState.DISPUTED


def test_answer_needs_open_dispute(sla_world):
    # Outside a request the default language is Italian, so ask for English.
    with force_locale("en"), pytest.raises(DomainError) as raised:
        acknowledgements.answer_dispute(
            sla_world.accounts_user, sla_world.statement_a, "Nessuna contestazione"
        )

    assert raised.value.status == 409
    assert "no open dispute" in raised.value.message


def test_void_statement_takes_no_step(sla_world):
    user, void = sla_world.customer_user, sla_world.void_statement_a

    with force_locale("en"), pytest.raises(DomainError) as accepted:
        acknowledgements.accept_statement(user, void)
    with pytest.raises(DomainError) as disputed:
        acknowledgements.dispute_statement(user, void, "Annullato?")

    assert accepted.value.status == disputed.value.status == 409
    assert "void" in accepted.value.message


@pytest.mark.parametrize("comment", ["", "   ", "x" * 2001])
def test_dispute_comment_checked(sla_world, comment):
    with pytest.raises(DomainError) as raised:
        acknowledgements.dispute_statement(
            sla_world.customer_user, sla_world.statement_a, comment
        )

    assert raised.value.status == 422


def test_only_own_customer_acknowledges(sla_world, make_user):
    user_b = make_user(Role.CUSTOMER, customer=sla_world.customer_b)

    with pytest.raises(DomainError) as other_customer:
        acknowledgements.accept_statement(user_b, sla_world.statement_a)
    with pytest.raises(DomainError) as staff:
        acknowledgements.accept_statement(
            sla_world.accounts_user, sla_world.statement_a
        )
    with pytest.raises(DomainError) as customer_answer:
        acknowledgements.answer_dispute(
            sla_world.customer_user, sla_world.statement_a, "Rispondo io"
        )

    assert other_customer.value.status == staff.value.status == 403
    assert customer_answer.value.status == 403


def test_open_disputes_and_count(sla_world):
    user, accounts = sla_world.customer_user, sla_world.accounts_user
    acknowledgements.dispute_statement(user, sla_world.statement_a, "Contesto A")
    acknowledgements.dispute_statement(user, sla_world.second_statement_a, "E anche B")
    acknowledgements.answer_dispute(accounts, sla_world.second_statement_a, "Fatto")
    db.session.commit()

    disputes = acknowledgements.open_disputes()

    assert [item.statement.number for item in disputes] == ["2026/0001"]
    assert disputes[0].dispute.comment == "Contesto A"
    assert acknowledgements.open_dispute_count() == 1


def test_states_by_statement_in_one_query(sla_world):
    user = sla_world.customer_user
    acknowledgements.dispute_statement(user, sla_world.statement_a, "Contesto")
    acknowledgements.accept_statement(user, sla_world.second_statement_a)

    states = acknowledgements.states_by_statement(
        [sla_world.statement_a.id, sla_world.second_statement_a.id, 999]
    )

    assert states == {
        sla_world.statement_a.id: AcknowledgementState.DISPUTED,
        sla_world.second_statement_a.id: AcknowledgementState.ACCEPTED,
        999: AcknowledgementState.PENDING,
    }


# Portal pages.


def test_statement_page_shows_frozen_lines(customer_client, sla_world):
    statement = sla_world.statement_a
    response = customer_client.get(f"/portal/statements/{statement.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Statement 2026/0001" in html
    assert "ALFA-URG-1 · Stampante bloccata" in html
    assert "€131.03" in html
    assert "€196.54" in html
    assert "2:15" in html
    assert "Accept statement" in html
    assert "Nobody has accepted or disputed this statement yet." in html
    assert_clean(html, sla_world, "statement page")


def test_statement_page_other_customer_404(customer_client, sla_world):
    statement = sla_world.statement_b
    page = customer_client.get(f"/portal/statements/{statement.id}")
    accept = customer_client.post(f"/portal/statements/{statement.id}/accept")
    dispute = customer_client.post(
        f"/portal/statements/{statement.id}/dispute", data={"comment": "No"}
    )
    assert page.status_code == 404
    assert accept.status_code == 404
    assert dispute.status_code == 404
    assert_clean(page.get_data(as_text=True), sla_world, "404 page")
    assert _steps(statement.id) == []


def test_void_statement_page_offers_no_step(customer_client, sla_world):
    statement = sla_world.void_statement_a
    page = customer_client.get(f"/portal/statements/{statement.id}")
    accept = customer_client.post(f"/portal/statements/{statement.id}/accept")
    dispute = customer_client.post(
        f"/portal/statements/{statement.id}/dispute", data={"comment": "No"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Accept statement" not in html
    assert accept.status_code == 409
    assert dispute.status_code == 409
    assert_clean(html, sla_world, "void statement page")
    assert _steps(statement.id) == []


def test_accept_plain_post_redirects(customer_client, sla_world):
    statement_id = sla_world.statement_a.id

    response = customer_client.post(f"/portal/statements/{statement_id}/accept")
    page = customer_client.get(f"/portal/statements/{statement_id}")
    html = page.get_data(as_text=True)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portal/statements/{statement_id}")
    assert "You accepted statement 2026/0001." in html
    assert "Accept statement" not in html
    assert "An acceptance is final." in html
    assert "Accepted the statement" in html
    assert "Anna Alfa" in html


def test_accept_htmx_returns_panel(customer_client, sla_world):
    statement_id = sla_world.statement_a.id

    response = customer_client.post(
        f"/portal/statements/{statement_id}/accept", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="ack-panel"')
    assert "You accepted statement 2026/0001." in html


def test_second_accept_is_409(customer_client, sla_world):
    url = f"/portal/statements/{sla_world.statement_a.id}/accept"
    customer_client.post(url)

    response = customer_client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 409
    assert "already been accepted" in response.get_data(as_text=True)


def test_dispute_without_comment_is_422(customer_client, sla_world):
    url = f"/portal/statements/{sla_world.statement_a.id}/dispute"

    plain = customer_client.post(url, data={"comment": "  "})
    htmx = customer_client.post(
        url, data={"comment": ""}, headers={"HX-Request": "true"}
    )

    assert plain.status_code == htmx.status_code == 422
    assert "Write why you dispute this statement." in plain.get_data(as_text=True)
    assert "<html" in plain.get_data(as_text=True)
    assert htmx.get_data(as_text=True).lstrip().startswith('<section id="ack-panel"')
    assert 'aria-invalid="true"' in htmx.get_data(as_text=True)
    assert _steps(sla_world.statement_a.id) == []


def test_dispute_too_long_keeps_text(customer_client, sla_world):
    comment = "Troppe ore " + "x" * 2000
    response = customer_client.post(
        f"/portal/statements/{sla_world.statement_a.id}/dispute",
        data={"comment": comment},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "at most 2000 characters" in html
    assert comment in html


def test_dispute_from_list_row(customer_client, sla_world):
    statement_id = sla_world.statement_a.id
    prefix = f"statement-{statement_id}"

    response = customer_client.post(
        f"/portal/statements/{statement_id}/dispute?layout=row",
        data={f"{prefix}-comment": "La riga del 7/12 è doppia"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert html.lstrip().startswith(f'<td id="ack-{statement_id}"')
    assert "Disputed, awaiting our answer" in html
    assert _steps(statement_id) == [("disputed", "La riga del 7/12 è doppia")]


def test_list_shows_states_and_forms(customer_client, sla_world):
    acknowledgements.accept_statement(sla_world.customer_user, sla_world.statement_a)
    db.session.commit()

    html = customer_client.get("/portal/statements").get_data(as_text=True)
    first = html.split(f'id="ack-{sla_world.statement_a.id}"', 1)[1].split("</td>")[0]
    second_id = sla_world.second_statement_a.id
    second = html.split(f'id="ack-{second_id}"', 1)[1].split("</td>")[0]

    assert "Accepted" in first
    assert "Accept statement" not in first
    assert "Awaiting your review" in second
    assert f'name="statement-{second_id}-comment"' in second
    assert f'href="/portal/statements/{sla_world.statement_a.id}"' in html
    assert_clean(html, sla_world, "statements list")


def test_history_shows_answer(customer_client, sla_world):
    statement = sla_world.statement_a
    acknowledgements.dispute_statement(sla_world.customer_user, statement, "Perché?")
    acknowledgements.answer_dispute(
        sla_world.accounts_user, statement, "Perché il toner era da cambiare."
    )
    db.session.commit()

    html = customer_client.get(f"/portal/statements/{statement.id}").get_data(
        as_text=True
    )

    assert "Dispute answered" in html
    assert "Perché il toner era da cambiare." in html
    assert "Paola Conti" in html
    assert "Accept statement" in html
    assert "Send dispute" in html
    assert_clean(html, sla_world, "statement history")


def test_forms_need_csrf(customer_client, sla_world, csrf_enabled):
    url = f"/portal/statements/{sla_world.statement_a.id}/accept"

    response = customer_client.post(url)

    assert response.status_code == 400
    assert _steps(sla_world.statement_a.id) == []


# Accounts pages.


def test_disputes_page_and_nav_count(accounts_client, sla_world):
    acknowledgements.dispute_statement(
        sla_world.customer_user, sla_world.statement_a, "Ore da verificare"
    )
    db.session.commit()

    html = accounts_client.get("/accounts/disputes").get_data(as_text=True)

    assert 'data-statement="2026/0001"' in html
    assert "Ore da verificare" in html
    assert "Anna Alfa" in html
    nav = html.split('id="nav-disputes"', 1)[1].split("</a>", 1)[0]
    assert ">1</span>" in nav


def test_disputes_page_empty(accounts_client, sla_world):
    html = accounts_client.get("/accounts/disputes").get_data(as_text=True)

    assert 'id="no-disputes"' in html
    nav = html.split('id="nav-disputes"', 1)[1].split("</a>", 1)[0]
    assert "badge" not in nav


def test_answer_plain_post(accounts_client, sla_world):
    statement = sla_world.statement_a
    acknowledgements.dispute_statement(sla_world.customer_user, statement, "Perché?")
    db.session.commit()

    page = accounts_client.get(f"/accounts/disputes/{statement.id}")
    response = accounts_client.post(
        f"/accounts/disputes/{statement.id}/answer",
        data={"comment": "Abbiamo ricontrollato."},
    )
    after = accounts_client.get("/accounts/disputes").get_data(as_text=True)

    assert 'id="answer-form"' in page.get_data(as_text=True)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/accounts/disputes")
    assert "Your answer on statement 2026/0001 was sent" in after
    assert 'id="no-disputes"' in after
    assert _steps(statement.id)[-1] == ("answered", "Abbiamo ricontrollato.")


def test_answer_without_comment_is_422(accounts_client, sla_world):
    statement = sla_world.statement_a
    acknowledgements.dispute_statement(sla_world.customer_user, statement, "Perché?")
    db.session.commit()

    response = accounts_client.post(
        f"/accounts/disputes/{statement.id}/answer",
        data={"comment": ""},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="dispute-panel"')
    assert "Write the answer to the customer." in html
    assert _steps(statement.id) == [("disputed", "Perché?")]


def test_answer_without_open_dispute_is_409(accounts_client, sla_world):
    response = accounts_client.post(
        f"/accounts/disputes/{sla_world.statement_a.id}/answer",
        data={"comment": "Niente da rispondere"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409


def test_answer_unknown_statement_404(accounts_client, sla_world):
    page = accounts_client.get("/accounts/disputes/999999")
    answer = accounts_client.post(
        "/accounts/disputes/999999/answer", data={"comment": "x"}
    )

    assert page.status_code == answer.status_code == 404


def test_customer_cannot_answer(customer_client, sla_world):
    response = customer_client.post(
        f"/accounts/disputes/{sla_world.statement_a.id}/answer",
        data={"comment": "Mi rispondo da solo"},
    )

    assert response.status_code == 403
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                StatementAcknowledgement.kind == AcknowledgementKind.ANSWERED
            )
        )
        == 0
    )
