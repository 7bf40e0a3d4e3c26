"""The search index of published records: fields users can query, facets, sorts, and the term rows.

Users type short aliases (``creator:``, ``type:``, ``year:``) or InvenioRDM's full paths
(``metadata.creators.person_or_org.name:``). The database backend keeps exact values and
words of the non-title fields as ``RecordSearchTerm`` rows, written by a ``records_changed``
receiver in the transaction that changed the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.db import connection
from django.db.models import QuerySet
from django.dispatch import receiver

from records.documents import access_status
from records.models import Record, RecordRevision
from records.search_models import FACET_SEPARATOR, FACET_TERM_FIELDS, RecordSearchFacets, RecordSearchTerm
from records.signals import records_changed
from repository.search.query import DATE, KEYWORD, TEXT, FieldSet, SearchField, text_tokens
from repository.search.spec import Facet, SearchIndex, register

MAX_TERM_LENGTH = 200

RECORD_FIELDS = FieldSet(
    [
        SearchField("title", TEXT, ("titles", "metadata.title"), es_field="title"),
        SearchField(
            "creator",
            TEXT,
            (
                "author",
                "creators",
                "authors",
                "metadata.creators.person_or_org.name",
                "metadata.creators.person_or_org.family_name",
                "metadata.creators.person_or_org.given_name",
            ),
            es_field="creators",
        ),
        SearchField(
            "affiliation",
            TEXT,
            ("affiliations", "metadata.creators.affiliations.name"),
            es_field="affiliations",
        ),
        SearchField(
            "subject",
            TEXT,
            ("subjects", "keyword", "keywords", "metadata.subjects.subject"),
            es_field="subjects",
        ),
        SearchField(
            "resource_type", KEYWORD, ("type", "metadata.resource_type.id"), es_field="resource_type"
        ),
        SearchField("language", KEYWORD, ("languages", "metadata.languages.id"), es_field="language"),
        SearchField("license", KEYWORD, ("rights", "metadata.rights.id"), es_field="license"),
        SearchField("doi", KEYWORD, ("pids.doi.identifier",), es_field="doi"),
        SearchField(
            "orcid",
            KEYWORD,
            ("metadata.creators.person_or_org.identifiers.identifier",),
            es_field="orcid",
        ),
        SearchField("access_status", KEYWORD, ("access.status",), es_field="access_status"),
        SearchField("file_type", KEYWORD, ("files.types",), es_field="file_type"),
        SearchField(
            "publication_date",
            DATE,
            ("year", "date", "metadata.publication_date"),
            es_field="publication_date",
        ),
        SearchField("created", DATE, (), es_field="created"),
        SearchField("updated", DATE, (), es_field="updated"),
    ]
)

ACCESS_STATUS_LABELS = {
    "open": "Open",
    "embargoed": "Embargoed",
    "restricted": "Restricted",
    "metadata-only": "Metadata-only",
}


def _vocabulary_labels(vocabulary: str):
    def labels(keys: list[str]) -> dict[str, str]:
        from repository.vocabularies.selectors import get_terms

        terms = get_terms(vocabulary, keys)
        result = {}
        for key, term in terms.items():
            title = term.get("title")
            result[key] = (
                (title.get("en") or next(iter(title.values()), key)) if isinstance(title, dict) else key
            )
        return result

    return labels


def _access_labels(keys: list[str]) -> dict[str, str]:
    return {key: ACCESS_STATUS_LABELS.get(key, key) for key in keys}


def _upper_labels(keys: list[str]) -> dict[str, str]:
    return {key: key.upper() for key in keys}


def _visible_communities(viewer):
    from django.contrib.auth.models import AnonymousUser

    from communities.models import Community
    from communities.permissions import community_policy

    return community_policy.filter_visible(viewer or AnonymousUser(), Community.objects.all())


def _community_restrict(keys: list[str], viewer) -> set[str]:
    """The community ids among KEYS the viewer may see (others are dropped from the facet)."""
    ids = [key for key in keys if _is_uuid(key)]
    return {str(pk) for pk in _visible_communities(viewer).filter(pk__in=ids).values_list("pk", flat=True)}


def _community_resolve(values: list[str], viewer) -> list[str]:
    """Community ids of the filter VALUES (ids or slugs) among the communities the viewer may see."""
    from django.db.models import Q

    ids = [value for value in values if _is_uuid(value)]
    found = _visible_communities(viewer).filter(Q(pk__in=ids) | Q(slug__in=values))
    return sorted(str(pk) for pk in found.values_list("pk", flat=True))


def _community_labels(keys: list[str]) -> dict[str, str]:
    from communities.models import Community

    ids = [key for key in keys if _is_uuid(key)]
    return {str(pk): title for pk, title in Community.objects.filter(pk__in=ids).values_list("pk", "title")}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


RECORD_INDEX = register(
    SearchIndex(
        model=Record,
        fields=RECORD_FIELDS,
        default_es_fields=("title^3", "text"),
        term_fields={
            "creator": "creator",
            "affiliation": "affiliation",
            "subject": "subject",
            "resource_type": "resource_type",
            "language": "language",
            "license": "license",
            "doi": "doi",
            "orcid": "orcid",
            "access_status": "access_status",
            "file_type": "file_type",
        },
        fulltext_columns={"title": "title"},
        date_columns={"publication_date": "publication_date", "created": "created", "updated": "updated"},
        text_dates=frozenset({"publication_date"}),
        exists_columns={"title": "title"},
        facets=(
            Facet(
                "resource_type",
                "Resource types",
                "resource_type",
                nested=True,
                labels=_vocabulary_labels("resourcetypes"),
            ),
            Facet("access_status", "Access status", "access_status", labels=_access_labels),
            Facet("language", "Languages", "language", labels=_vocabulary_labels("languages")),
            Facet("subject", "Subjects", "subject.exact", es_field="subject_exact"),
            Facet("file_type", "File types", "file_type", labels=_upper_labels),
            Facet("publication_date", "Publication year", "year", size=50, order_by_key=True),
            Facet(
                "community",
                "Communities",
                "community",
                labels=_community_labels,
                restrict=_community_restrict,
                resolve=_community_resolve,
            ),
        ),
        suggest_fields=("title", "creator"),
        sorts={
            "newest": ("-created", "-pk"),
            "oldest": ("created", "pk"),
            "updated-desc": ("-updated", "-pk"),
            "updated-asc": ("updated", "pk"),
            "version": ("-index", "-created", "-pk"),
            "title": ("title", "pk"),
        },
        term_model=RecordSearchTerm,
        facet_model=RecordSearchFacets,
        facet_array_column="search_facets",
        term_writer="records.search_indexes.write_search_terms",
        es_adapter="records.search_documents.RECORD_ADAPTER",
        es_sorts={
            "bestmatch": ("_score", {"created": "desc"}, {"id": "desc"}),
            "newest": ({"created": "desc"}, {"id": "desc"}),
            "oldest": ({"created": "asc"}, {"id": "asc"}),
            "updated-desc": ({"updated": "desc"}, {"id": "desc"}),
            "updated-asc": ({"updated": "asc"}, {"id": "asc"}),
            "version": ({"index": "desc"}, {"created": "desc"}, {"id": "desc"}),
            "title": ({"title.sort": "asc"}, {"id": "asc"}),
        },
    )
)


def _person_entries(metadata: dict) -> Iterable[dict]:
    for key in ("creators", "contributors"):
        entries = metadata.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                yield entry


def record_terms(document: dict) -> list[tuple[str, str]]:
    """The (field, value) rows of a record document: exact values for facets, words for field queries.

    ``parent.communities.ids`` (filled in by ``with_search_context``) gives the community rows.
    """
    return sorted(_record_terms(document))


def _record_terms(document: dict) -> set[tuple[str, str]]:
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    terms: set[tuple[str, str]] = set()

    def add(field: str, value) -> None:
        if isinstance(value, str) and (value := value.strip()):
            terms.add((field, value[:MAX_TERM_LENGTH]))

    def add_words(field: str, value) -> None:
        if isinstance(value, str):  # words are never empty and hold no spaces: no strip needed
            terms.update((field, word[:MAX_TERM_LENGTH]) for word in text_tokens(value))

    resource_type = metadata.get("resource_type")
    if isinstance(resource_type, dict) and isinstance(resource_type.get("id"), str):
        type_id = resource_type["id"].lower()
        add("resource_type", type_id)
        add("resource_type", type_id.split("-", 1)[0])
    for language in metadata.get("languages") or []:
        if isinstance(language, dict):
            add("language", str(language.get("id") or "").lower())
    for right in metadata.get("rights") or []:
        if isinstance(right, dict):
            add("license", str(right.get("id") or "").lower())
    for subject in metadata.get("subjects") or []:
        if isinstance(subject, dict):
            text = subject.get("subject") or subject.get("id")
            add("subject.exact", text)
            add_words("subject", text)
    for entry in _person_entries(metadata):
        person = entry.get("person_or_org") if isinstance(entry.get("person_or_org"), dict) else {}
        # one pass over the parts' words (a space between two parts cannot join two words)
        parts = (person.get("name"), person.get("family_name"), person.get("given_name"))
        add_words("creator", " ".join(part for part in parts if isinstance(part, str)))
        for identifier in person.get("identifiers") or []:
            if isinstance(identifier, dict) and identifier.get("scheme") == "orcid":
                add("orcid", str(identifier.get("identifier") or "").lower())
        for affiliation in entry.get("affiliations") or []:
            if isinstance(affiliation, dict):
                add_words("affiliation", affiliation.get("name"))
    pids = document.get("pids") if isinstance(document.get("pids"), dict) else {}
    doi = pids.get("doi")
    if isinstance(doi, dict):
        add("doi", str(doi.get("identifier") or "").lower())
    access = document.get("access") if isinstance(document.get("access"), dict) else {}
    add("access_status", access_status(access))
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    entries = files.get("entries")
    for key in entries if isinstance(entries, dict) else []:
        suffix = PurePosixPath(str(key)).suffix.lstrip(".").lower()
        add("file_type", suffix)
    date = metadata.get("publication_date")
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        add("year", date[:4])
    parent = document.get("parent") if isinstance(document.get("parent"), dict) else {}
    communities = parent.get("communities") if isinstance(parent.get("communities"), dict) else {}
    for community_id in communities.get("ids") or []:
        add("community", str(community_id))
    return terms


def with_search_context(
    documents: list[tuple[str, dict]], *, records: QuerySet | None = None
) -> list[tuple[str, dict]]:
    """DOCUMENTS with what the stored record JSON lacks: ``files.entries`` (from the files app)
    and ``parent.communities.ids`` (the communities that include the record's parent).

    RECORDS: a query of the documents' records (a range of the full rebuild's), which the
    queries name instead of every id (building and splitting thousands of parameters cost more
    than running the queries).
    """
    from communities.models import CommunityRecord
    from files.selectors import file_keys_by_record

    if records is None:
        record_ids = [record_id for record_id, _ in documents]
        records = Record.objects.filter(pk__in=record_ids)
    else:
        record_ids = records.values("pk")
    keys = file_keys_by_record(record_ids)
    communities: dict[str, list[str]] = {}
    links = CommunityRecord.objects.filter(parent__in=records.values("parent_id")).values_list(
        "parent_id", "community_id"
    )
    by_parent: dict[str, list[str]] = {}
    for parent_id, community_id in links:
        by_parent.setdefault(parent_id, []).append(str(community_id))
    if by_parent:
        for record_id, parent_id in records.values_list("pk", "parent_id"):
            if parent_id in by_parent:
                communities[record_id] = sorted(by_parent[parent_id])
    result = []
    for record_id, document in documents:
        document = document if isinstance(document, dict) else {}
        if keys.get(record_id):
            files = document.get("files") if isinstance(document.get("files"), dict) else {}
            document = {**document, "files": {**files, "entries": dict.fromkeys(keys[record_id], {})}}
        parent = document.get("parent") if isinstance(document.get("parent"), dict) else {}
        if communities.get(record_id) or parent.get("communities"):  # the database, not stored JSON, says
            parent = {**parent, "communities": {"ids": communities.get(record_id, [])}}
            document = {**document, "parent": parent}
        result.append((record_id, document))
    return result


def write_search_terms(record_ids: Iterable[str], *, new: bool = False) -> int:
    """Rebuild the term rows of RECORD_IDS from their documents; the number of rows written.

    NEW: the records were created in this transaction (a bulk-import batch), so no rows of theirs
    exist to delete.
    """
    ids = list(record_ids)
    if not ids:
        return 0
    documents = list(Record.objects.filter(pk__in=ids).values_list("pk", "json").iterator())
    return replace_search_terms(documents, delete_ids=ids, new=new)


def facet_entries(terms: Iterable[tuple[str, str]]) -> str:
    """The ``RecordSearchFacets.facets`` text of a record's term rows: its facet values, sorted.

    A value holding the separator (a control character) is left out rather than split.
    """
    return FACET_SEPARATOR.join(
        f"{field}={value}"
        for field, value in sorted(terms)
        if field in FACET_TERM_FIELDS and FACET_SEPARATOR not in value
    )


#: the columns of a term row and of a facet row, in the order ``search_rows`` gives them
TERM_COLUMNS = ("record_id", "field", "value")
FACET_COLUMNS = ("record_id", "facets")


def search_rows(
    documents: list[tuple[str, dict]], *, records: QuerySet | None = None
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The search projection of DOCUMENTS ((record id, document) pairs) that lives outside the record row.

    (term rows (``TERM_COLUMNS``), facet rows (``FACET_COLUMNS``)): the one projection of records
    into rows, which publishing, the queue drain and the full rebuild (``records.search_rebuild``)
    all write. RECORDS: see ``with_search_context``.
    """
    terms, facets = [], []
    for record_id, document in with_search_context(documents, records=records):
        pairs = record_terms(document)
        terms.extend((record_id, field, value) for field, value in pairs)
        entries = facet_entries(pairs)
        if entries:
            facets.append((record_id, entries))
    return terms, facets


