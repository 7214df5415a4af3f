"""Accounts pages of prepaid hours: balances at a date and a contract's packages."""

from __future__ import annotations

import logging
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import bp
from portal.accounts.package_forms import BalanceDateForm, PackageForm
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import user_today
from portal.models import BillingModel, Contract, PrepaidPackage
from portal.services import prepaid_packages
from portal.services.billing_rules import ALERT_THRESHOLDS
from portal.services.prepaid import contract_balance, prepaid_contracts

logger = logging.getLogger(__name__)


def _balance_date() -> tuple[BalanceDateForm, date, int]:
    """Read the balance date from the query string; default and fallback are today.

    Returns the form, the date to show and the status: 422 when the typed
    date is invalid, so its error shows beside the field.
    """
    today = user_today()
    if "on" not in request.args:
        return BalanceDateForm(formdata=None, on=today), today, 200
    form = BalanceDateForm(formdata=request.args)
    if not form.validate() or form.on.data is None:
        if not form.on.errors:
            form.on.errors = [_("Enter the date of the balance.")]
        return form, today, 422
    return form, form.on.data, 200


@bp.get("/prepaid")
def prepaid():
    """List every prepaid contract with its package balance at the chosen date."""
    form, as_of, status = _balance_date()
    balances = [contract_balance(contract, as_of) for contract in prepaid_contracts()]
    html = render_template(
        "accounts/prepaid.html",
        form=form,
        as_of=as_of,
        balances=balances,
        thresholds=ALERT_THRESHOLDS,
    )
    return html, status


@bp.get("/prepaid/contracts/<int:contract_id>")
def prepaid_contract(contract_id: int):
    """Show a prepaid contract's packages, balance at a date and alerts."""
    contract = _prepaid_contract_or_404(contract_id)
    form, as_of, status = _balance_date()
    balance = contract_balance(contract, as_of)
    ids = [package.id for package in contract.packages]
    html = render_template(
        "accounts/prepaid_contract.html",
        form=form,
        contract=contract,
        balance=balance,
        later_packages=[p for p in contract.packages if p.purchase_date > as_of],
        drawn_ids=prepaid_packages.drawn_package_ids(ids),
        listed_ids=prepaid_packages.listed_package_ids(ids),
        thresholds=ALERT_THRESHOLDS,
    )
    return html, status


@bp.route("/prepaid/contracts/<int:contract_id>/packages/new", methods=["GET", "POST"])
def new_package(contract_id: int):
    """Add a package to a prepaid contract."""
    contract = _prepaid_contract_or_404(contract_id)
    form = PackageForm()
    if request.method == "GET":
        form = PackageForm(formdata=None, purchase_date=user_today())
    if not form.validate_on_submit():
        return _render_package_form(contract, form, None)
    try:
        package = prepaid_packages.add_package(
            current_user._get_current_object(), contract, form.package_data()
        )
    except prepaid_packages.PackageFieldError as error:
        form.add_error(error)
        return _render_package_form(contract, form, None)
    db.session.commit()
    flash(_("Package %(name)s added.", name=package.name), "success")
    return redirect(url_for("accounts.prepaid_contract", contract_id=contract.id), 303)


@bp.route("/prepaid/packages/<int:package_id>/edit", methods=["GET", "POST"])
def edit_package(package_id: int):
    """Change a package while no statement has drawn from it."""
    package = _package_or_404(package_id)
    contract = package.contract
    if prepaid_packages.is_drawn(package):
        raise DomainError(
            _(
                "Statements have already drawn hours from this package, so it "
                "can no longer be changed."
            ),
            409,
        )
    form = (
        PackageForm() if request.method == "POST" else PackageForm.for_package(package)
    )
    if not form.validate_on_submit():
        return _render_package_form(contract, form, package)
    try:
        prepaid_packages.update_package(
            current_user._get_current_object(), package, form.package_data()
        )
    except prepaid_packages.PackageFieldError as error:
        form.add_error(error)
        return _render_package_form(contract, form, package)
    db.session.commit()
    flash(_("Package %(name)s saved.", name=package.name), "success")
    return redirect(url_for("accounts.prepaid_contract", contract_id=contract.id), 303)


@bp.route("/prepaid/packages/<int:package_id>/delete", methods=["GET", "POST"])
def delete_package(package_id: int):
    """Confirm, then delete a package no statement refers to."""
    package = _package_or_404(package_id)
    contract_id = package.contract_id
    if request.method == "GET":
        return render_template(
            "accounts/package_delete.html",
            package=package,
            deletable=prepaid_packages.is_deletable(package),
        )
    name = package.name
    prepaid_packages.delete_package(current_user._get_current_object(), package)
    db.session.commit()
    flash(_("Package %(name)s deleted.", name=name), "success")
    return redirect(url_for("accounts.prepaid_contract", contract_id=contract_id), 303)


def _render_package_form(
    contract: Contract, form: PackageForm, package: PrepaidPackage | None
) -> tuple[str, int]:
    status = 422 if form.errors else 200
    html = render_template(
        "accounts/package_form.html", contract=contract, form=form, package=package
    )
    return html, status


def _prepaid_contract_or_404(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.billing_model != BillingModel.PREPAID:
        logger.info("prepaid contract %s not found", contract_id)
        abort(404)
    return contract


def _package_or_404(package_id: int) -> PrepaidPackage:
    package = db.session.get(PrepaidPackage, package_id)
    if package is None:
        logger.info("prepaid package %s not found", package_id)
        abort(404)
    return package
