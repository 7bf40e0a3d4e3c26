"""Read the shipped vocabulary files and upsert them into the given model classes.

The model classes are parameters so that the data migration can pass its
historical models (``apps.get_model``) and the service the live ones.
Files live in ``data/``: ``types.json`` maps each type to its description and
``<type>.jsonl`` holds one term per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import connections, router
from django.utils import timezone

from repository.vocabularies.text import build_search_text, build_sort_title

DATA_DIR = Path(__file__).resolve().parent / "data"
TERM_FIELDS = ("title", "description", "props", "tags", "icon", "deprecated")
CHUNK_SIZE = 2000

Progress = Callable[[int, int], None]
"""Called with (terms processed so far, total terms) while loading."""


@dataclass
class LoadStats:
    """What loading one vocabulary type did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def shipped_types() -> dict[str, str]:
    """The vocabulary types shipped in ``data/``, mapped to their descriptions."""
    return json.loads((DATA_DIR / "types.json").read_text(encoding="utf-8"))


def read_terms(vocabulary_type: str) -> list[dict]:
    """The terms of one shipped vocabulary file, with every field present."""
    terms = []
    path = DATA_DIR / f"{vocabulary_type}.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            terms.append(
                {
                    "id": raw["id"],
                    "title": raw["title"],
                    "description": raw.get("description", {}),
                    "props": raw.get("props", {}),
                    "tags": raw.get("tags", []),
                    "icon": raw.get("icon", ""),
                    "deprecated": raw.get("deprecated", False),
                }
            )
    return terms


def _insert(term_model, vocabulary_type: str, terms: list[dict], now: datetime) -> None:
    """INSERT new terms with one ``executemany``.

    ``bulk_create`` prepares every value of every row through the ORM, which is
    most of the time of loading ~8,000 languages; here only JSON values are
    prepared per row (the backend's JSON adaptation), the rest are plain values.
    """
    meta = term_model._meta
    connection = connections[router.db_for_write(term_model)]
    columns = [
        "type_id",
        "term_id",
        *TERM_FIELDS,
        "revision_id",
        "created",
        "updated",
        "search_text",
        "sort_title",
    ]
    json_fields = {name: meta.get_field(name) for name in ("title", "description", "props", "tags")}
    timestamp = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for term in terms:
        row = [vocabulary_type, term["id"]]
        for field in TERM_FIELDS:
            value = term[field]
            row.append(
                json_fields[field].get_db_prep_save(value, connection) if field in json_fields else value
            )
        row += [1, timestamp, timestamp]
        row += [build_search_text(term["id"], term["title"]), build_sort_title(term["id"], term["title"])]
        rows.append(row)
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({column_list}) VALUES ({placeholders})"  # noqa: S608  (names from the model)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def load_terms(
    *, type_model, term_model, types: Iterable[str], progress: Progress | None = None
) -> dict[str, LoadStats]:
    """Upsert the shipped terms of ``types``; terms not in the files are left alone.

    Unchanged terms are not written, so a second run is a read-only no-op.
    """
    descriptions = shipped_types()
    data = {vocabulary_type: read_terms(vocabulary_type) for vocabulary_type in types}
    total = sum(len(terms) for terms in data.values())
    done = 0
    stats: dict[str, LoadStats] = {}
    now = timezone.now()
    for vocabulary_type, terms in data.items():
        vocabulary, created = type_model.objects.get_or_create(
            id=vocabulary_type,
            defaults={"description": descriptions[vocabulary_type], "created": now, "updated": now},
        )
        if not created and vocabulary.description != descriptions[vocabulary_type]:
            vocabulary.description = descriptions[vocabulary_type]
            vocabulary.updated = now
            vocabulary.save(update_fields=["description", "updated"])
        existing = {
            row["term_id"]: row
            for row in term_model.objects.filter(type_id=vocabulary_type).values(
                "pk", "term_id", "revision_id", *TERM_FIELDS
            )
        }
        type_stats = stats[vocabulary_type] = LoadStats()
        for start in range(0, len(terms), CHUNK_SIZE):
            chunk = terms[start : start + CHUNK_SIZE]
            to_create, to_update = [], []
            for term in chunk:
                current = existing.get(term["id"])
                if current is None:
                    to_create.append(term)
                elif any(current[field] != term[field] for field in TERM_FIELDS):
                    to_update.append(
                        term_model(
                            pk=current["pk"],
                            revision_id=current["revision_id"] + 1,
                            updated=now,
                            search_text=build_search_text(term["id"], term["title"]),
                            sort_title=build_sort_title(term["id"], term["title"]),
                            **{field: term[field] for field in TERM_FIELDS},
                        )
                    )
                else:
                    type_stats.unchanged += 1
            if to_create:
                _insert(term_model, vocabulary_type, to_create, now)
            term_model.objects.bulk_update(
                to_update,
                [*TERM_FIELDS, "search_text", "sort_title", "revision_id", "updated"],
                batch_size=500,
            )
            type_stats.created += len(to_create)
            type_stats.updated += len(to_update)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return stats
