"""Starting the demo: settings, ``migrate``, the seed and the users, then a threaded WSGI server."""

from __future__ import annotations

import argparse
import os
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

DEFAULT_DATABASE = "sqlite:///sessionpacks-django-demo.db"


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    # A browser opens several connections at once; a stuck one must not hold up the others.
    daemon_threads = True


def start(
    database_url: str, host: str = "127.0.0.1", port: int = 8000, *, locale: str = "en"
) -> WSGIServer:
    """Configure Django for the demo on ``database_url`` (once per process), its pages in
    ``locale``, migrate, seed, and return the server bound to ``port`` (0: a free one), not yet
    serving."""
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from sessionpacks_django.demo.settings import settings_for

    # Listening on every address, the site answers any name the machine is reached by.
    everywhere = host in ("0.0.0.0", "::", "")
    hosts = ("*",) if everywhere else (host,)
    settings.configure(**settings_for(database_url, hosts=hosts, locale=locale))
    django.setup()
    call_command("migrate", verbosity=0)

    from sessionpacks.demo import is_seeded, seed
    from sessionpacks_django.demo.users import add_users
    from sessionpacks_django.runtime import runtime

    here = runtime()
    if not is_seeded(here.studio):
        seed(here.engine, here.studio.clock.now())
    add_users(here.studio)
    return make_server(host, port, get_wsgi_application(), server_class=_ThreadedServer)


def main(argv: list[str] | None = None) -> None:
    """The ``sessionpacks-django-demo`` command: start the demo site and say where to open it."""
    parser = argparse.ArgumentParser(prog="sessionpacks-django-demo")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--port", type=int, default=8000, help="the port to listen on (0: any free one)"
    )
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="a SQLAlchemy URL (default: %(default)s)"
    )
    parser.add_argument(
        "--locale",
        default=os.environ.get("SESSIONPACKS_LOCALE") or "en",
        help="the pages' language, en or es (default: $SESSIONPACKS_LOCALE, else en)",
    )
    args = parser.parse_args(argv)
    server = start(args.database, args.host, args.port, locale=args.locale)
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(
        f"\nsessionpacks Django demo gym site on {args.database}\n"
        f"  open  http://{shown}:{server.server_port}/  to sign in as front-desk staff or as a"
        " member,\n"
        "  then find the office, the customer portal and the check-in kiosk from there.\n"
        "  Press Ctrl+C to stop.\n",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
