"""The words people read, in the studio's language: one gettext catalogue that the pages of both
frameworks share (``locale/<language>/LC_MESSAGES/messages.po``), and Babel's way of writing
numbers, money and dates there.

:func:`sessionpacks.web.site.respond` says which language a request speaks (:func:`speaking`);
Python code asks :func:`gettext` and :func:`ngettext`, templates the ``_``/``ngettext`` that
:func:`template_words` gives them. Babel and MarkupSafe are imported on first use only: the core
without the ``web`` extra still imports every module of this package.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gettext as gettext_module
import io
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from importlib import resources
from typing import Any

from sessionpacks.errors import ConfigurationError
from sessionpacks.units import minor_digits

# The language the templates and messages are written in: it needs no catalogue.
SOURCE = "en"
LOCALES = resources.files("sessionpacks.web") / "locale"

_speaking: ContextVar[str] = ContextVar("sessionpacks_locale", default=SOURCE)


def available() -> tuple[str, ...]:
    """Every locale the pages can speak: English and each one with a catalogue."""
    found = sorted(
        entry.name
        for entry in LOCALES.iterdir()
        if entry.is_dir() and (entry / "LC_MESSAGES" / "messages.po").is_file()
    )
    return (SOURCE, *found)


def known_locale(value: object) -> str:
    """``value`` if the pages can speak it, else a configuration error naming it."""
    if not isinstance(value, str) or value not in available():
        raise ConfigurationError(
            f"the locale {value!r} has no catalogue; sessionpacks speaks "
            + ", ".join(repr(name) for name in available())
        )
    return value


@functools.cache
def _translations(locale: str) -> gettext_module.NullTranslations:
    # The .po text is the only copy kept (no compiled .mo to go stale): compiled here, once.
    if locale == SOURCE:
        return gettext_module.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, so they read as English
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def current() -> str:
    """The locale of the request being answered (English outside one)."""
    return _speaking.get()


@contextlib.contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Within this block, :func:`gettext` and the formatters speak ``locale``."""
    token = _speaking.set(locale)
    try:
        yield
    finally:
        _speaking.reset(token)


def gettext(message: str, **values: object) -> str:
    """``message`` in the current locale, its ``%(name)s`` placeholders filled from ``values``."""
    found = _translations(current()).gettext(message)
    return found % values if values else found


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """The form of ``singular``/``plural`` that ``num`` takes in the current locale;
    ``%(num)d`` is the count."""
    found = _translations(current()).ngettext(singular, plural, num)
    return found % {"num": num, **values}


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is defined; :func:`gettext` translates it
    where it is shown."""
    return message


def template_words(locale: str) -> dict[str, Any]:
    """The ``_``, ``gettext`` and ``ngettext`` templates call, in ``locale``: the catalogue's
    text is trusted, the values put into it are escaped (as Jinja's newstyle gettext does)."""
    from markupsafe import Markup

    translations = _translations(locale)

    def _gettext(message: str, **values: object) -> Markup:
        found = Markup(translations.gettext(message))
        return found % values if values else found

    def _ngettext(singular: str, plural: str, num: int, **values: object) -> Markup:
        found = Markup(translations.ngettext(singular, plural, num))
        return found % {"num": num, **values}

    # The locale too: the page shell's <html lang>.
    return {"_": _gettext, "gettext": _gettext, "ngettext": _ngettext, "locale": locale}


def money(minor: int, currency: str) -> str:
    """Integer minor units as the locale writes the amount: 2500 EUR is "25.00 EUR" in English,
    "25,00 EUR" in Spanish; never grouped, so English reads as it always has."""
    from babel.numbers import format_decimal

    digits = minor_digits(currency)
    pattern = "0." + "0" * digits if digits else "0"
    shown = format_decimal(Decimal(minor).scaleb(-digits), format=pattern, locale=current())
    return f"{shown} {currency}".strip()


def moment(local: dt.datetime, *, with_time: bool = True) -> str:
    """A local moment as the locale writes it: "Tue 03 Mar 2026, 18:00" in English."""
    from babel.dates import format_datetime

    # The patterns are the catalogue's, so each language writes its dates its own way.
    pattern = gettext("EEE dd MMM y, HH:mm") if with_time else gettext("EEE dd MMM y")
    return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=current())
