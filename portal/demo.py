"""Demo data: a small Italian IT support company with three months of logged time.

The data is generated from a fixed random seed and placed relative to today, so
every run on the same day builds the same company and the time log always ends
today. Approved entries are left unbilled so that the first statements can be
issued during the demo.

Each customer has one of the three billing models: time and materials with
per-activity rates, a monthly fee with included hours, and prepaid hour
packages sized so that the statements of past months use up the first package
and leave the second near its 90% alert.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    ActivityType,
    BillingModel,
    Category,
    Contract,
    ContractRate,
    ContractSlaTarget,
    Customer,
    EntryStatus,
    PrepaidPackage,
    Role,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    TimeEntry,
    User,
)
from portal.services.billing_rules import RoundingDirection, RoundingScope
from portal.services.billing_terms import billed_minutes_by_entry

SEED = 20260901
# Thirteen weeks (about three months) of time log, up to today.
PERIOD_DAYS = 91
TICKET_COUNT = 60
FIRST_TICKET_NUMBER = 1001
# The newest tickets have just been opened: no response and no time logged yet.
UNTOUCHED_TICKETS = 2

# (code, name_it, name_en)
CATEGORIES = [
    ("network", "Rete", "Network"),
    ("printing", "Stampa", "Printing"),
    ("accounting-software", "Software gestionale", "Accounting software"),
    ("hardware", "Hardware", "Hardware"),
    ("email", "Posta elettronica", "E-mail"),
    ("access-rights", "Permessi di accesso", "Access rights"),
    ("backup", "Backup", "Backup"),
]

# (code, name_it, name_en, is_billable, position)
ACTIVITY_TYPES = [
    ("remote-support", "Assistenza remota", "Remote support", True, 10),
    ("on-site", "Intervento on-site", "On-site support", True, 20),
    ("phone", "Telefono", "Phone", True, 30),
    ("analysis", "Analisi", "Analysis", True, 40),
    ("development", "Sviluppo", "Development", True, 50),
    ("travel", "Trasferta", "Travel", False, 60),
]
# Activities done at the customer's site, which contracts charge a call-out fee for.
ON_SITE_ACTIVITIES = frozenset({"on-site"})


@dataclass(frozen=True)
class DemoTerms:
    """The billing terms of a demo contract, named as the Contract columns."""

    billing_model: BillingModel
    rounding_increment: int
    rounding_direction: RoundingDirection
    rounding_scope: RoundingScope
    minimum_minutes: int = 0
    call_out_fee: Decimal | None = None
    rate_per_km: Decimal | None = None
    overage_rate: Decimal | None = None
    monthly_fee: Decimal | None = None
    monthly_included_minutes: int | None = None
    evening_multiplier: Decimal = Decimal("1.00")
    night_multiplier: Decimal = Decimal("1.00")
    saturday_multiplier: Decimal = Decimal("1.00")
    sunday_multiplier: Decimal = Decimal("1.00")
    holiday_multiplier: Decimal = Decimal("1.00")


@dataclass(frozen=True)
class DemoRate:
    """A contract rate, from the contract's start or from the current month."""

    activity: str
    hourly_rate: Decimal
    level: str = ""
    from_current_month: bool = False


# A workshop that calls technicians out: every hour billed, rounded up to the
# quarter hour with a half-hour minimum, surcharges after hours.
WORKSHOP_TERMS = DemoTerms(
    billing_model=BillingModel.TIME_AND_MATERIALS,
    rounding_increment=15,
    rounding_direction=RoundingDirection.UP,
    rounding_scope=RoundingScope.PER_ENTRY,
    minimum_minutes=30,
    call_out_fee=Decimal("35.00"),
    rate_per_km=Decimal("0.45"),
    evening_multiplier=Decimal("1.25"),
    night_multiplier=Decimal("1.50"),
    saturday_multiplier=Decimal("1.50"),
    sunday_multiplier=Decimal("2.00"),
    holiday_multiplier=Decimal("2.00"),
)
WORKSHOP_RATES = (
    DemoRate("remote-support", Decimal("55.00")),
    DemoRate("on-site", Decimal("65.00")),
    DemoRate("on-site", Decimal("75.00"), level="senior"),
    DemoRate("phone", Decimal("45.00")),
    DemoRate("analysis", Decimal("60.00")),
    DemoRate("development", Decimal("70.00")),
    # The yearly price list update, so the rates page shows a replaced rate.
    DemoRate("remote-support", Decimal("58.00"), from_current_month=True),
)
# A hotel open every day: a monthly fee with 40 hours included, half-hour
# rounding of each ticket's day, surcharges at night, on Sundays and holidays.
HOTEL_TERMS = DemoTerms(
    billing_model=BillingModel.MONTHLY_FEE,
    rounding_increment=30,
    rounding_direction=RoundingDirection.UP,
    rounding_scope=RoundingScope.PER_TICKET_DAY,
    rate_per_km=Decimal("0.50"),
    overage_rate=Decimal("62.50"),
    monthly_fee=Decimal("1900.00"),
    monthly_included_minutes=40 * 60,
    night_multiplier=Decimal("1.50"),
    sunday_multiplier=Decimal("1.30"),
    holiday_multiplier=Decimal("1.50"),
)
# A law firm that buys hours in advance and is billed in tenths of an hour.
LAW_FIRM_TERMS = DemoTerms(
    billing_model=BillingModel.PREPAID,
    rounding_increment=6,
    rounding_direction=RoundingDirection.UP,
    rounding_scope=RoundingScope.PER_ENTRY,
    call_out_fee=Decimal("30.00"),
    rate_per_km=Decimal("0.45"),
    overage_rate=Decimal("70.00"),
)
# Prepaid packages: the price of a prepaid hour, and the package sizes'
# rounding step, smallest size and target use after past months' statements.
PACKAGE_HOUR_PRICE = Decimal("65.00")
PACKAGE_STEP_HOURS = 5
PACKAGE_MIN_HOURS = 10
SECOND_PACKAGE_TARGET_USE = Decimal("0.87")


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    vat_number: str
    address: str
    language: str
    hourly_rate: Decimal
    contract_name: str
    # False counts SLA clocks in calendar time, e.g. for a hotel open every day.
    sla_business_hours: bool = True
    terms: DemoTerms = field(kw_only=True)
    rates: tuple[DemoRate, ...] = field(default=(), kw_only=True)


