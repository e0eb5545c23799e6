"""Translations for everything a person reads: pages and error messages.

Source strings are English; the Chinese catalog under `server/locale` holds
their translations. The language of the request being served lives in a
context variable, so domain code can word a refusal in the language of the
page or API call that caused it without being handed the request.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = {"zh": "中文", "en": "English"}
SOURCE_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

_language: ContextVar[str] = ContextVar("language", default="zh")


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of a language, compiled once from its .po file.

    Compiling in memory at first use keeps binary .mo files out of the
    repository and can never serve a catalog older than its source.
    """
    if language == SOURCE_LANGUAGE:
        return NullTranslations()

    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current_language() -> str:
    return _language.get()


@contextmanager
def language(code: str):
    token = _language.set(code)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    return translations(_language.get()).ugettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_language.get()).ungettext(singular, plural, count)


def negotiate(accept_language: str | None, default: str) -> str:
    """The first supported language of an Accept-Language header, else `default`."""
    if not accept_language:
        return default
    ranked = []
    for part in accept_language.split(","):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower().split("-")[0]))
    for quality, code in sorted(ranked, key=lambda pair: -pair[0]):
        if quality > 0 and code in LANGUAGES:
            return code
    return default


# Marks a string for extraction without translating it where it is defined;
# the code that shows it translates it then, in the reader's language.
def gettext_noop(message: str) -> str:
    return message


_ = gettext
N_ = gettext_noop
