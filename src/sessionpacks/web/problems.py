"""The HTTP status and a short title for each error sessionpacks raises.

The pages show the title and the error's own message; the JSON API sends both as
``application/problem+json`` (RFC 9457). Bad input is always a 4xx, never a 500.
"""

from __future__ import annotations

import attrs

from sessionpacks import errors
from sessionpacks.web.i18n import N_

# The most specific class first: the first match wins.
_STATUS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (
        errors.ManualCreditsProtected,
        403,
        "manual-credits-protected",
        N_("Manual credits protected"),
    ),
    (errors.NotAuthorized, 403, "not-authorized", N_("Not allowed")),
    (errors.NotFound, 404, "not-found", N_("Not found")),
    (errors.CurrencyMismatch, 422, "currency-mismatch", N_("Currency mismatch")),
    (errors.InvalidInput, 422, "invalid-input", N_("Invalid input")),
    (errors.IdempotencyConflict, 409, "idempotency-conflict", N_("Idempotency key reused")),
    (errors.InsufficientCredit, 409, "insufficient-credit", N_("Not enough credit")),
    (errors.PassUnusable, 409, "pass-unusable", N_("Pass cannot be used")),
    (errors.OccurrenceFull, 409, "occurrence-full", N_("Class is full")),
    (errors.InvalidState, 409, "invalid-state", N_("Not possible now")),
    (errors.SaleFailed, 502, "sale-failed", N_("Sale failed")),
    (errors.PaymentUnknown, 504, "payment-unknown", N_("Payment outcome unknown")),
    (errors.NoPaymentProvider, 503, "no-payment-provider", N_("Payments are not set up")),
    (errors.PaymentError, 402, "payment-declined", N_("Payment declined")),
)

# The titles of the HTTP errors a page may show (the frameworks' own, in English), for the
# catalogue: a page shows each in the studio's language, the API as it is.
HTTP_TITLES = (
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Bad Request"),
    N_("Form expired"),
)

# Problem type URIs are relative references under the API, which serves their descriptions.
TYPE_PREFIX = "problems/"


@attrs.frozen
class FieldError:
    """What is wrong with one field of a request."""

    field: str
    detail: str


@attrs.frozen
class Problem:
    """One error as the web layer reports it; ``errors`` holds each bad field when there are
    several to say at once."""

    status: int
    slug: str
    title: str
    detail: str
    errors: tuple[FieldError, ...] = ()

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug

    def as_json(self, instance: str) -> dict[str, object]:
        found: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.errors:
            found["errors"] = [{"field": e.field, "detail": e.detail} for e in self.errors]
        return found


class BadRequest(errors.InvalidInput):
    """A request the web layer cannot read: a missing or malformed field.

    :param field: the form field at fault, so a page can say it beside that field.
    :param said: the same for a person filling in the form ("Enter a whole number"); the
        message itself, which the API sends, names the field for a developer.
    """

    def __init__(self, message: str, *, field: str | None = None, said: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.said = said or message


class BadFields(BadRequest):
    """Several fields of one request are bad: each is said, so all can be mended at once."""

    def __init__(self, found: tuple[FieldError, ...]) -> None:
        # One sentence may name several fields (the unknown ones): said once.
        super().__init__("; ".join(dict.fromkeys(error.detail for error in found)))
        self.errors = found


def problem_for(error: errors.SessionPacksError) -> Problem | None:
    """The problem for a sessionpacks error, or None for one that is the host's to fix (a
    configuration error), which stays a 500."""
    for kind, status, slug, title in _STATUS:
        if isinstance(error, kind):
            found = error.errors if isinstance(error, BadFields) else ()
            return Problem(status, slug, title, str(error), found)
    return None


def every_problem() -> tuple[tuple[int, str, str], ...]:
    """Every (status, slug, title) the API can answer with, for its OpenAPI document."""
    return tuple((status, slug, title) for _, status, slug, title in _STATUS)
