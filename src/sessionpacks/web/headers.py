"""The security headers sessionpacks puts on its own responses, never over the host's."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

# The pages load nothing from other sites and carry no inline script or style, so the policy
# can be strict; frame-ancestors and X-Frame-Options keep other sites from framing the forms.
DEFAULT_SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response: MutableMapping[str, str], headers: Mapping[str, str]) -> None:
    """Set each of ``headers`` the response does not carry yet; what the host set stays."""
    for name, value in headers.items():
        if name not in response:
            response[name] = value
