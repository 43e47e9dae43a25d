"""What the pages need to know of the host, whichever framework read it from its settings."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS
from sessionpacks.web.i18n import SOURCE, known_locale


@attrs.frozen
class WebConfig:
    """The host's answers the pages use; each adapter reads them from its own settings.

    :param studio_name: the studio's name in page titles and headings.
    :param base_template: the host's template our pages go inside, providing the blocks
        ``title``, ``head`` and ``body``; None, the pages are whole documents of their own.
    :param login_url: where a visitor nobody has signed in is sent, with ``next=``.
    :param logout_url: the host's sign-out page, linked from every page's header when set.
    :param home_url: the host site, linked from every page's header and from problem pages.
    :param security_headers: headers put on every response that does not carry them yet.
    :param session_cookie: the name of the host's session cookie, for the API's document.
    :param locale: the language of the portal's and kiosk's pages (``"en"``, ``"es"``); one
        without a catalogue is a configuration error naming it.
    """

    studio_name: str = "Studio"
    base_template: str | None = None
    login_url: str | None = None
    logout_url: str | None = None
    home_url: str = "/"
    security_headers: Mapping[str, str] = DEFAULT_SECURITY_HEADERS
    session_cookie: str = "session"
    locale: str = attrs.field(default=SOURCE, converter=known_locale)

    @classmethod
    def of(cls, settings: object, session_cookie: str) -> WebConfig:
        """These settings as an integration's own configuration holds them, under the same
        names, with the host's session cookie's name."""
        names = [field.name for field in attrs.fields(cls) if field.name != "session_cookie"]
        given = {name: getattr(settings, name) for name in names}
        return cls(**given, session_cookie=session_cookie)
