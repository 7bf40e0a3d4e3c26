"""Checks for JSON text that no database backend can store."""

from __future__ import annotations

import json
import math


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


#: A JSON decoder that refuses NaN and Infinity, spelled out or overflowing (Python accepts
#: them; JSON and the databases do not).
STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def loads_strict(text: str) -> object:
    """Parse JSON text; ValueError (JSONDecodeError included) for anything that is not plain JSON.

    NaN/Infinity and nesting deeper than the interpreter can follow are errors too.
    """
    try:
        return STRICT_DECODER.decode(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


#: Deeper documents are refused: no record needs them, and recursive code (validation,
#: copying, serialization) must never meet a structure deeper than it can follow.
MAX_DEPTH = 64


def unstorable_text(data) -> str | None:
    """Why DATA cannot be stored, or None.

    NUL characters and unpaired UTF-16 surrogates are valid JSON escapes (\\u0000, \\ud800)
    but PostgreSQL rejects them, and a record must behave the same on every backend;
    nesting is limited to MAX_DEPTH levels.
    """
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return f"Nested deeper than {MAX_DEPTH} levels."
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, str):
            if "\x00" in value:
                return "NUL characters (\\u0000) are not allowed."
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "Unpaired UTF-16 surrogates are not allowed."
    return None
