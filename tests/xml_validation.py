"""Validate XML against the official XSDs with the shared offline validator (validate_xml.py).

The validator and the schemas live beside the repository, in ``../shared`` (``REPONO_XML_VALIDATOR``
points elsewhere: the validator, with its ../schemas folder); it is imported by path and each
kind of schema is compiled once per test session.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from functools import cache
from pathlib import Path

from lxml import etree

REPOSITORY = Path(__file__).resolve().parent.parent
VALIDATOR = Path(
    os.environ.get("REPONO_XML_VALIDATOR", REPOSITORY.parent / "shared" / "tools" / "validate_xml.py")
)
if not VALIDATOR.is_file():  # fail loudly: an empty example list would make tests pass vacuously
    raise RuntimeError(f"XML validator not found at {VALIDATOR}; set REPONO_XML_VALIDATOR to validate_xml.py")
SCHEMAS = VALIDATOR.resolve().parent.parent / "schemas"


@cache
def _tool():
    spec = importlib.util.spec_from_file_location("validate_xml", VALIDATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _schema(kind: str, datacite_version: str) -> etree.XMLSchema:
    tmpdir = tempfile.mkdtemp(prefix="repono-xsd-")
    return _tool().build_schema(kind, SCHEMAS, datacite_version, "strict", tmpdir)


def assert_valid(
    kind: str, document: bytes | etree._Element, *, datacite_version: str = "4.7"
) -> etree._Element:
    """Fail with the schema's messages unless DOCUMENT is a valid KIND (oai-pmh, oai_dc, datacite, ...)."""
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    schema = _schema(kind, datacite_version)
    if not schema.validate(etree.ElementTree(root)):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(
            f"invalid {kind}:\n{errors}\n{etree.tostring(root, pretty_print=True).decode()[:4000]}"
        )
    return root
