"""Kiosk PINs: kept only as a salted scrypt hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sessionpacks.errors import InvalidInput

# scrypt's cost: about 15 ms a check, which a kiosk does not notice and a guesser does.
_N, _R, _P = 2**14, 8, 1
MIN_DIGITS, MAX_DIGITS = 4, 12


def hashed(pin: object) -> str:
    """The stored form of a new PIN, refusing one that is not 4 to 12 digits."""
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit():
        raise InvalidInput("a kiosk PIN is digits only, such as 4821")
    if not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise InvalidInput(f"a kiosk PIN has {MIN_DIGITS} to {MAX_DIGITS} digits")
    salt = secrets.token_bytes(16)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${_digest(pin, salt, _N, _R, _P).hex()}"


def matches(stored: str, pin: object) -> bool:
    if not isinstance(pin, str):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    found = _digest(pin, bytes.fromhex(salt), int(n), int(r), int(p))
    return hmac.compare_digest(found, bytes.fromhex(digest))


def _digest(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p, dklen=32)