# VAT numbers are made up but carry a valid Italian check digit.
CUSTOMERS = [
    DemoCustomer(
        "Officine Meccaniche Ferraro S.r.l.",
        "IT02841750983",
        "Via dell'Artigianato 12, 25030 Castel Mella (BS)",
        "it",
        Decimal("55.00"),
        "Contratto di assistenza annuale",
        terms=WORKSHOP_TERMS,
        rates=WORKSHOP_RATES,
    ),
    DemoCustomer(
        "Lakeside Hospitality Italia S.r.l.",
        "IT07539120175",
        "Lungolago Zanardelli 21, 25087 Salò (BS)",
        "en",
        Decimal("62.50"),
        "Annual support contract",
        sla_business_hours=False,
        terms=HOTEL_TERMS,
    ),
    DemoCustomer(
        "Studio Legale Conti & Associati",
        "IT03918460217",
        "Corso Vittorio Emanuele II 48, 10123 Torino (TO)",
        "it",
        Decimal("70.00"),
        "Monte ore di assistenza",
        terms=LAW_FIRM_TERMS,
    ),
]
# The customer whose contract is prepaid, as an index into CUSTOMERS.
PREPAID_CUSTOMER = 2


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    name: str
    email: str
    password: str
    language: str = "it"
    # Index into CUSTOMERS for customer users.
    customer: int | None = None
    # The level that contract rates may depend on, for users who log time.
    level: str = ""


# README.md lists these logins, and tests/test_demo.py checks that the two agree.
LOGINS = [
    DemoLogin(
        Role.AGENT,
        "Marco Rossi",
        "agent@example.com",
        "demo-agent-2026",
        level="senior",
    ),
    DemoLogin(
        Role.AGENT,
        "Giulia Esposito",
        "giulia.esposito@example.com",
        "demo-giulia-2026",
        level="junior",
    ),
    DemoLogin(
        Role.AGENT,
        "Luca Ricci",
        "luca.ricci@example.com",
        "demo-luca-2026",
        level="senior",
    ),
    DemoLogin(
        Role.AGENT,
        "Francesca Romano",
        "francesca.romano@example.com",
        "demo-francesca-2026",
        level="junior",
    ),
    DemoLogin(
        Role.APPROVER,
        "Laura Bianchi",
        "lead@example.com",
        "demo-lead-2026",
        level="senior",
    ),
    DemoLogin(
        Role.ACCOUNTS, "Paolo Greco", "accounts@example.com", "demo-accounts-2026"
    ),
    DemoLogin(Role.ADMIN, "Elena Colombo", "admin@example.com", "demo-admin-2026"),
    DemoLogin(
        Role.CUSTOMER,
        "Giorgio Ferraro",
        "ferraro@example.com",
        "demo-ferraro-2026",
        customer=0,
    ),
    DemoLogin(
        Role.CUSTOMER,
        "Davide Marino",
        "lakeside@example.com",
        "demo-lakeside-2026",
        language="en",
        customer=1,
    ),
    DemoLogin(
        Role.CUSTOMER,
        "Chiara Conti",
        "conti@example.com",
        "demo-conti-2026",
        customer=2,
    ),
]

