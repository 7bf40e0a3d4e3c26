"""Checks for JSON text that no database backend can store."""

from __future__ import annotations


def unstorable_text(data) -> str | None:
    """Why DATA cannot be stored (NUL characters, unpaired UTF-16 surrogates), or None.

    Both are valid JSON escapes (\\u0000, \\ud800) but PostgreSQL rejects them, and a
    record must behave the same on every backend.
    """
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "NUL characters (\\u0000) are not allowed."
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "Unpaired UTF-16 surrogates are not allowed."
    return None
