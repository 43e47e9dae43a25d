"""One description per endpoint, from which both the view and its OpenAPI entry are made.

A view checks who is asking, the content type and the idempotency key, reads the path, query
and body by the endpoint's fields, calls one studio method and answers with the core's value
encoded by :func:`sessionpacks.codec.encode`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import attrs

from sessionpacks import codec
from sessionpacks.enums import Channel
from sessionpacks.studio import Studio
from sessionpacks.values import Actor
from sessionpacks.web import Identity
from sessionpacks.web.api.fields import Field, read_object, read_parameters
from sessionpacks.web.guards import remember_name
from sessionpacks.web.http import Body, HttpError, Request, forbidden
from sessionpacks.web.problems import BadRequest

# The API's own idempotency keys are namespaced by who sent them: one client's key can never
# replay another's result.
MAX_KEY = 100
# Requests larger than this are refused before they are parsed.
MAX_BODY = 1_000_000


class Unreadable(BadRequest):
    """A body that is not JSON at all."""


class KeyMissing(BadRequest):
    """A write without its Idempotency-Key header."""


@attrs.frozen
class Call:
    """What a handler gets: the studio, who asks, the parsed values and the write's key."""

    studio: Studio
    identity: Identity
    args: dict[str, Any]
    key: str

    @property
    def actor(self) -> Actor:
        return self.identity.actor

    @property
    def keyed(self) -> dict[str, Any]:
        """Who asks, the request's key and the channel: what every write passes the core."""
        return {"actor": self.actor, "idempotency_key": self.key, "channel": Channel.API}

    def __getitem__(self, name: str) -> Any:
        return self.args[name]


Handler = Callable[[Call], object]
# The account a member's read touches, to keep members to their own account.
Owner = Callable[[Studio, dict[str, Any]], int]


@attrs.frozen
class Endpoint:
    method: str
    path: str
    name: str
    summary: str
    tag: str
    handler: Handler
    # The value (or tuple[value, ...]) the handler returns, for the response schema.
    returns: object
    path_fields: tuple[Field, ...] = ()
    query: tuple[Field, ...] = ()
    body: tuple[Field, ...] = ()
    # May a member use it at all? Their writes are then limited by the core's authorization
    # hook; their reads by ``owner``.
    members: bool = False
    owner: Owner | None = None
    status: int = 200
    # Statuses beyond the ones every endpoint may answer (payments: 402, 502, 503, 504).
    extra_statuses: tuple[int, ...] = ()

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    def respond(self, request: Request, **path_values: str) -> Body:
        found = request.identity
        # Signed in to the site with no place in the studio: refused, as the pages do.
        if (found is None and request.host_signed_in()) or (found and not found.has_access):
            raise forbidden("your account on this site has no access to the studio")
        if found is None:
            raise HttpError(
                401, "Unauthorized", "nobody is signed in: sign in through the site first"
            )
        if not self.members and not found.is_staff:
            raise forbidden("this endpoint is for staff")
        key = ""
        if self.writes:
            if media_type(request) != "application/json":
                raise HttpError(
                    415,
                    "Unsupported Media Type",
                    "a write takes a JSON body, sent as Content-Type: application/json",
                )
            key = _key(request, found)
            remember_name(request, found)
        args = read_parameters(self.path_fields, path_values, "path")
        args.update(read_parameters(self.query, request.query, "query"))
        if self.writes:
            args.update(read_object(self.body, _json_body(request)))
        studio = request.studio
        if not found.is_staff and self.owner is not None:
            self.check_owner(studio, found, args)
        result = self.handler(Call(studio, found, args, key))
        if self.status == 204:
            return Body(b"", "application/json", 204)
        return json_body(codec.encode(result), self.status)

    def check_owner(self, studio: Studio, found: Identity, args: dict[str, Any]) -> None:
        """A member reads their own account only; anything else is refused as not theirs."""
        assert self.owner is not None
        mine = studio.member(found.member_id).account_id if found.member_id else None
        if mine is None or self.owner(studio, args) != mine:
            raise forbidden("a member may read their own account only")


def json_body(value: object, status: int = 200, media: str = "application/json") -> Body:
    return Body(json.dumps(value, separators=(",", ":")).encode(), media, status)


def media_type(request: Request) -> str:
    return (request.header("Content-Type") or "").split(";")[0].strip().lower()


def _key(request: Request, found: Identity) -> str:
    given = (request.header("Idempotency-Key") or "").strip()
    if not given:
        raise KeyMissing(
            "the Idempotency-Key header is required on every write: a fresh value per action,"
            " sent again unchanged when the request is retried"
        )
    if len(given) > MAX_KEY:
        raise KeyMissing(f"the Idempotency-Key header is longer than {MAX_KEY} characters")
    who = hashlib.sha256(f"{found.actor.kind}:{found.actor.id}".encode()).hexdigest()[:16]
    return f"api:{who}:{given}"


def _json_body(request: Request) -> object:
    try:
        length = int(request.header("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise HttpError(
            413, "Request Entity Too Large", f"the body is larger than {MAX_BODY} bytes"
        )
    raw = request.body()
    if len(raw) > MAX_BODY:
        raise HttpError(
            413, "Request Entity Too Large", f"the body is larger than {MAX_BODY} bytes"
        )
    try:
        return json.loads(raw or b"{}", parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Unreadable("the body is not valid JSON") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