TICKET_TITLES = {
    "network": [
        "VPN si disconnette ogni ora",
        "Rete Wi-Fi della sala riunioni lenta",
        "Il PC della reception non vede la cartella condivisa",
        "Il firewall blocca l'accesso al portale fornitori",
        "Connessione Internet assente in magazzino",
        "Switch del secondo piano da sostituire",
        "Configurare la VPN per un nuovo collaboratore",
        "Telefoni VoIP con audio a intermittenza",
    ],
    "printing": [
        "Stampante del secondo piano non stampa",
        "La multifunzione non invia le scansioni via e-mail",
        "Stampe a colori sbiadite nell'ufficio tecnico",
        "Coda di stampa bloccata sul server",
        "Installare la nuova stampante in amministrazione",
        "L'etichettatrice del magazzino stampa caratteri illeggibili",
        "Inceppamento ricorrente nel cassetto 2",
    ],
    "accounting-software": [
        "Errore di quadratura nel gestionale",
        "Fatture elettroniche scartate dal Sistema di Interscambio",
        "Aggiornamento annuale del gestionale",
        "Il gestionale è lentissimo all'apertura delle commesse",
        "Liquidazione IVA trimestrale con totali errati",
        "Nuovo utente da abilitare al modulo contabilità",
        "Errore nella stampa dei DDT dal gestionale",
        "Importazione dell'estratto conto bancario non riuscita",
    ],
    "hardware": [
        "Il portatile non si accende dopo l'aggiornamento",
        "Sostituire il disco del PC dell'amministrazione",
        "Monitor con righe verticali",
        "Predisporre due postazioni per i nuovi assunti",
        "Ventola rumorosa sul server in sala CED",
        "L'UPS emette un segnale acustico continuo",
        "Tastiera e mouse senza fili non rispondono",
    ],
    "email": [
        "Casella di posta piena, la posta non arriva",
        "Outlook chiede continuamente la password",
        "I nostri messaggi finiscono nello spam dei clienti",
        "Configurare la posta sul telefono aziendale",
        "Firma aziendale da aggiornare su tutte le caselle",
        "Ricevute molte e-mail di phishing",
        "Migrare l'archivio di posta di un dipendente uscito",
    ],
    "access-rights": [
        "Nuovo dipendente: creare account e accessi",
        "Revocare gli accessi di un collaboratore cessato",
        "Accesso negato alla cartella Contabilità",
        "Password scaduta, utente bloccato",
        "Abilitare l'autenticazione a due fattori per la direzione",
        "Permessi di sola lettura sull'archivio progetti",
        "L'utente non riesce ad accedere al gestionale da remoto",
    ],
    "backup": [
        "Backup notturno fallito",
        "Ripristinare un file cancellato per errore",
        "Verifica periodica del ripristino dal backup",
        "Disco del NAS di backup quasi pieno",
        "Backup del server di posta da configurare",
        "Copia fuori sede non aggiornata da una settimana",
    ],
}

# Work descriptions per ticket category, for remote, on-site and analysis entries.
WORK_DESCRIPTIONS = {
    "network": [
        "Verificata la configurazione del router, è stato necessario aggiornare "
        "il firmware",
        "Analizzati i log della VPN: il timeout di sessione era di 60 minuti, "
        "portato a 8 ore",
        "Sostituito il cavo di rete della postazione e verificata la velocità "
        "della porta",
        "Spostato il punto di accesso Wi-Fi su un canale meno congestionato",
        "Aggiunta una regola sul firewall per il portale del fornitore, l'accesso "
        "ora funziona",
        "Controllata la tabella DHCP: c'erano indirizzi duplicati, ampliato "
        "l'intervallo",
    ],
    "printing": [
        "Reinstallato il driver della stampante e stampata una pagina di prova",
        "Svuotata la coda di stampa sul server e riavviato lo spooler",
        "Pulito il gruppo di trascinamento della carta, l'inceppamento non si è "
        "più ripresentato",
        "Configurato l'invio delle scansioni via e-mail con autenticazione SMTP",
        "Sostituito il toner e tarati i colori, qualità verificata con l'utente",
        "Distribuita la stampante alle postazioni dell'ufficio con i criteri di gruppo",
    ],
    "accounting-software": [
        "Individuata la registrazione che causava l'errore di quadratura, "
        "corretta insieme al commercialista",
        "Aggiornato il gestionale all'ultima versione e verificata l'apertura "
        "degli archivi",
        "Ricostruiti gli indici del database: l'apertura delle commesse è più veloce",
        "Verificato lo scarto dello SdI: il codice destinatario nell'anagrafica "
        "era errato",
        "Creato il nuovo utente nel gestionale con i permessi sulla contabilità",
        "Corretto il modello di stampa dei DDT, mancava la causale del trasporto",
    ],
    "hardware": [
        "Sostituito il disco con un SSD e ripristinata l'immagine del sistema",
        "Eseguita la diagnostica del portatile, è stato necessario sostituire "
        "l'alimentatore",
        "Preparate le postazioni: sistema operativo, antivirus e pacchetto per "
        "l'ufficio",
        "Pulita la ventola del server e controllate le temperature, è tutto "
        "nella norma",
        "Sostituita la batteria dell'UPS e verificata l'autonomia",
        "Monitor ancora in garanzia: aperta la richiesta di sostituzione al produttore",
    ],
    "email": [
        "Archiviata la posta più vecchia di due anni, la casella è tornata sotto "
        "la quota",
        "Ricreato il profilo di Outlook, la richiesta della password non si è più "
        "presentata",
        "Aggiornati i record SPF e DKIM del dominio, i messaggi non finiscono più "
        "nello spam",
        "Configurata la casella sul telefono aziendale e verificato l'invio",
        "Distribuita la nuova firma aziendale su tutte le caselle",
        "Bloccato il mittente di phishing e avvisati gli utenti coinvolti",
    ],
    "access-rights": [
        "Creati l'account di dominio e la casella di posta, assegnati i gruppi "
        "del reparto",
        "Disattivato l'account del collaboratore cessato, la sua posta va al "
        "responsabile",
        "Corretti i permessi NTFS sulla cartella, ora l'utente può accedere",
        "Sbloccato l'account e impostata una password temporanea da cambiare al "
        "primo accesso",
        "Attivata l'autenticazione a due fattori per la direzione, consegnate le "
        "istruzioni",
        "Verificati i gruppi di sicurezza: l'utente non era nel gruppo della VPN",
    ],
    "backup": [
        "Analizzato il backup notturno fallito: il disco di destinazione era "
        "pieno, liberato spazio",
        "Ripristinato il file dalla copia di ieri sera e verificato con l'utente",
        "Eseguita una prova di ripristino completa su una macchina di test, "
        "esito positivo",
        "Sostituito un disco del NAS e avviata la ricostruzione del RAID",
        "Configurato il backup del server di posta con conservazione di 30 giorni",
        "Riallineata la copia fuori sede: la sincronizzazione si era fermata per "
        "una password cambiata",
    ],
}

