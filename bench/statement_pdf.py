"""Measure the render time and peak memory of statement PDFs of 50 to 5,000 lines.

The script fills a SQLite database in a temporary directory with one issued
statement per size. Each has priced items over a few hundred tickets, a
prepaid package movement, an adjustment, VAT and the requested number of
detail lines, of which about one in twenty is a resource. Each statement is
then rendered in a child process of its own, pinned to one CPU core, which
prints the time of each step (Jinja template, WeasyPrint layout, PDF writing)
and its peak resident memory (VmHWM from /proc/self/status). Nothing is
asserted: the figures are printed.

--variant cells renders the same rows the naive way instead, one bordered
table cell per value, so the cost of the template can be compared.

Usage: .venv/bin/python bench/statement_pdf.py [--sizes 50,500,5000] [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import selectinload

from portal import create_app
from portal.demo import WORK_DESCRIPTIONS
from portal.extensions import db
from portal.models import (
    Contract,
    Customer,
    ItemKind,
    PdfStatus,
    PrepaidPackage,
    Role,
    Statement,
    StatementItem,
    StatementLine,
    StatementPackageLine,
    User,
)

SEED = 11
GOALS = {500: 1.5, 5000: 10.0}
GOAL_PEAK_MB = 400
LINES_PER_TICKET = 12
# One detail line in RESOURCE_EVERY is a resource (kilometres, material, call-out).
RESOURCE_EVERY = 20
AGENTS = ("Luca Bianchi", "Giulia Rossi", "Marco Esposito", "Sara Romano")
ACTIVITIES = (
    ("Assistenza remota", Decimal("60.00")),
    ("Intervento in sede", Decimal("75.00")),
    ("Sviluppo", Decimal("90.00")),
)
OTHER_ACTIVITY_SHARE = 0.25
DESCRIPTIONS = list(itertools.chain.from_iterable(WORK_DESCRIPTIONS.values()))
ROUNDING_MINUTES = 15
VAT_RATE = Decimal("22")
CENT = Decimal("0.01")


@dataclass
class RenderResult:
    lines: int
    pages: int
    pdf_bytes: int
    template_s: float
    layout_s: float
    write_s: float
    total_s: float
    cpu_s: float
    rss_before_mb: float
    peak_mb: float


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="50,500,5000",
        help="comma-separated numbers of detail lines (default: 50,500,5000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="renders per size, each in a new child"
    )
    parser.add_argument(
        "--language", choices=("it", "en"), default="it", help="statement language"
    )
    parser.add_argument(
        "--pdf-dir", type=Path, help="also write each rendered PDF to this folder"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--variant",
        choices=("aligned", "cells"),
        default="aligned",
        help="the project's template (aligned) or a naive table of cells",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        help="CPU core the children are pinned to (default: the first allowed one)",
    )
    # Internal: the child process that renders one statement.
    parser.add_argument("--child-database", help=argparse.SUPPRESS)
    parser.add_argument("--child-statement", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-variant", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})


# Data.


def fill(app: Flask, sizes: list[int], language: str) -> dict[int, int]:
    """Create the schema and one statement per size; return their ids by size."""
    rng = random.Random(SEED)
    with app.app_context():
        upgrade()
        customer = Customer(
            name="Ferramenta Bellè Snc",
            vat_number="IT09876543210",
            address="Corso Novara 12, 10152 Torino",
            language=language,
        )
        accountant = User(
            name="Anna Conti",
            email="anna.conti@example.com",
            password_hash="-",
            role=Role.ACCOUNTS,
        )
        contract = Contract(
            customer=customer,
            name="Contratto assistenza",
            hourly_rate=Decimal("60.00"),
            currency="EUR",
            valid_from=date(2026, 1, 1),
        )
        package = PrepaidPackage(
            contract=contract,
            name="Monte ore 2026",
            minutes_bought=6000,
            purchase_date=date(2026, 1, 1),
            expiry_date=date(2026, 12, 31),
            price=Decimal("5400.00"),
        )
        db.session.add_all([customer, accountant, contract, package])
        db.session.flush()

        ids = {}
        for sequence, size in enumerate(sizes, start=1):
            statement = _statement(rng, size, sequence, customer, accountant, package)
            db.session.add(statement)
            db.session.flush()
            ids[size] = statement.id
        db.session.commit()
        return ids


def _statement(
    rng: random.Random,
    size: int,
    sequence: int,
    customer: Customer,
    accountant: User,
    package: PrepaidPackage,
) -> Statement:
    lines = _detail_lines(rng, size)
    items = _labour_items(lines) + _resource_items(lines)
    items.append(
        StatementItem(
            kind=ItemKind.ADJUSTMENT,
            activity="Rettifica",
            description="Ore di ottobre fatturate due volte sul ticket ASS-1003",
            amount=Decimal("-120.00"),
            refers_to_number="2026/0001",
        )
    )
    for position, item in enumerate(items, start=1):
        item.position = position
    subtotal = sum((item.amount for item in items), Decimal("0.00"))
    vat = (subtotal * VAT_RATE / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    labour = [item for item in items if item.kind == ItemKind.LABOUR]

    statement = Statement(
        customer_id=customer.id,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=sequence,
        number=f"2026/{sequence:04d}",
        language=customer.language,
        currency="EUR",
        total_minutes=sum(item.billed_minutes for item in labour),
        raw_minutes=sum(item.raw_minutes for item in labour),
        subtotal_amount=subtotal,
        vat_rate=VAT_RATE,
        vat_amount=vat,
        vat_note="Operazione soggetta a IVA ordinaria.",
        total_amount=subtotal + vat,
        customer_name=customer.name,
        customer_address=customer.address,
        customer_vat_number=customer.vat_number,
        pdf_status=PdfStatus.PENDING,
        issued_by_id=accountant.id,
        issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    statement.lines = lines
    statement.items = items
    statement.package_lines = [
        StatementPackageLine(
            position=1,
            package_id=package.id,
            package_name=package.name,
            purchase_date=package.purchase_date,
            expiry_date=package.expiry_date,
            minutes_bought=package.minutes_bought,
            opening_minutes=4200,
            consumed_minutes=900,
            closing_minutes=3300,
        )
    ]
    return statement


def _detail_lines(rng: random.Random, size: int) -> list[StatementLine]:
    lines = []
    for position in range(1, size + 1):
        ticket = 1000 + (position - 1) // LINES_PER_TICKET
        common = {
            "position": position,
            "ticket_key": f"ASS-{ticket}",
            "ticket_title": f"Richiesta {ticket}: " + rng.choice(DESCRIPTIONS)[:60],
            "work_date": date(2026, 11, rng.randint(1, 30)),
            "agent_name": rng.choice(AGENTS),
            "description": rng.choice(DESCRIPTIONS),
        }
        if position % RESOURCE_EVERY == 0:
            lines.append(_resource_line(rng, common))
            continue
        raw = rng.randint(5, 180)
        billed = -(-raw // ROUNDING_MINUTES) * ROUNDING_MINUTES
        # Most of a ticket's work is of one activity, the rest of any.
        activity, _rate = ACTIVITIES[ticket % len(ACTIVITIES)]
        if rng.random() < OTHER_ACTIVITY_SHARE:
            activity, _rate = rng.choice(ACTIVITIES)
        lines.append(
            StatementLine(
                **common,
                kind=ItemKind.LABOUR,
                activity=activity,
                minutes=billed,
                raw_minutes=raw,
            )
        )
    return lines


def _resource_line(rng: random.Random, common: dict) -> StatementLine:
    kind = rng.choice([ItemKind.MILEAGE, ItemKind.MATERIAL, ItemKind.CALL_OUT])
    quantity = {
        ItemKind.MILEAGE: Decimal(rng.randint(5, 90)),
        ItemKind.MATERIAL: Decimal(rng.randint(1, 4)),
        ItemKind.CALL_OUT: Decimal(1),
    }[kind]
    labels = {
        ItemKind.MILEAGE: "Chilometri",
        ItemKind.MATERIAL: "Materiale",
        ItemKind.CALL_OUT: "Uscita",
    }
    return StatementLine(
        **common,
        kind=kind,
        # The resource entry itself is not needed to print the line.
        resource_entry_id=None,
        activity=labels[kind],
        minutes=0,
        raw_minutes=0,
        quantity=quantity,
    )


def _labour_items(lines: list[StatementLine]) -> list[StatementItem]:
    """Price the labour lines per ticket and activity, as issuing does."""
    rates = dict(ACTIVITIES)
    groups: dict[tuple[str, str], list[StatementLine]] = defaultdict(list)
    for line in lines:
        if line.kind == ItemKind.LABOUR:
            groups[(line.ticket_key, line.activity)].append(line)
    items = []
    for (ticket_key, activity), group in groups.items():
        billed = sum(line.minutes for line in group)
        rate = rates[activity]
        items.append(
            StatementItem(
                kind=ItemKind.LABOUR,
                contract_name="Contratto assistenza",
                ticket_key=ticket_key,
                ticket_title=group[0].ticket_title,
                activity=activity,
                raw_minutes=sum(line.raw_minutes for line in group),
                billed_minutes=billed,
                unit_price=rate,
                amount=(Decimal(billed) * rate / 60).quantize(
                    CENT, rounding=ROUND_HALF_UP
                ),
            )
        )
    return items


def _resource_items(lines: list[StatementLine]) -> list[StatementItem]:
    prices = {
        ItemKind.MILEAGE: Decimal("0.45"),
        ItemKind.MATERIAL: Decimal("18.50"),
        ItemKind.CALL_OUT: Decimal("35.00"),
    }
    totals: dict[ItemKind, Decimal] = defaultdict(Decimal)
    labels = {}
    for line in lines:
        if line.kind in prices:
            totals[line.kind] += line.quantity
            labels[line.kind] = line.activity
    return [
        StatementItem(
            kind=kind,
            activity=labels[kind],
            quantity=quantity,
            unit_price=prices[kind],
            amount=(quantity * prices[kind]).quantize(CENT, rounding=ROUND_HALF_UP),
        )
        for kind, quantity in totals.items()
    ]


# The child: one render.


def render_child(args: argparse.Namespace) -> None:
    """Render one statement and print a JSON line with the timings and memory."""
    from portal.services.pdf import layout_pdf, statement_html
    from portal.services.statement_document import build_document, check_footing

    app = build_app(args.child_database)
    with app.app_context():
        statement = db.session.get(
            Statement,
            args.child_statement,
            options=[
                selectinload(Statement.items),
                selectinload(Statement.lines),
                selectinload(Statement.package_lines),
            ],
        )
        rss_before = _memory_mb("VmRSS")
        cpu_start = time.process_time()
        start = time.perf_counter()
        document = build_document(statement)
        check_footing(document)
        if args.child_variant == "cells":
            html, page_css = naive_html(document)
        else:
            html, page_css = statement_html(document)
        templated = time.perf_counter()
        laid_out = layout_pdf(html, page_css)
        laid_out_at = time.perf_counter()
        pdf = laid_out.write_pdf()
        end = time.perf_counter()
        cpu = time.process_time() - cpu_start

    if args.child_output:
        args.child_output.write_bytes(pdf)
    result = RenderResult(
        lines=len(statement.lines),
        pages=len(laid_out.pages),
        pdf_bytes=len(pdf),
        template_s=templated - start,
        layout_s=laid_out_at - templated,
        write_s=end - laid_out_at,
        total_s=end - start,
        cpu_s=cpu,
        rss_before_mb=rss_before,
        peak_mb=_memory_mb("VmHWM"),
    )
    print(json.dumps(asdict(result)))


# The naive layout, for comparison: a cell per value with a border below it,
# as the statement template had before the aligned paragraphs.
NAIVE_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="css/pdf.css"><style>
table { width: 100%; border-collapse: collapse; margin-bottom: 4mm; font-size: 8pt; }
thead { display: table-header-group; }
th, td { border-bottom: 0.2mm solid #c9d0da; padding: 1mm; text-align: left; }
tr { break-inside: avoid; }
td.n { text-align: right; }
</style></head><body>
<h1>{{ statement.number }}</h1>
<table><thead><tr><th>Ticket</th><th>Activity</th><th>Worked</th><th>Billed</th>
<th>Rate</th><th>Factor</th><th>Amount</th></tr></thead><tbody>
{% for group in document.labour %}{% for item in group.items %}<tr>
<td>{{ group.ticket_key }} {{ group.ticket_title }}</td><td>{{ item.activity }}</td>
<td class="n">{{ item.raw_minutes|hmm }}</td>
<td class="n">{{ item.billed_minutes|hmm }}</td>
<td class="n">{{ item.unit_price|money }}</td><td class="n">{{ item.multiplier }}</td>
<td class="n">{{ item.amount|money }}</td></tr>{% endfor %}{% endfor %}
</tbody></table>
<table><thead><tr><th>Date</th><th>Ticket</th><th>Agent</th><th>Activity</th>
<th>Description</th><th>Worked</th><th>Billed</th></tr></thead><tbody>
{% for group in document.time_lines %}{% for line in group.lines %}<tr>
<td>{{ line.work_date|day }}</td><td>{{ line.ticket_key }}</td>
<td>{{ line.agent_name }}</td>
<td>{{ line.activity }}</td><td>{{ line.description }}</td>
<td class="n">{{ line.raw_minutes|hmm }}</td><td class="n">{{ line.minutes|hmm }}</td>
</tr>{% endfor %}{% endfor %}
</tbody></table></body></html>"""