def replace_search_terms(
    documents: list[tuple[str, dict]],
    *,
    delete_ids: list[str],
    tables: tuple[str, str] | None = None,
    new: bool = False,
) -> int:
    """Replace the search rows of DOCUMENTS ((record id, document) pairs) and of the records
    DELETE_IDS (those without a document are gone); the number of term rows written.

    The rows, all from ``search_rows``: term rows, one facet row per record, and on PostgreSQL
    the record's facet array (``records_record.search_facets``). With TABLES (the full rebuild's
    new term and facet tables, ``records.search_rebuild``) the rows go there and the arrays are
    left to the rebuild's swap.

    Plain SQL (COPY on PostgreSQL): this runs inside every publish and every bulk-import batch.
    With NEW (records created in this transaction) nothing is deleted first: during a long bulk
    load the planner's statistics of the term table lag behind its size (all the more without
    autovacuum), and it chose a sequential scan of the whole table for each batch's DELETE, so a
    load slowed down as it grew.
    """
    rows, facet_rows = search_rows(documents)
    terms, facets = tables or (RecordSearchTerm._meta.db_table, RecordSearchFacets._meta.db_table)
    writes = ((terms, TERM_COLUMNS, rows), (facets, FACET_COLUMNS, facet_rows))
    with connection.cursor() as cursor:
        for target, columns, target_rows in writes:
            for start in range(0, 0 if new else len(delete_ids), 500):
                chunk = delete_ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {target} WHERE record_id IN ({marks})", chunk)  # noqa: S608
            insert_rows(cursor, target, columns, target_rows)
    if tables is None and connection.vendor == "postgresql":
        _copy_facet_arrays(delete_ids)
    return len(rows)


