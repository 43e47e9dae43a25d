"""The pages' catalogue is whole: messages.pot holds exactly what the code and templates ask to
translate (re-extracted here as docs/web.md says), and every language's .po translates each of
its messages, none left fuzzy or missing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
LOCALE = ROOT / "src/sessionpacks/web/locale"
LANGUAGES = sorted(path.parents[1].name for path in LOCALE.glob("*/LC_MESSAGES/messages.po"))


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _ids(catalog: Catalog) -> set[tuple[str, ...]]:
    return {_texts(message.id) for message in catalog if message.id}


def _texts(found: str | Iterable[str] | None) -> tuple[str, ...]:
    """A message's id or translation, singular or every plural form, as a tuple."""
    return (found,) if isinstance(found, str) else tuple(text or "" for text in found or ())


def test_messages_pot_is_what_the_code_asks_to_translate(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    # Babel's command line, as docs/web.md runs it (it has no annotations).
    CommandLineInterface().run(  # type: ignore[no-untyped-call]
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(fresh), str(ROOT)]
    )
    extracted, committed = _ids(_read(fresh)), _ids(_read(LOCALE / "messages.pot"))
    assert not extracted - committed, "new messages: run pybabel extract (docs/web.md)"
    assert not committed - extracted, "messages no longer used: run pybabel extract (docs/web.md)"


def test_there_is_a_second_language() -> None:
    assert "es" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    template = _read(LOCALE / "messages.pot")
    catalog = _read(LOCALE / language / "LC_MESSAGES" / "messages.po", language)
    assert _ids(catalog) == _ids(template), "run pybabel update (docs/web.md)"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy translation of {message.id!r}"
        forms = _texts(message.string)
        assert forms, f"{language}: no translation of {message.id!r}"
        assert all(forms), f"{language}: no translation of {message.id!r}"
        wanted = {_placeholders(text) for text in _texts(message.id)}
        differ = [form for form in forms if _placeholders(form) not in wanted]
        assert not differ, f"{language}: {message.id!r} has other placeholders in {differ}"


def _placeholders(text: str) -> frozenset[str]:
    """``%(name)s`` and the like: a translation must fill in what its English does."""
    return frozenset(re.findall(r"%\(\w+\)[a-z]", text))
