"""sessionpacks for Flask: the office pages, the customer portal, the check-in kiosk and a JSON
API, mounted into a host app by :class:`SessionPacks`.

Views parse a request, call one method of the core's :class:`~sessionpacks.Studio` and render:
no business rule lives here.
"""

from sessionpacks.web import Identity
from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS
from sessionpacks_flask.config import Config
from sessionpacks_flask.extension import EXTENSION_KEY, Mounted, SessionPacks, mounted

__all__ = [
    "DEFAULT_SECURITY_HEADERS",
    "EXTENSION_KEY",
    "Config",
    "Identity",
    "Mounted",
    "SessionPacks",
    "mounted",
]
