"""The record JSON Schemas: loading, compiled validators, and readable errors.

Schemas live in ``records/jsonschemas/`` and are addressed by their ``$id``
(``local://records/record-v1.0.0.json``). Each is checked by two validators that
must agree: ``jsonschema`` (reports every error, with its path) and
``jsonschema-rs`` (compiled, answers valid/invalid only). The schemas avoid the
keywords where the two could differ (``format``, ``pattern``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator, TypeChecker
from jsonschema import ValidationError as SchemaError
from jsonschema.validators import extend

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "jsonschemas"

ROOT_FIELD = "_schema"
"""The field name of errors about the document as a whole (e.g. it is not an object)."""

MISSING = "Missing data for required field."
UNKNOWN_FIELD = "Unknown field."

_TYPE_NAMES = {"array": "list"}  # JSON Schema type names as messages call them


def _is_array(_checker: TypeChecker, instance: object) -> bool:
    return isinstance(instance, list | tuple)


def _is_number(_checker: TypeChecker, instance: object) -> bool:
    if not Draft202012Validator.TYPE_CHECKER.is_type(instance, "number"):
        return False
    if isinstance(instance, int):
        return True
    if isinstance(instance, Decimal):
        return instance.is_finite()
    try:
        return math.isfinite(instance)
    except (OverflowError, TypeError):  # complex numbers, huge fractions
        return False


# Where the reference validator would differ from jsonschema-rs on data a JSON parser never
# yields, it follows jsonschema-rs: tuples are arrays, NaN and infinities are not numbers.
_ReferenceValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"array": _is_array, "number": _is_number}),
)


@cache
def _schemas() -> dict[str, dict]:
    schemas = {}
    for path in sorted(SCHEMAS_DIR.rglob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[schema["$id"]] = schema
    return schemas


@cache
def schema_ids() -> frozenset[str]:
    """The ``$id`` of every shipped schema."""
    return frozenset(_schemas())


def schema(schema_id: str) -> dict:
    """The schema document with this ``$id``."""
    return _schemas()[schema_id]


@cache
def reference_validator(schema_id: str) -> Draft202012Validator:
    """The ``jsonschema`` validator of a schema (reports every error)."""
    return _ReferenceValidator(schema(schema_id))


@cache
def compiled_validator(schema_id: str) -> jsonschema_rs.Draft202012Validator:
    """The compiled ``jsonschema-rs`` validator of a schema (verdict only)."""
    return jsonschema_rs.Draft202012Validator(schema(schema_id), validate_formats=False)


def iter_schema_errors(document: object, schema_id: str) -> Iterator[tuple[str, str]]:
    """Every violation of the schema, as (dotted field path, message)."""
    reported_missing: set[str] = set()
    for error in reference_validator(schema_id).iter_errors(document):
        path = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            # One error per missing property, named by the message only: report each missing field once.
            for name in error.validator_value:
                field = _join([*path, name])
                if name not in error.instance and field not in reported_missing:
                    reported_missing.add(field)
                    yield field, MISSING
        elif error.validator == "additionalProperties" and error.validator_value is False:
            allowed = error.schema.get("properties", {})
            for name in error.instance:
                if name not in allowed:
                    yield _join([*path, str(name)]), UNKNOWN_FIELD
        else:
            yield _join(path), _message(error)


def _join(path: list[str]) -> str:
    return ".".join(path) if path else ROOT_FIELD


def _message(error: SchemaError) -> str:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "type":
        if instance is None:
            return "Field may not be null."
        names = [value] if isinstance(value, str) else list(value)
        return f"Not a valid {' or '.join(_TYPE_NAMES.get(name, name) for name in names)}."
    if keyword == "enum":
        return f"Must be one of: {', '.join(str(option) for option in value)}."
    if keyword == "minLength":
        return f"Shorter than minimum length {value}."
    if keyword == "maxLength":
        return f"Longer than maximum length {value}."
    if keyword == "minItems":
        return MISSING if value == 1 else f"Must contain at least {value} items."
    if keyword == "maxItems":
        return f"Must contain at most {value} items."
    if keyword == "minProperties":
        return f"Must contain at least {value} {'entry' if value == 1 else 'entries'}."
    if keyword == "uniqueItems":
        return "Contains duplicate items."
    if keyword == "minimum":
        return f"Must be greater than or equal to {value}."
    if keyword == "maximum":
        return f"Must be less than or equal to {value}."
    return error.message
