"""sessionpacks for Flask.

For now this holds only the extension object that an app registers; the office pages, the customer
portal, the check-in kiosk and the JSON API will mount through it. They parse a request, call one
method of the core's :class:`~sessionpacks.Studio`, and render: no business rule lives here.
"""

from __future__ import annotations

from flask import Flask

from sessionpacks.errors import ConfigurationError

__all__ = ["EXTENSION_KEY", "SessionPacks"]

# Where the extension keeps itself on the app, as Flask extensions do.
EXTENSION_KEY = "sessionpacks"


class SessionPacks:
    """The sessionpacks extension: ``SessionPacks(app)``, or ``init_app(app)`` in a factory.

    :param app: the app to register with now; leave it out to call :meth:`init_app` later.
    """

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register with ``app``: the extension is then ``app.extensions["sessionpacks"]``.

        :param app: the Flask app; registering twice with the same app is an error.
        """
        registered = app.extensions.get(EXTENSION_KEY)
        if registered is not None:
            raise ConfigurationError(
                f"a sessionpacks extension is already registered on the Flask app {app.name!r};"
                " create one SessionPacks per app and call init_app once"
            )
        app.extensions[EXTENSION_KEY] = self
