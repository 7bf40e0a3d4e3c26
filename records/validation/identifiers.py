"""Identifiers: which schemes a value is valid for, and their normalized forms (idutils).

An alternate or related identifier is valid when idutils detects its declared
scheme for the value (``scheme in idutils.detect_identifier_schemes(value)``);
schemes idutils does not know are accepted as they are. Detection runs ~40
validators and then drops schemes another match rules out (a DOI URL is a
``url``, not a ``handle``), which costs ~45 µs a value. :func:`scheme_detected_fast`
answers the same question by running only the validators whose outcome can
change the answer for the declared scheme; the equivalence tests compare it with
idutils on many values and every scheme.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

import idutils
from idutils import validators as idutils_validators
from idutils.detectors import IDUTILS_PID_SCHEMES, IDUTILS_SCHEME_FILTER
from idutils.proxies import custom_schemes_registry

PERSON_OR_ORG_SCHEMES: dict[str, Callable[[str], object]] = {
    "orcid": idutils.is_orcid,
    "gnd": idutils.is_gnd,
    "isni": idutils.is_isni,
    "ror": idutils.is_ror,
}
"""Schemes a creator's or contributor's identifier may use, with their validators."""

_registry = custom_schemes_registry()
_VALIDATORS: dict[str, Callable[[str], object]] = dict(
    IDUTILS_PID_SCHEMES + _registry.pick_scheme_key("validator")
)
_FILTERS: list[tuple[str, list[str]]] = list(IDUTILS_SCHEME_FILTER + _registry.pick_scheme_key("filter"))
_VIAF_URLS = tuple(idutils_validators.viaf_urls)
_ISNI_URLS = tuple(idutils_validators.isni_urls)
_HANDLE_URLS = ("http://hdl.handle.net/", "https://hdl.handle.net/")

KNOWN_SCHEMES = frozenset(_VALIDATORS)
"""Schemes idutils can detect; values declared with one of these must be detected as it."""

# For each scheme: the (position, scheme) of the filter steps that remove it when that scheme is present.
_REMOVED_BY: dict[str, list[tuple[int, str]]] = {}
for _position, (_present, _removed) in enumerate(_FILTERS):
    for _scheme in _removed:
        _REMOVED_BY.setdefault(_scheme, []).append((_position, _present))


def scheme_detected(value: str, scheme: str) -> bool:
    """Whether idutils detects ``scheme`` for ``value`` (the reference implementation).

    A value idutils cannot even parse (it raises, e.g. for ``http://[::1``) is valid for no scheme.
    """
    try:
        return scheme in idutils.detect_identifier_schemes(value)
    except ValueError:
        return False


def scheme_detected_fast(value: str, scheme: str) -> bool:
    """Same answer as :func:`scheme_detected`, running only the validators that matter."""
    if scheme not in _VALIDATORS or _unparsable(value):
        return False
    matches: dict[str, bool] = {}
    if not _detected(value, scheme, matches):
        return False
    if scheme == "handle":
        # idutils' last rule: no handle next to a URL that is not a handle URL, an ARK or an arXiv id.
        if _detected(value, "url", matches) and not value.startswith(_HANDLE_URLS):
            return False
        if _detected(value, "ark", matches) or _detected(value, "arxiv", matches):
            return False
    return True


def _unparsable(value: str) -> bool:
    """Whether idutils' detection raises for ``value``: exactly when ``urlsplit`` does.

    The ark, purl, url and urn validators all start with ``urlparse``. ``urlsplit`` only raises
    for brackets (IPv6 hosts) or non-ASCII characters in the host, so other values skip the call.
    """
    if value.isascii() and "[" not in value and "]" not in value:
        return False
    try:
        urlsplit(value)
    except ValueError:
        return True
    return False


def _matched(value: str, scheme: str, matches: dict[str, bool]) -> bool:
    """Whether the scheme's own validator accepts the value (memoized in ``matches``)."""
    found = matches.get(scheme)
    if found is None:
        found = matches[scheme] = bool(_VALIDATORS[scheme](value))
    return found


def _detected(value: str, scheme: str, matches: dict[str, bool], steps: int = len(_FILTERS)) -> bool:
    """Whether ``scheme`` is still detected after idutils' clash rules and ``steps`` filter steps."""
    if scheme not in _VALIDATORS or not _matched(value, scheme, matches):
        return False
    if scheme == "isbn" and _matched(value, "gnd", matches) and value.lower().startswith("gnd:"):
        return False
    if scheme in ("url", "handle"):
        if value.startswith(_VIAF_URLS) and _matched(value, "viaf", matches):
            return False
        if value.startswith(_ISNI_URLS) and _matched(value, "isni", matches):
            return False
    for position, remover in _REMOVED_BY.get(scheme, ()):
        if position >= steps:
            break
        if _detected(value, remover, matches, position):
            return False
    return True


@lru_cache(maxsize=16384)  # the same people and organizations recur across records
def person_or_org_identifier_valid(value: str, scheme: str) -> bool:
    """Whether ``value`` is a valid identifier of a person/organization ``scheme`` (orcid, gnd, ...)."""
    validator = PERSON_OR_ORG_SCHEMES.get(scheme)
    return validator is not None and bool(validator(value))


def is_doi(value: str) -> bool:
    """Whether ``value`` is a DOI (bare or as a resolver URL)."""
    return bool(idutils.is_doi(value))


def normalize_identifier(value: str, scheme: str) -> str:
    """The canonical form of a valid identifier; ``value`` unchanged if it is not valid for ``scheme``.

    ORCID ``0000-0002-1825-0097``, DOI lower-case ``10.1234/abc`` without resolver, ROR
    ``03yrm5c26``, GND ``gnd:4079154-3``, ISNI ``000000012146438X``; other schemes as idutils
    normalizes them.
    """
    validator = _VALIDATORS.get(scheme)
    if validator is None:
        return value
    candidate = value.strip()
    try:
        if not validator(candidate):
            return value
        if scheme == "isni":
            normalized = _compact_isni(candidate)
        else:
            normalized = idutils.normalize_pid(candidate, scheme)
            if scheme == "doi":
                normalized = normalized.lower()  # DOIs are case-insensitive
        # Never trade a valid value for an invalid one.
        return normalized if isinstance(normalized, str) and validator(normalized) else value
    except (
        AttributeError,
        IndexError,
        TypeError,
        ValueError,
    ):  # unparsable URLs; normalizers assuming a match
        return value


def _compact_isni(value: str) -> str:
    for prefix in _ISNI_URLS:
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value.replace(" ", "").replace("-", "").upper()
