"""The Elasticsearch document of a published record: explicit mapping and contents.

Documents are written by the durable indexing queue (``records.tasks.drain_search_queue``)
and by ``manage.py search_reindex``, never by model signals. ``readers`` holds the principals
of ``record_policy.record_readers``; searches filter with ``record_policy.read_scope``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django_elasticsearch_dsl import Document, fields

from records.models import DeletionStatus, Record
from records.permissions import is_restricted, record_policy
from records.search_indexes import record_terms, with_search_context

# Text analysed in English (stemming), with an unstemmed sub-field for exact words.
ENGLISH_TEXT = {"analyzer": "english", "fields": {"exact": fields.TextField(analyzer="standard")}}
DATE_FORMATS = "strict_date_optional_time||yyyy-MM-dd||yyyy-MM||yyyy"


class RecordDocument(Document):
    """Search document of ``records.Record`` (one per published version)."""

    id = fields.KeywordField()
    parent_id = fields.KeywordField()
    index = fields.IntegerField()
    is_latest = fields.BooleanField()
    deletion_status = fields.KeywordField()
    public = fields.BooleanField()
    readers = fields.KeywordField()
    created = fields.DateField()
    updated = fields.DateField()
    title = fields.TextField(
        analyzer="english",
        fields={
            "exact": fields.TextField(analyzer="standard"),
            "sort": fields.KeywordField(normalizer="lowercase"),
        },
    )
    text = fields.TextField(**ENGLISH_TEXT)
    creators = fields.TextField(analyzer="standard")
    affiliations = fields.TextField(analyzer="standard")
    subjects = fields.TextField(**ENGLISH_TEXT)
    subject_exact = fields.KeywordField()
    resource_type = fields.KeywordField()
    language = fields.KeywordField()
    license = fields.KeywordField()
    doi = fields.KeywordField()
    orcid = fields.KeywordField()
    access_status = fields.KeywordField()
    file_type = fields.KeywordField()
    year = fields.KeywordField()
    community = fields.KeywordField()
    publication_date = fields.DateField(format=DATE_FORMATS, ignore_malformed=True)

    class Index:
        name = "records"  # the real names are versioned and prefixed (repository/search/elasticsearch.py)
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    class Django:
        model = Record
        ignore_signals = True
        auto_refresh = False


def record_document(record: Record) -> dict:
    """The document of RECORD (its parent loaded), built from the same projection as the database index."""
    terms: dict[str, list[str]] = {}
    [(_, document)] = with_search_context([(record.pk, record.json)])
    for field, value in record_terms(document):
        terms.setdefault(field, []).append(value)
    metadata = record.json.get("metadata") if isinstance(record.json.get("metadata"), dict) else {}
    creators, affiliations = [], []
    for key in ("creators", "contributors"):
        for entry in metadata.get(key) or []:
            person = entry.get("person_or_org") if isinstance(entry, dict) else None
            if isinstance(person, dict):
                name = person.get("name") or " ".join(
                    str(person.get(part) or "") for part in ("given_name", "family_name")
                )
                creators.append(str(name).strip())
            for affiliation in (entry.get("affiliations") or []) if isinstance(entry, dict) else []:
                if isinstance(affiliation, dict) and isinstance(affiliation.get("name"), str):
                    affiliations.append(affiliation["name"])
    date = record.publication_date.split("/")[0] if record.publication_date else None
    return {
        "id": record.pk,
        "parent_id": record.parent_id,
        "index": record.index,
        "is_latest": record.is_latest,
        "deletion_status": record.deletion_status,
        "public": not is_restricted(record),
        "readers": sorted(record_policy.record_readers(record)),
        "created": record.created.isoformat(),
        "updated": record.updated.isoformat(),
        "title": record.title,
        "text": record.search_text,
        "creators": creators,
        "affiliations": affiliations,
        "subjects": terms.get("subject.exact", []),
        "subject_exact": terms.get("subject.exact", []),
        "resource_type": terms.get("resource_type", []),
        "language": terms.get("language", []),
        "license": terms.get("license", []),
        "doi": terms.get("doi", []),
        "orcid": terms.get("orcid", []),
        "access_status": terms.get("access_status", []),
        "file_type": terms.get("file_type", []),
        "year": terms.get("year", []),
        "community": terms.get("community", []),
        "publication_date": date or None,
    }


def document_version(record: Record) -> int:
    """External version of RECORD's document: its last change in microseconds (stale writes lose)."""
    return int(record.updated.timestamp() * 1_000_000)


class RecordAdapter:
    """What the Elasticsearch backend needs to know about records."""

    alias = "records"

    def mapping(self) -> dict:
        return RecordDocument._doc_type.mapping.to_dict()

    def settings(self) -> dict:
        return dict(RecordDocument._index._settings)

    def documents(self, ids: Iterable[str]) -> Iterator[tuple[str, dict | None, int]]:
        """(id, document or None when the record is gone, version) for each of IDS."""
        wanted = list(ids)
        found = Record.objects.filter(pk__in=wanted).select_related("parent")
        seen = set()
        for record in found:
            seen.add(record.pk)
            yield record.pk, record_document(record), document_version(record)
        for missing in set(wanted) - seen:
            yield missing, None, 0

    def all_ids(self) -> Iterator[str]:
        """Every record id, in a stable order (for a full rebuild)."""
        return Record.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000)

    def count(self) -> int:
        return Record.objects.count()

    def published_filter(self) -> dict:
        return {"term": {"deletion_status": DeletionStatus.PUBLISHED.value}}


RECORD_ADAPTER = RecordAdapter()