PHONE_DESCRIPTIONS = [
    "Telefonata con l'utente per raccogliere i dettagli del problema",
    "Richiamato il cliente per verificare che tutto funzioni",
    "Guidato l'utente al telefono, il problema è stato risolto senza intervento",
    "Aggiornato il referente sullo stato dell'intervento",
    "Concordato con il cliente l'orario dell'intervento in sede",
]

TRAVEL_DESCRIPTIONS = [
    "Trasferimento alla sede del cliente",
    "Trasferta andata e ritorno, traffico in tangenziale",
    "Rientro dalla sede del cliente",
]

DEVELOPMENT_DESCRIPTIONS = {
    "accounting-software": [
        "Sviluppata l'esportazione delle commesse in CSV per il commercialista",
        "Modificato il report personalizzato: aggiunti i totali per centro di costo",
    ],
    "backup": [
        "Scritto uno script che verifica l'esito dei backup e invia un riepilogo "
        "via e-mail",
        "Automatizzata la rotazione dei dischi della copia fuori sede",
    ],
    "access-rights": [
        "Scritto uno script per creare gli account dei nuovi assunti da un elenco",
    ],
}

INTERNAL_NOTES = [
    "Cliente poco collaborativo, insistere sul backup",
    "Il titolare preferisce essere chiamato sul cellulare",
    "Hardware fuori garanzia: proporre la sostituzione al prossimo incontro",
    "Problema ricorrente, valutare un intervento strutturale sulla rete",
    "Il referente IT del cliente ha già provato a intervenire da solo",
]

REJECTION_REASONS = [
    "Descrizione troppo generica: indica cosa hai fatto e su quale postazione.",
    "Durata da verificare: l'intervento risulta chiuso prima.",
    "Attività registrata sul ticket sbagliato, spostala sul ticket corretto.",
]

# Italian national holidays on fixed dates. Easter Monday moves, so it is left out.
FIXED_HOLIDAYS = {
    (1, 1),
    (1, 6),
    (4, 25),
    (5, 1),
    (6, 2),
    (8, 15),
    (11, 1),
    (12, 8),
    (12, 25),
    (12, 26),
}

# Duration choices per activity code, in minutes: (min, max, step).
DURATION_STEPS = {
    "phone": (10, 30, 5),
    "remote-support": (15, 120, 15),
    "on-site": (60, 240, 30),
    "analysis": (30, 180, 15),
    "development": (60, 240, 30),
    "travel": (20, 90, 10),
}

# Time one person logs on tickets in a day stays below a full working day.
MAX_DAILY_MINUTES = 7 * 60

# Relative weights of the work activities. Travel is added after on-site visits.
ACTIVITY_WEIGHTS = {
    "remote-support": 46,
    "phone": 20,
    "on-site": 13,
    "analysis": 13,
    "development": 8,
}

