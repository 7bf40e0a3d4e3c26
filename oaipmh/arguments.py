"""The protocol's argument rules: which arguments each verb requires, allows or takes exclusively.

Checks the raw request arguments (a list of (name, value) pairs, so repeats are seen) and returns
a parsed request, or raises every error found (badVerb / badArgument).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oaipmh.errors import OAIError, OAIErrors

VERBS: dict[str, dict[str, set[str]]] = {
    "Identify": {"required": set(), "optional": set(), "exclusive": set()},
    "ListMetadataFormats": {"required": set(), "optional": {"identifier"}, "exclusive": set()},
    "ListSets": {"required": set(), "optional": set(), "exclusive": {"resumptionToken"}},
    "GetRecord": {"required": {"identifier", "metadataPrefix"}, "optional": set(), "exclusive": set()},
    "ListIdentifiers": {
        "required": {"metadataPrefix"},
        "optional": {"from", "until", "set"},
        "exclusive": {"resumptionToken"},
    },
    "ListRecords": {
        "required": {"metadataPrefix"},
        "optional": {"from", "until", "set"},
        "exclusive": {"resumptionToken"},
    },
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class OAIRequest:
    """A request whose arguments obey the verb's rules."""

    verb: str
    arguments: dict[str, str]
    start: datetime | None = None  # from: inclusive lower bound
    end: datetime | None = None  # until: exclusive upper bound (until + its granularity)


def parse_datestamp(name: str, value: str) -> tuple[datetime, timedelta]:
    """A from/until value and its granularity; badArgument unless day or second granularity UTC."""
    try:
        if DAY.match(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), timedelta(days=1)
        if SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), timedelta(seconds=1)
    except ValueError:
        pass
    raise OAIError(
        "badArgument", f"{name}={value!r} is not a UTC datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)."
    )


def parse_arguments(pairs: list[tuple[str, str]]) -> OAIRequest:
    """Check PAIRS against the protocol's rules; raise OAIErrors with everything wrong."""
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        if not verbs:
            message = "The verb argument is missing."
        elif len(verbs) > 1:
            message = "The verb argument is repeated."
        else:
            message = f"{verbs[0]!r} is not an OAI-PMH verb."
        raise OAIErrors([OAIError("badVerb", message)])
    verb = verbs[0]
    rules = VERBS[verb]
    allowed = rules["required"] | rules["optional"] | rules["exclusive"]
    errors: list[OAIError] = []
    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name not in allowed:
            errors.append(OAIError("badArgument", f"{name!r} is not an argument of {verb}."))
        elif name in arguments:
            errors.append(OAIError("badArgument", f"The argument {name!r} is repeated."))
        else:
            arguments[name] = value
    exclusive = [name for name in rules["exclusive"] if name in arguments]
    if exclusive:
        others = sorted(set(arguments) - set(exclusive))
        if others:
            errors.append(OAIError("badArgument", f"{exclusive[0]} must be the only argument besides verb."))
    else:
        for name in sorted(rules["required"] - set(arguments)):
            errors.append(OAIError("badArgument", f"The required argument {name!r} is missing."))
    start = end = None
    granularities = []
    for name in ("from", "until"):
        if name in arguments and not exclusive:
            try:
                moment, granularity = parse_datestamp(name, arguments[name])
            except OAIError as error:
                errors.append(error)
                continue
            granularities.append(granularity)
            if name == "from":
                start = moment
            else:
                end = moment + granularity
    if len(granularities) == 2 and granularities[0] != granularities[1]:
        errors.append(OAIError("badArgument", "from and until must have the same granularity."))
    elif start is not None and end is not None and start >= end:
        errors.append(OAIError("badArgument", "from must not be later than until."))
    if errors:
        raise OAIErrors(errors)
    return OAIRequest(verb=verb, arguments=arguments, start=start, end=end)
