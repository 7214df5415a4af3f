"""The Italian catalogue covers every source string, and pages follow the language.

English is the source language: the en catalogue keeps every msgstr empty, so
gettext falls back to the msgid. The Italian catalogue must translate every
msgid that `make messages` extracts from the current sources.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

try:
    from babel.messages.frontend import parse_keywords, parse_mapping_cfg
except ImportError:  # Older Babel releases have only parse_mapping.
    from babel.messages.frontend import parse_keywords
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

from portal.models.users import Role

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
LANGUAGES = ("it", "en")

# One printf-style conversion, as Python's % operator and Jinja's newstyle
# gettext read it. "%%" is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)


def listing(items: list) -> str:
    """Format failing items one per line, for assertion messages."""
    return "\n".join(repr(item) for item in items)


def load_catalog(language: str) -> Catalog:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def translated_messages(catalog: Catalog) -> Iterator[Message]:
    """Yield the catalogue's messages without the header entry."""
    return (message for message in catalog if message.id)


def placeholders(text: str) -> list[str]:
    """List the conversions in text, with "<stray %>" for a lone percent sign."""
    found = []
    position = 0
    while (percent := text.find("%", position)) != -1:
        match = PLACEHOLDER.match(text, percent)
        if match is None:
            found.append("<stray %>")
            position = percent + 1
            continue
        found.append(f"%({match['name'] or ''}){match['type']}")
        position = match.end()
    return sorted(found)


def source_and_translation_pairs(message: Message) -> list[tuple[str, str]]:
    """Pair each msgstr form with the msgid it translates.

    With Plural-Forms "nplurals=2; plural=(n != 1)" form 0 is used for one
    and translates msgid, and form 1 translates msgid_plural.
    """
    if not message.pluralizable:
        return [(message.id, message.string)]
    singular, plural = message.id
    return [
        (singular if index == 0 else plural, form)
        for index, form in enumerate(message.string)
    ]


def babel_keywords() -> dict:
    """Return pybabel's default keywords plus the Makefile's BABEL_KEYWORDS."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^BABEL_KEYWORDS\s*:=(.*)$", makefile, re.MULTILINE)
    assert line, "Makefile has no BABEL_KEYWORDS line for `make messages`"
    words = shlex.split(line.group(1))
    specs = [words[index + 1] for index, word in enumerate(words) if word == "-k"]
    return {**DEFAULT_KEYWORDS, **parse_keywords(specs)}


def extract_sources() -> list[tuple[str, str | tuple[str, ...], str | None]]:
    """Extract messages from the sources as `make messages` does, in-process."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file)
    extracted = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=babel_keywords()
    )
    return [
        (filename, message, context)
        for filename, _lineno, message, _comments, context in extracted
    ]


# --- The catalogue files ---------------------------------------------------


def test_italian_header_uses_two_plural_forms():
    catalog = load_catalog("it")

    assert catalog.num_plurals == 2
    assert catalog.plural_expr == "(n != 1)"
    assert not catalog.fuzzy, "a fuzzy header stops pybabel compile"


def test_italian_has_no_empty_msgstr():
    catalog = load_catalog("it")

    empty = [
        message.id
        for message in translated_messages(catalog)
        if not message.string or (message.pluralizable and not all(message.string))
    ]

    assert empty == [], "untranslated in the it catalogue:\n" + listing(empty)


def test_italian_has_no_fuzzy_entry():
    catalog = load_catalog("it")

    fuzzy = [message.id for message in translated_messages(catalog) if message.fuzzy]

    assert fuzzy == [], "check, then unflag these fuzzy entries:\n" + listing(fuzzy)


def test_italian_plural_entries_have_two_forms():
    catalog = load_catalog("it")

    wrong = [
        message.id
        for message in translated_messages(catalog)
        if message.pluralizable and len(message.string) != 2
    ]

    assert wrong == [], listing(wrong)


def test_italian_placeholders_match_msgids():
    catalog = load_catalog("it")

    mismatches = []
    for message in translated_messages(catalog):
        for source, translation in source_and_translation_pairs(message):
            if translation and placeholders(source) != placeholders(translation):
                mismatches.append((source, translation))

    assert mismatches == [], "placeholders differ:\n" + listing(mismatches)