# SLA targets per priority, in minutes: (first response, resolution). Business
# hours count the contract's working time, calendar hours every hour.
SLA_TARGETS = {
    TicketPriority.URGENT: (60, 480),
    TicketPriority.HIGH: (240, 960),
    TicketPriority.NORMAL: (480, 2400),
    TicketPriority.LOW: (960, 4800),
}
SLA_TARGETS_CALENDAR = {
    TicketPriority.URGENT: (60, 720),
    TicketPriority.HIGH: (240, 1440),
    TicketPriority.NORMAL: (480, 4320),
    TicketPriority.LOW: (1440, 10080),
}
# Share of tickets with a first response whose response comes hours late.
LATE_RESPONSE_SHARE = 0.2

PRIORITY_WEIGHTS = {
    TicketPriority.LOW: 20,
    TicketPriority.NORMAL: 50,
    TicketPriority.HIGH: 22,
    TicketPriority.URGENT: 8,
}


# Minutes already logged per (agent, work date) while the entries are generated.
_Workload = defaultdict[tuple[User, date], int]


class DemoDataError(RuntimeError):
    """Raised when the database already contains data the demo would collide with."""


@dataclass
class _Company:
    """The objects every ticket and entry refers to."""

    categories: dict[str, Category]
    activities: dict[str, ActivityType]
    customers: list[Customer]
    users: list[User]
    agents: list[User]
    lead: User
    admin: User


@dataclass
class _TicketPlan:
    """A ticket with the working days on which time was logged on it."""

    ticket: Ticket
    category: str
    agent: User
    days: list[date] = field(default_factory=list)


