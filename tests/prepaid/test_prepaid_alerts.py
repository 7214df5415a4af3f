"""Package alerts: in-app and e-mail, once per threshold, to the right people."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Notification, PrepaidPackage, Role
from portal.services import notifications
from portal.services.prepaid import send_package_alerts
from tests.prepaid.conftest import void


def _alerts(user_id: int | None = None) -> list[Notification]:
    query = sa.select(Notification).where(
        Notification.kind == notifications.PACKAGE_ALERT
    )
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def _setup(make_user, prepaid_customer, make_prepaid_customer):
    """Return the customer's admin, a plain customer user and another's admin."""
    customer = prepaid_customer.customer
    admin = make_user(Role.CUSTOMER, customer=customer, name="Carla Admin")
    admin.is_customer_admin = True
    plain = make_user(Role.CUSTOMER, customer=customer, name="Piero Utente")
    other = make_prepaid_customer(name="Altra Srl")
    outsider = make_user(Role.CUSTOMER, customer=other.customer)
    outsider.is_customer_admin = True
    db.session.commit()
    return admin, plain, outsider


def test_alert_reaches_accounts_and_customer_admins(
    app,
    accountant,
    make_user,
    prepaid_customer,
    make_prepaid_customer,
    make_package,
    issue_draws,
):
    admin, plain, outsider = _setup(make_user, prepaid_customer, make_prepaid_customer)
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 480)])

    created = send_package_alerts([prepaid_customer.contract.id])

    assert created == 2
    assert {alert.user_id for alert in _alerts()} == {accountant.id, admin.id}
    assert _alerts(plain.id) == []
    assert _alerts(outsider.id) == []
    db.session.refresh(package)
    assert package.alerted_percent == 75


def test_alert_sent_once_per_threshold(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    contract_ids = [prepaid_customer.contract.id]
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 460)])
    assert send_package_alerts(contract_ids) == 1

    issue_draws(prepaid_customer.customer, [(package, 20)])
    assert send_package_alerts(contract_ids) == 0

    issue_draws(prepaid_customer.customer, [(package, 70)])
    assert send_package_alerts(contract_ids) == 1
    assert send_package_alerts(contract_ids) == 0

    issue_draws(prepaid_customer.customer, [(package, 50)])
    assert send_package_alerts(contract_ids) == 1

    percents = [alert.payload["percent"] for alert in _alerts(accountant.id)]
    assert percents == [75, 90, 100]


def test_jump_announces_highest_threshold_only(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 560)])

    send_package_alerts([prepaid_customer.contract.id])

    assert [alert.payload["percent"] for alert in _alerts()] == [90]


def test_void_and_reissue_not_announced_again(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    contract_ids = [prepaid_customer.contract.id]
    package = make_package(prepaid_customer.contract, minutes=600)
    first = issue_draws(prepaid_customer.customer, [(package, 500)])
    send_package_alerts(contract_ids)

    void(first)
    issue_draws(prepaid_customer.customer, [(package, 500)])

    assert send_package_alerts(contract_ids) == 0
    assert len(_alerts()) == 1


def test_alert_claim_wins_once(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    """A package already claimed by another session is not announced again."""
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 480)])
    # Another session raised the mark after this one loaded the package.
    db.session.execute(
        sa.update(PrepaidPackage)
        .where(PrepaidPackage.id == package.id)
        .values(alerted_percent=75)
    )
    db.session.commit()

    assert send_package_alerts([prepaid_customer.contract.id]) == 0


def test_alert_text_in_each_audience(
    app,
    accountant,
    make_user,
    prepaid_customer,
    make_prepaid_customer,
    make_package,
    issue_draws,
):
    admin, _plain, _outsider = _setup(
        make_user, prepaid_customer, make_prepaid_customer
    )
    package = make_package(
        prepaid_customer.contract,
        minutes=600,
        name="Pacchetto 10 ore",
        price=Decimal("987.65"),
    )
    issue_draws(prepaid_customer.customer, [(package, 540)])
    send_package_alerts([prepaid_customer.contract.id])

    with app.test_request_context(headers={"Accept-Language": "en"}):
        internal = notifications.describe(_alerts(accountant.id)[0])
        external = notifications.describe(_alerts(admin.id)[0])

    assert internal.title == (
        "The prepaid package Pacchetto 10 ore of Rossi Impianti Srl is 90% used."
    )
    assert internal.endpoint == "accounts.prepaid_contract"
    assert external.title == "Your prepaid package Pacchetto 10 ore is 90% used."
    assert external.detail == "1:00 of 10:00 hours left, valid until 31/12/2026."
    assert external.endpoint == "portal.dashboard"
    assert "987" not in str(_alerts(admin.id)[0].payload)
    assert "customer" not in _alerts(admin.id)[0].payload


def test_used_up_alert_mentions_overage(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 600)])
    send_package_alerts([prepaid_customer.contract.id])

    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = notifications.describe(_alerts(accountant.id)[0])

    assert "overage rate" in text.detail


def test_alert_emails_each_recipient(
    app,
    smtp_sink,
    accountant,
    make_user,
    prepaid_customer,
    make_prepaid_customer,
    make_package,
    issue_draws,
):
    admin, _plain, _outsider = _setup(
        make_user, prepaid_customer, make_prepaid_customer
    )
    package = make_package(prepaid_customer.contract, minutes=600, name="Pacchetto A")
    issue_draws(prepaid_customer.customer, [(package, 460)])

    send_package_alerts([prepaid_customer.contract.id])

    recipients = sorted(message["To"] for message in smtp_sink.messages)
    assert recipients == sorted([accountant.email, admin.email])
    by_recipient = {message["To"]: message for message in smtp_sink.messages}
    customer_mail = by_recipient[admin.email]
    assert "Pacchetto A" in customer_mail["Subject"]
    body = customer_mail.get_body(("plain",)).get_content()
    assert "/portal/dashboard" in body
    assert accountant.email not in customer_mail.as_string()
    assert all(alert.emailed_at is not None for alert in _alerts())


def test_no_email_without_smtp(
    app, accountant, prepaid_customer, make_package, issue_draws
):
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 460)])

    send_package_alerts([prepaid_customer.contract.id])

    assert [alert.emailed_at for alert in _alerts()] == [None]


def test_no_contracts_no_alerts(app):
    assert send_package_alerts([]) == 0
