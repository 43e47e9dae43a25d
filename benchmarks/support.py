"""What the benchmarks share: the servers' URL variables, a fresh schema, the database options
and a log on stderr. Run as scripts, the benchmarks find this module next to them."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from sessionpacks import create_engine, migrate
from sessionpacks.testing import drop_tables

ENV_URLS = {
    "postgresql": "SESSIONPACKS_BENCH_POSTGRESQL_URL",
    "mariadb": "SESSIONPACKS_BENCH_MARIADB_URL",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fresh_schema(engine: Engine) -> None:
    """Drop every sessionpacks table in the engine's database and migrate it afresh, empty."""
    drop_tables(engine)
    migrate.upgrade(engine)


def fresh_library(url: str) -> Engine:
    """An engine on a database holding freshly migrated, empty sessionpacks tables."""
    engine = create_engine(url)
    fresh_schema(engine)
    return engine


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--sqlite``, and ``--postgresql [URL]`` and ``--mariadb [URL]``."""
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file in a temporary dir")
    for name, variable in ENV_URLS.items():
        parser.add_argument(
            f"--{name}",
            nargs="?",
            const=os.environ.get(variable) or "",
            metavar="URL",
            help=f"a SQLAlchemy URL; without one, ${variable}",
        )


def settle_databases(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """With no database named, SQLite plus every server whose variable is set; a server option
    without a URL needs its variable."""
    if not (args.sqlite or args.postgresql is not None or args.mariadb is not None):
        args.sqlite = True
        args.postgresql = os.environ.get(ENV_URLS["postgresql"]) or None
        args.mariadb = os.environ.get(ENV_URLS["mariadb"]) or None
    for name, variable in ENV_URLS.items():
        if getattr(args, name) == "":
            parser.error(f"--{name} needs a URL, or ${variable}")


def main_with_n(argv: list[str] | None, title: str, name: str, bench: Any, doc: str | None) -> int:
    """A benchmark's entry point: ``--n`` (due passes per side) and the database options, then
    ``bench(database, url, n)`` on each database asked for, SQLite in a scratch folder."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=100_000, help="due passes per side (100,000)")
    args = parser.parse_args(argv)
    settle_databases(parser, args)
    if args.n < 1:
        parser.error("--n must be at least 1")
    log(f"{title}: N={args.n}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix=f"sessionpacks-{name}-") as scratch:
        if args.sqlite:
            bench("sqlite", f"sqlite:///{Path(scratch, name + '.db')}", args.n)
        if args.postgresql:
            bench("postgresql", args.postgresql, args.n)
        if args.mariadb:
            bench("mariadb", args.mariadb, args.n)
    return 0