@dataclass
class _Clock:
    """Today and now in the company's time zone, so nothing lands in the future."""

    today: date
    now: datetime
    zone: ZoneInfo

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Return the UTC instant of a local time of day, capped at now."""
        local = datetime.combine(day, time(hour, minute), tzinfo=self.zone)
        return min(local.astimezone(UTC), self.now)


def seed_demo(today: date | None = None) -> str:
    """Add the demo company to the session, flush it, and return a summary line.

    The caller commits. today defaults to the current date in the company's
    time zone (DEFAULT_TIMEZONE).
    """
    _check_database_empty()
    clock = _make_clock(today)
    rng = random.Random(SEED)

    company = _make_company(clock.today)
    plans = _make_tickets(rng, clock, company)
    entries = _make_entries(rng, clock, company, plans)
    _delay_some_responses(clock, plans)

    db.session.add_all(company.categories.values())
    db.session.add_all(company.activities.values())
    db.session.add_all(company.customers)
    db.session.add_all(company.users)
    db.session.add_all(plan.ticket for plan in plans)
    db.session.add_all(entries)
    db.session.flush()
    # Package sizes follow the billed minutes, which need the entries' ids.
    _add_prepaid_packages(clock, company, entries)
    # Imported here: both modules read this module's constants.
    from portal.demo_resources import add_demo_resources
    from portal.demo_sla import add_demo_status_history

    resources = add_demo_resources(clock.today)
    add_demo_status_history(db.session, clock.today)
    db.session.flush()

    first_day = min(entry.work_date for entry in entries)
    summary = (
        f"Demo data loaded: {len(company.customers)} customers, {len(LOGINS)} "
        f"users, {len(plans)} tickets, {len(entries)} time entries and "
        f"{len(resources)} resources from "
        f"{first_day.isoformat()} to {clock.today.isoformat()}."
    )
    return summary


def _check_database_empty() -> None:
    users = db.session.scalar(select(func.count(User.id)))
    customers = db.session.scalar(select(func.count(Customer.id)))
    categories = db.session.scalar(select(func.count(Category.id)))
    if users or customers or categories:
        raise DemoDataError(
            f"The database already has data ({users} users, {customers} customers, "
            f"{categories} categories), and the demo data needs an empty database. "
            "Set DATABASE_URL to a new database, or pass --if-empty to skip loading "
            "when the database has users."
        )


def _make_clock(today: date | None) -> _Clock:
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    if today is None:
        now = datetime.now(UTC)
        today = now.astimezone(zone).date()
    else:
        # A given day is seeded as of 19:00 local time, so no clock is read.
        now = datetime.combine(today, time(19, 0), tzinfo=zone).astimezone(UTC)
    return _Clock(today=today, now=now, zone=zone)


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def _working_days(clock: _Clock) -> list[date]:
    first = clock.today - timedelta(days=PERIOD_DAYS)
    days = (first + timedelta(days=offset) for offset in range(PERIOD_DAYS + 1))
    return [day for day in days if _is_working_day(day)]


def _make_company(today: date) -> _Company:
    categories = {
        code: Category(code=code, name_it=name_it, name_en=name_en)
        for code, name_it, name_en in CATEGORIES
    }
    activities = {
        code: ActivityType(
            code=code,
            name_it=name_it,
            name_en=name_en,
            is_billable=billable,
            is_on_site=code in ON_SITE_ACTIVITIES,
            position=position,
        )
        for code, name_it, name_en, billable, position in ACTIVITY_TYPES
    }
    customers = _make_customers(today, activities)
    users = _make_users(customers)
    # Approvers see only the entries of the teams they approve; the users'
    # relationships add the team to the session.
    Team(
        name="Assistenza clienti",
        members=[user for user in users if user.role == Role.AGENT],
        approvers=[user for user in users if user.role == Role.APPROVER],
    )
    return _Company(
        categories=categories,
        activities=activities,
        customers=customers,
        users=users,
        agents=[user for user in users if user.role == Role.AGENT],
        lead=next(user for user in users if user.role == Role.APPROVER),
        admin=next(user for user in users if user.role == Role.ADMIN),
    )


def _make_customers(today: date, activities: dict[str, ActivityType]) -> list[Customer]:
    contract_start = date(today.year - 1, today.month, 1)
    customers = []
    for spec in CUSTOMERS:
        customer = Customer(
            name=spec.name,
            vat_number=spec.vat_number,
            address=spec.address,
            language=spec.language,
        )
        targets = SLA_TARGETS if spec.sla_business_hours else SLA_TARGETS_CALENDAR
        Contract(
            customer=customer,
            name=spec.contract_name,
            hourly_rate=spec.hourly_rate,
            currency="EUR",
            valid_from=contract_start,
            sla_business_hours=spec.sla_business_hours,
            sla_targets=[
                ContractSlaTarget(
                    priority=priority,
                    first_response_minutes=response,
                    resolution_minutes=resolution,
                )
                for priority, (response, resolution) in targets.items()
            ],
            rates=[
                ContractRate(
                    activity_type=activities[rate.activity],
                    agent_level=rate.level,
                    hourly_rate=rate.hourly_rate,
                    effective_from=(
                        _month_start(today, 0)
                        if rate.from_current_month
                        else contract_start
                    ),
                )
                for rate in spec.rates
            ],
            **asdict(spec.terms),
        )
        customers.append(customer)
    return customers


def _month_start(today: date, months_back: int) -> date:
    """Return the first day of the month months_back months before today's."""
    month_index = today.year * 12 + today.month - 1 - months_back
    return date(month_index // 12, month_index % 12 + 1, 1)


def _add_prepaid_packages(
    clock: _Clock, company: _Company, entries: list[TimeEntry]
) -> None:
    """Give the prepaid contract two packages sized from its billed work.

    The first, bought four months ago, contains at most the work billed before
    last month, so the statements up to then use it up. The second, bought at
    the start of last month, is sized so that last month's statement leaves it
    at most 87% used, near the 90% alert that this month's work then crosses.
    Only approved billable work counts, as on statements. Each package contains
    at least PACKAGE_MIN_HOURS.
    """
    contract = company.customers[PREPAID_CUSTOMER].contracts[0]
    last_month = _month_start(clock.today, 1)
    this_month = _month_start(clock.today, 0)
    billable = [
        entry
        for entry in entries
        if entry.ticket.contract is contract
        and entry.status == EntryStatus.APPROVED
        and entry.is_billable
        and entry.work_date < this_month
    ]
    billed = billed_minutes_by_entry(billable)
    before_last_month = sum(
        billed[entry.id] for entry in billable if entry.work_date < last_month
    )
    in_last_month = sum(
        billed[entry.id] for entry in billable if entry.work_date >= last_month
    )

    first_hours = max(PACKAGE_MIN_HOURS, _round_hours(before_last_month, down=True))
    target = Decimal(in_last_month) / SECOND_PACKAGE_TARGET_USE
    second_hours = max(PACKAGE_MIN_HOURS, _round_hours(target, down=False))
    accounts = next(user for user in company.users if user.role == Role.ACCOUNTS)
    for purchase_date, hours in (
        (_month_start(clock.today, 4), first_hours),
        (last_month, second_hours),
    ):
        contract.packages.append(
            PrepaidPackage(
                name=_package_name(hours, purchase_date),
                minutes_bought=hours * 60,
                purchase_date=purchase_date,
                expiry_date=date(purchase_date.year + 1, purchase_date.month, 1)
                - timedelta(days=1),
                price=PACKAGE_HOUR_PRICE * hours,
                created_by=accounts,
            )
        )


def _round_hours(minutes: Decimal | int, down: bool) -> int:
    """Round minutes to whole hours in steps of PACKAGE_STEP_HOURS, down or up."""
    steps = Decimal(minutes) / (PACKAGE_STEP_HOURS * 60)
    rounding = ROUND_FLOOR if down else ROUND_CEILING
    return int(steps.to_integral_value(rounding=rounding)) * PACKAGE_STEP_HOURS


def _package_name(hours: int, purchase_date: date) -> str:
    """Name a package in Italian, e.g. "Monte ore 100 h – agosto 2026"."""
    month = format_date(purchase_date, "MMMM yyyy", locale="it_IT")
    return f"Monte ore {hours} h – {month}"


def _make_users(customers: list[Customer]) -> list[User]:
    users = []
    for login in LOGINS:
        customer = None if login.customer is None else customers[login.customer]
        user = User(
            name=login.name,
            email=login.email,
            role=login.role,
            level=login.level,
            customer=customer,
            language=login.language,
            timezone="Europe/Rome",
            # Each demo customer login may invite and remove colleagues.
            is_customer_admin=login.role == Role.CUSTOMER,
        )
        user.set_password(login.password)
        users.append(user)
    return users


def _make_tickets(
    rng: random.Random, clock: _Clock, company: _Company
) -> list[_TicketPlan]:
    """Open TICKET_COUNT tickets spread evenly over the period, oldest first."""
    work_days = _working_days(clock)
    decks: dict[str, list[str]] = {}
    plans = []
    for index in range(TICKET_COUNT):
        category = rng.choice(list(TICKET_TITLES))
        position = index * len(work_days) // TICKET_COUNT
        position = min(position + rng.randint(0, 1), len(work_days) - 1)
        untouched = index >= TICKET_COUNT - UNTOUCHED_TICKETS
        if untouched:
            position = len(work_days) - 1
        ticket = Ticket(
            key=f"ASS-{FIRST_TICKET_NUMBER + index}",
            title=_next_title(rng, decks, category),
            customer=rng.choice(company.customers),
            category=company.categories[category],
            priority=rng.choices(
                list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values())
            )[0],
            opened_at=clock.at(
                work_days[position], rng.randint(8, 15), rng.randint(0, 59)
            ),
        )
        ticket.contract = ticket.customer.contracts[0]
        plan = _TicketPlan(ticket, category, rng.choice(company.agents))
        if not untouched:
            life = rng.choice([1, 1, 2, 3, 4, 6, 8, 12, 18])
            plan.days = work_days[position : position + life]
        _set_ticket_progress(rng, clock, plan)
        plans.append(plan)
    return plans