def test_placeholder_parser_cases():
    assert placeholders("%(num)d of %(total)s, 5%%") == ["%()%", "%(num)d", "%(total)s"]
    assert placeholders("100%!") == ["<stray %>"]
    assert placeholders("%(num)s") != placeholders("%(num)d")


def test_english_catalogue_keeps_msgstr_empty():
    catalog = load_catalog("en")

    # English text lives in the source code only. A filled English msgstr would
    # replace it on the page, so the code would no longer show what users read.
    filled = [
        message.id
        for message in translated_messages(catalog)
        if any(message.string if message.pluralizable else [message.string])
    ]

    assert filled == [], listing(filled)


def test_catalogues_share_msgids():
    italian = {message.id for message in translated_messages(load_catalog("it"))}
    english = {message.id for message in translated_messages(load_catalog("en"))}

    assert italian - english == set(), "run `make messages`"
    assert english - italian == set(), "run `make messages`"


def test_compiled_catalogues_are_current():
    for language in LANGUAGES:
        expected = BytesIO()
        write_mo(expected, load_catalog(language), use_fuzzy=True)
        compiled = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"

        assert compiled.exists(), f"{compiled} is missing: run `make translations`"
        assert compiled.read_bytes() == expected.getvalue(), (
            f"{compiled} does not match its .po file: run `make translations`"
        )


# --- The sources -------------------------------------------------------------


def test_keywords_keep_plural_arguments():
    keywords = babel_keywords()

    assert keywords["ngettext"] == (1, 2)
    assert keywords["lazy_ngettext"] == (1, 2)
    assert keywords["_l"] is None


def test_italian_covers_extracted_sources():
    catalog = load_catalog("it")

    # Each missing message once, with the first file that uses it.
    missing: dict[str | tuple[str, ...], str] = {}
    for filename, message, context in extract_sources():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid, context=context)
        if entry is None or entry.id != message:
            missing.setdefault(message, filename)

    found = [(filename, message) for message, filename in missing.items()]
    assert found == [], "run `make messages`, then translate:\n" + listing(found)


def test_extraction_reads_python_and_templates():
    filenames = {filename for filename, _message, _context in extract_sources()}

    assert "templates/auth/login.html" in filenames
    assert "portal/auth/forms.py" in filenames
    assert "templates/emails/invitation.txt" in filenames


# --- Rendered pages ----------------------------------------------------------


def test_login_page_in_italian(client):
    response = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"})
    body = response.get_data(as_text=True)

    assert "Accedi" in body
    assert "Sign in" not in body


def test_login_page_in_english(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    body = response.get_data(as_text=True)

    assert "Sign in" in body
    assert "Accedi" not in body


def test_login_error_in_italian(client):
    response = client.post(
        "/login",
        data={"email": "", "password": ""},
        headers={"Accept-Language": "it"},
    )
    body = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Inserisci il tuo indirizzo e-mail." in body
    assert "Inserisci la password." in body


def test_italian_user_sees_italian_navigation(client, login_as):
    login_as(Role.AGENT, language="it")

    body = client.get("/agent/week", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )

    assert "La mia settimana" in body
    assert "Esci" in body
    assert "My week" not in body


def test_english_user_sees_english_navigation(client, login_as):
    login_as(Role.AGENT, language="en")

    body = client.get("/agent/week", headers={"Accept-Language": "it"}).get_data(
        as_text=True
    )

    assert "My week" in body
    assert "Sign out" in body
    assert "La mia settimana" not in body


def test_italian_plural_forms_on_ticket_search(
    client, login_as, make_customer, make_ticket
):
    login_as(Role.AGENT, language="it")
    customer = make_customer()
    make_ticket(customer)

    one_ticket_page = client.get("/agent/").get_data(as_text=True)
    make_ticket(customer)
    two_tickets_page = client.get("/agent/").get_data(as_text=True)

    assert "1 ticket trovato." in one_ticket_page
    assert "2 ticket trovati." in two_tickets_page
