"""OAI-PMH protocol errors: answered with HTTP 200 and <error code="...">, never a 4xx."""

from __future__ import annotations

CODES = (
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
)


class OAIError(Exception):
    """One OAI-PMH error; a response may carry several (e.g. several bad arguments)."""

    def __init__(self, code: str, message: str):
        if code not in CODES:
            raise ValueError(f"Unknown OAI-PMH error code {code!r}")
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class OAIErrors(Exception):
    """Several errors found at once (argument checking reports all of them)."""

    def __init__(self, errors: list[OAIError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