def _next_title(rng: random.Random, decks: dict[str, list[str]], category: str) -> str:
    """Deal titles of a category without repeats until all have been used."""
    deck = decks.get(category)
    if not deck:
        deck = list(TICKET_TITLES[category])
        rng.shuffle(deck)
        decks[category] = deck
    return deck.pop()


def _set_ticket_progress(rng: random.Random, clock: _Clock, plan: _TicketPlan) -> None:
    """Set status, first response and resolution from the days worked on it."""
    ticket = plan.ticket
    if not plan.days:
        ticket.status = TicketStatus.OPEN
        return

    response_delay = timedelta(minutes=rng.randint(10, 120))
    ticket.first_response_at = min(ticket.opened_at + response_delay, clock.now)
    idle_days = (clock.today - plan.days[-1]).days
    if idle_days < 4:
        ticket.status = rng.choice(
            [TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.IN_PROGRESS]
        )
        return
    if idle_days < 30 and rng.random() < 0.15:
        # Some recent tickets still wait for the customer to reply.
        ticket.status = TicketStatus.WAITING
        return

    ticket.status = TicketStatus.CLOSED if idle_days > 14 else TicketStatus.RESOLVED
    resolved_at = clock.at(plan.days[-1], rng.randint(16, 18), rng.randint(0, 59))
    ticket.resolved_at = max(resolved_at, ticket.first_response_at)


def _delay_some_responses(clock: _Clock, plans: list[_TicketPlan]) -> None:
    """Delay the first response of some tickets by hours, so SLA pages show breaches.

    A random generator of its own leaves every other demo value unchanged. A
    delayed response never comes after the resolution or after now.
    """
    rng = random.Random(SEED + 1)
    for plan in plans:
        ticket = plan.ticket
        if ticket.first_response_at is None or rng.random() >= LATE_RESPONSE_SHARE:
            continue
        late = ticket.opened_at + timedelta(minutes=rng.randint(150, 1500))
        ticket.first_response_at = min(late, ticket.resolved_at or clock.now, clock.now)


def _make_entries(
    rng: random.Random, clock: _Clock, company: _Company, plans: list[_TicketPlan]
) -> list[TimeEntry]:
    """Log time on every worked ticket: a first phone contact, then the work."""
    workload: _Workload = defaultdict(int)
    entries = []
    for plan in plans:
        if not plan.days:
            continue
        minutes = _pick_minutes(rng, "phone")
        workload[plan.agent, plan.days[0]] += minutes
        entries.append(
            _make_entry(rng, company, plan, plan.days[0], plan.agent, "phone", minutes)
        )
        # Short tickets get fewer entries, so nobody logs a day's work on one.
        work_count = min(rng.randint(8, 12), 4 * len(plan.days))
        for _ in range(work_count):
            entries.extend(_log_work(rng, company, plan, workload))

    for entry in entries:
        _set_entry_status(rng, clock, company, entry)
    return entries