def naive_html(document) -> tuple[str, str]:
    """Return the naive table layout of the document and a page counter."""
    from flask import render_template_string
    from flask_babel import force_locale

    with force_locale(document.statement.language):
        html = render_template_string(
            NAIVE_TEMPLATE, document=document, statement=document.statement
        )
    return (
        html,
        "@page { @bottom-right { content: counter(page) ' / ' counter(pages) } }",
    )


def _memory_mb(field: str) -> float:
    """Read a memory figure of this process from /proc, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for row in status:
            if row.startswith(field + ":"):
                return int(row.split()[1]) / 1024
    # Without /proc, fall back to the peak that getrusage reports in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The parent: data, children, report.


def run_child(
    database_url: str, statement_id: int, cpu: int, output: Path | None, variant: str
) -> RenderResult:
    command = [
        sys.executable,
        __file__,
        "--child-database",
        database_url,
        "--child-statement",
        str(statement_id),
        "--child-variant",
        variant,
    ]
    if output is not None:
        command += ["--child-output", str(output)]
    completed = subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    return RenderResult(**json.loads(completed.stdout.strip().splitlines()[-1]))


def report(results: dict[int, list[RenderResult]]) -> None:
    print(
        f"{'lines':>6} {'pages':>5} {'template':>9} {'layout':>8} {'write':>7} "
        f"{'total':>7} {'cpu':>7} {'rss before':>10} {'peak':>8} {'PDF':>8}  goal"
    )
    for size, runs in results.items():
        best = min(runs, key=lambda run: run.total_s)
        totals = [run.total_s for run in runs]
        goal = GOALS.get(size)
        verdict = ""
        if goal is not None:
            met = best.total_s <= goal and best.peak_mb <= GOAL_PEAK_MB
            verdict = f"{goal:.1f} s, {GOAL_PEAK_MB} MiB: {'met' if met else 'MISSED'}"
        print(
            f"{best.lines:>6} {best.pages:>5} {best.template_s:>8.2f}s "
            f"{best.layout_s:>7.2f}s {best.write_s:>6.2f}s {best.total_s:>6.2f}s "
            f"{best.cpu_s:>6.2f}s {best.rss_before_mb:>7.0f} MiB "
            f"{best.peak_mb:>4.0f} MiB {best.pdf_bytes / 1024:>5.0f} KiB  {verdict}"
        )
        if len(runs) > 1:
            print(
                f"{'':>6} {len(runs)} runs: median {statistics.median(totals):.2f} s, "
                f"max {max(totals):.2f} s"
            )


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.child_database:
        render_child(args)
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    if args.pdf_dir:
        args.pdf_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="statement-pdf-bench-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        started = time.perf_counter()
        ids = fill(build_app(database_url), sizes, args.language)
        print(
            f"filled {len(sizes)} statements in {time.perf_counter() - started:.1f} s"
        )
        print(
            f"rendering each with the {args.variant} template in a child process "
            f"pinned to CPU {cpu}"
        )
        results: dict[int, list[RenderResult]] = {}
        for size in sizes:
            output = args.pdf_dir / f"statement-{size}.pdf" if args.pdf_dir else None
            results[size] = [
                run_child(database_url, ids[size], cpu, output, args.variant)
                for _ in range(args.repeat)
            ]
    report(results)
    if args.json:
        args.json.write_text(
            json.dumps(
                {size: [asdict(run) for run in runs] for size, runs in results.items()},
                indent=2,
            )
        )


if __name__ == "__main__":
    main(sys.argv[1:])
