"""Calling the JSON API from the test client, a seeded studio, and a payment provider."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
from support import Client, Response

from sessionpacks import Studio
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import ChargeRequest, ChargeResult, RefundRequest, RefundResult

API = "/sessionpacks/api"
_keys = itertools.count(1)


def write(
    client: Client,
    path: str,
    body: object = None,
    *,
    key: str | None = None,
    method: str = "POST",
) -> Response:
    """A write as a client sends it: a JSON body and a fresh Idempotency-Key unless given."""
    return client.open(
        API + path,
        method=method,
        json={} if body is None else body,
        headers={"Idempotency-Key": key or f"key-{next(_keys)}"},
    )


def read(client: Client, path: str, **query: Any) -> Response:
    return client.get(API + path, query_string=query)


def problem(response: Response, status: int, *words: str) -> dict[str, Any]:
    """Checks that ``response`` is an RFC 9457 problem with ``status`` whose detail says each
    of ``words``; returns its body."""
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["status"] == status
    assert body["type"].startswith(API + "/problems/")
    assert body["title"]
    assert body["instance"].startswith(API)
    for word in words:
        assert word in body["detail"], body
    return body


@attrs.frozen
class Seeded:
    account: int
    member: int
    other_account: int
    other_member: int
    service: int
    template: int


def seed(studio: Studio) -> Seeded:
    """Two families, a service and a free 10-class pack."""
    garcias = studio.add_account("crm-1", "The Garcias")
    lucia = studio.add_member(garcias.id, "Lucía García", ref="K-1", email="lucia@example.org")
    lee = studio.add_account("crm-2", "Sam Lee")
    sam = studio.add_member(lee.id, "Sam Lee", ref="K-2")
    yoga = studio.add_service("Yoga", category="classes", duration_minutes=60)
    pack = studio.create_template("10 classes", quantity=10, services=[yoga.id])
    return Seeded(garcias.id, lucia.id, lee.id, sam.id, yoga.id, pack.id)


class Payments:
    """A payment provider that accepts every charge and refund."""

    def __init__(self) -> None:
        self.charges: list[ChargeRequest] = []
        self.refunds: list[RefundRequest] = []

    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        self.charges.append(request)
        return ChargeResult(reference=f"ch-{len(self.charges)}")

    @hookimpl
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        self.refunds.append(request)
        return RefundResult(reference=f"re-{len(self.refunds)}")