def _log_work(
    rng: random.Random, company: _Company, plan: _TicketPlan, workload: _Workload
) -> list[TimeEntry]:
    """Log one piece of work, plus the travel to it for an on-site visit."""
    activity = _pick_activity(rng, plan.category)
    minutes = _pick_minutes(rng, activity)
    travel = 0
    if activity == "on-site" and rng.random() < 0.6:
        travel = _pick_minutes(rng, "travel")

    for _ in range(4):
        day = rng.choice(plan.days)
        agent = _pick_agent(rng, company, plan)
        if workload[agent, day] + minutes + travel <= MAX_DAILY_MINUTES:
            break
    else:
        # Whoever was picked already has a full day: leave this work out.
        return []

    workload[agent, day] += minutes + travel
    entries = [_make_entry(rng, company, plan, day, agent, activity, minutes)]
    if travel:
        entries.append(_make_entry(rng, company, plan, day, agent, "travel", travel))
    return entries


def _pick_agent(rng: random.Random, company: _Company, plan: _TicketPlan) -> User:
    roll = rng.random()
    if roll < 0.72:
        return plan.agent
    if roll < 0.92:
        return rng.choice(company.agents)
    return company.lead


def _pick_activity(rng: random.Random, category: str) -> str:
    codes = list(ACTIVITY_WEIGHTS)
    code = rng.choices(codes, weights=list(ACTIVITY_WEIGHTS.values()))[0]
    if code == "development" and category not in DEVELOPMENT_DESCRIPTIONS:
        return "remote-support"
    return code


def _pick_minutes(rng: random.Random, activity: str) -> int:
    low, high, step = DURATION_STEPS[activity]
    return rng.randrange(low, high + 1, step)


def _make_entry(
    rng: random.Random,
    company: _Company,
    plan: _TicketPlan,
    day: date,
    agent: User,
    activity: str,
    minutes: int,
) -> TimeEntry:
    activity_type = company.activities[activity]
    note = rng.choice(INTERNAL_NOTES) if rng.random() < 0.04 else ""
    return TimeEntry(
        ticket=plan.ticket,
        agent=agent,
        work_date=day,
        minutes=minutes,
        activity_type=activity_type,
        description=_describe(rng, plan.category, activity),
        internal_note=note,
        is_billable=activity_type.is_billable,
    )


def _describe(rng: random.Random, category: str, activity: str) -> str:
    if activity == "phone":
        return rng.choice(PHONE_DESCRIPTIONS)
    if activity == "travel":
        return rng.choice(TRAVEL_DESCRIPTIONS)
    if activity == "development":
        return rng.choice(DEVELOPMENT_DESCRIPTIONS[category])
    return rng.choice(WORK_DESCRIPTIONS[category])


def _status_weights(day: date, today: date) -> dict[EntryStatus, int]:
    """Weight the statuses so recent work waits and older work is decided."""
    week_start = today - timedelta(days=today.weekday())
    if day == today:
        return {EntryStatus.DRAFT: 60, EntryStatus.SUBMITTED: 40}
    if day >= week_start:
        return {
            EntryStatus.DRAFT: 40,
            EntryStatus.SUBMITTED: 45,
            EntryStatus.APPROVED: 15,
        }
    if day >= week_start - timedelta(days=7):
        return {
            EntryStatus.SUBMITTED: 40,
            EntryStatus.APPROVED: 55,
            EntryStatus.REJECTED: 5,
        }
    return {
        EntryStatus.SUBMITTED: 3,
        EntryStatus.APPROVED: 93,
        EntryStatus.REJECTED: 4,
    }


def _set_entry_status(
    rng: random.Random, clock: _Clock, company: _Company, entry: TimeEntry
) -> None:
    weights = _status_weights(entry.work_date, clock.today)
    entry.status = rng.choices(list(weights), weights=list(weights.values()))[0]
    entry.created_at = clock.at(entry.work_date, rng.randint(9, 17), rng.randint(0, 59))
    entry.updated_at = entry.created_at
    if entry.status == EntryStatus.DRAFT:
        return

    entry.submitted_at = clock.at(entry.work_date, 18, rng.randint(0, 45))
    entry.updated_at = entry.submitted_at
    if entry.status == EntryStatus.SUBMITTED:
        return

    # Nobody approves their own time: the admin decides on the lead's entries.
    entry.decided_by = company.admin if entry.agent is company.lead else company.lead
    delay = timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 4))
    entry.decided_at = min(entry.submitted_at + delay, clock.now)
    entry.updated_at = entry.decided_at
    if entry.status == EntryStatus.REJECTED:
        entry.rejection_reason = rng.choice(REJECTION_REASONS)