def insert_rows(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Write ROWS (tuples of COLUMNS) into TABLE: COPY on PostgreSQL, one ``executemany`` on SQLite."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cursor.connection.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def facet_array_update(condition: str) -> str:
    """PostgreSQL: the UPDATE that copies facet rows into ``records_record.search_facets`` for the
    records matching CONDITION; rows whose array is already right are not rewritten."""
    table, facets = Record._meta.db_table, RecordSearchFacets._meta.db_table
    new = (
        f"COALESCE((SELECT string_to_array(f.facets, chr({ord(FACET_SEPARATOR)})) FROM {facets} f "  # noqa: S608
        f"WHERE f.record_id = {table}.id), '{{}}')"
    )
    return (
        f"UPDATE {table} SET search_facets = {new} "  # noqa: S608
        f"WHERE search_facets IS DISTINCT FROM {new} AND {condition}"
    )


def _copy_facet_arrays(record_ids: list[str]) -> None:
    """PostgreSQL: copy the facet rows of RECORD_IDS into ``records_record.search_facets``.

    The array (GIN-indexed, created by migration records.0007) serves facet selections.
    """
    update = facet_array_update("id = ANY(%s::varchar[])")
    with connection.cursor() as cursor:
        for start in range(0, len(record_ids), 500):
            cursor.execute(update, [record_ids[start : start + 500]])


@receiver(records_changed, dispatch_uid="records.search_indexes.records_changed")
def index_changed_records(sender, record_ids: list[str], action: str, **kwargs) -> None:
    """In the writing transaction: term rows now; for an external index, a durable queue entry."""
    from records.search_models import SearchQueueEntry
    from repository.search import get_backend

    # an import batch's records were inserted in this transaction (existing ids are skipped)
    new = action == RecordRevision.Action.IMPORT
    for start in range(0, len(record_ids), 500):
        write_search_terms(record_ids[start : start + 500], new=new)
    if get_backend().indexes_after_commit:
        # Publishing a version changes is_latest of its siblings: their documents change too.
        parents = Record.objects.filter(pk__in=record_ids).values("parent_id")
        siblings = set(Record.objects.filter(parent_id__in=parents).values_list("pk", flat=True))
        queued = list(record_ids) + sorted(siblings - set(record_ids))
        SearchQueueEntry.objects.bulk_create([SearchQueueEntry(record_id=record_id) for record_id in queued])


#: the facet names, which are also the filter query parameters of record searches
RECORD_FACETS = tuple(facet.name for facet in RECORD_INDEX.facets)


def vocabulary_references(records: Iterable[Record]) -> dict[str, set[str]]:
    """The vocabulary ids a page of RECORDS shows titles for ({type: ids}), to load them at once."""
    wanted: dict[str, set[str]] = {"resourcetypes": set(), "languages": set(), "licenses": set()}
    for record in records:
        metadata = record.json.get("metadata") if isinstance(record.json, dict) else None
        if not isinstance(metadata, dict):
            continue
        resource_type = metadata.get("resource_type")
        if isinstance(resource_type, dict) and isinstance(resource_type.get("id"), str):
            wanted["resourcetypes"].add(resource_type["id"])
        for field, vocabulary in (("languages", "languages"), ("rights", "licenses")):
            entries = metadata.get(field)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    wanted[vocabulary].add(entry["id"])
    return {vocabulary: ids for vocabulary, ids in wanted.items() if ids}
