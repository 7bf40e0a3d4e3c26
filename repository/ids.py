"""Record identifiers like InvenioRDM's: 10 Crockford base32 characters split 5+5.

Eight random characters (40 bits) are followed by a two-character checksum
(mod 97, as in ISO 7064), so a typo in a copied id is detected and gives a 404
without a database round trip. Collisions are handled by the PID table's unique
constraint: callers retry with a new id.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford: no i, l, o, u
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"i": 1, "l": 1, "o": 0})
RANDOM_LENGTH = 8


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(value: int) -> str:
    return _encode(98 - (value * 100) % 97, 2)


def generate_id() -> str:
    """A new random id, e.g. ``ha4g3-7x208``."""
    value = secrets.randbits(RANDOM_LENGTH * 5)
    raw = _encode(value, RANDOM_LENGTH) + _checksum(value)
    return f"{raw[:5]}-{raw[5:]}"


def normalize_id(text: str) -> str | None:
    """Return the canonical form of an id, or None when it is not a well-formed id."""
    raw = text.strip().lower().replace("-", "")
    if len(raw) != RANDOM_LENGTH + 2:
        return None
    try:
        digits = [_DECODE[c] for c in raw]
    except KeyError:
        return None
    value = 0
    for digit in digits[:RANDOM_LENGTH]:
        value = value * 32 + digit
    canonical = _encode(value, RANDOM_LENGTH) + _checksum(value)
    if canonical != "".join(ALPHABET[d] for d in digits):
        return None
    return f"{canonical[:5]}-{canonical[5:]}"


def parse_row_id(value: object) -> int | None:
    """VALUE as a database row id (1 to 18 ASCII digits), else None.

    ``str.isdigit`` is not enough: it accepts non-ASCII digits ("²") that ``int`` refuses and
    numbers too large for a 64-bit column, both of which would end in a 500.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    if not (0 < len(text) <= 18 and text.isascii() and text.isdigit()):
        return None
    return int(text)
