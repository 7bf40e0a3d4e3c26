"""Stateless, signed resumption tokens (django.core.signing): the whole list request plus the last key.

A token names the verb, metadata prefix, set, from and until of the list, the (datestamp, id) of
the last item served, the cursor and the complete list size; it expires after
``OAI_RESUMPTION_TOKEN_DAYS``. Anything tampered, expired or issued for another verb is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from oaipmh.errors import OAIError

SALT = "oaipmh.resumption-token"


@dataclass(frozen=True)
class ListState:
    """Where a list request stands: its filters, the last key served, the cursor."""

    verb: str
    prefix: str
    set_spec: str | None
    start: datetime | None  # inclusive lower bound of datestamps
    end: datetime | None  # exclusive upper bound of datestamps (from `until`)
    last_datestamp: datetime | None = None
    last_id: str | None = None
    cursor: int = 0
    complete_size: int | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def expiry_from(now: datetime) -> datetime:
    """When a token issued at NOW expires."""
    return now + timedelta(days=settings.OAI_RESUMPTION_TOKEN_DAYS)


def encode(state: ListState, *, expires: datetime) -> str:
    """The signed token for STATE."""
    payload = {
        "v": state.verb,
        "p": state.prefix,
        "s": state.set_spec,
        "f": _iso(state.start),
        "u": _iso(state.end),
        "d": _iso(state.last_datestamp),
        "i": state.last_id,
        "c": state.cursor,
        "n": state.complete_size,
        "x": int(expires.timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def decode(token: str, *, verb: str) -> ListState:
    """The state a token carries; badResumptionToken when tampered, expired or for another verb."""
    try:
        payload = signing.loads(token, salt=SALT)
        if not isinstance(payload, dict) or payload.get("v") != verb:
            raise OAIError("badResumptionToken", "The resumption token was not issued for this request.")
        if payload["x"] < timezone.now().timestamp():
            raise OAIError("badResumptionToken", "The resumption token has expired; start the list again.")
        return ListState(
            verb=payload["v"],
            prefix=payload["p"],
            set_spec=payload["s"],
            start=_parse(payload["f"]),
            end=_parse(payload["u"]),
            last_datestamp=_parse(payload["d"]),
            last_id=payload["i"],
            cursor=int(payload["c"]),
            complete_size=payload["n"],
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise OAIError("badResumptionToken", "The resumption token is invalid.") from exc
