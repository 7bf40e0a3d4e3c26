"""The fast path (is_valid_fast) and the reference path (validate_record) agree on every document.

Thousands of realistic records are generated with a seeded random generator, about half
of them broken by random mutations; the verdicts must match for each. The two pairs of
checkers the paths differ in (EDTF dates, identifier schemes) are also compared directly.
"""

from __future__ import annotations

import copy
import random
import string
from decimal import Decimal

import pytest

from records.validation import SCHEMA_URI, dates, identifiers, is_valid_fast, validate_record
from repository.exceptions import ValidationError

pytestmark = pytest.mark.django_db

NAN = float("nan")
RECORDS = 2500
SEED = 20240501

RESOURCE_TYPES = ["dataset", "publication-article", "software", "image-photo", "publication-thesis", "poster"]
LANGUAGES = ["eng", "deu", "fra", "ita", "spa"]
LICENSES = ["cc-by-4.0", "mit", "cc0-1.0", "apache-2.0"]
CREATOR_ROLES = ["datacollector", "editor", "researcher", "projectleader", "other"]
RELATION_TYPES = ["iscitedby", "cites", "issupplementto", "isversionof", "references"]
DATE_TYPES = ["created", "collected", "accepted", "updated"]
TITLE_TYPES = ["subtitle", "alternative-title", "translated-title"]
DESCRIPTION_TYPES = ["abstract", "methods", "technical-info"]
ISNIS = ["000000012146438X", "0000000121032683", "000000012150090X"]
GNDS = ["4079154-3", "118540238", "gnd:11850553X"]
RORS = ["01ggx4157", "03yrm5c26", "02mhbdp94", "05a28rw58"]
ISBNS = ["978-3-16-148410-0", "978-0-306-40615-7", "0-306-40615-2"]
GIVEN_NAMES = ["Ada", "Grace", "Alan", "Marie", "Rosalind", "Niels", "Lise", "Emmy"]
FAMILY_NAMES = ["Lovelace", "Hopper", "Turing", "Curie", "Franklin", "Bohr", "Meitner", "Noether"]
ORGANIZATIONS = ["CERN", "European Southern Observatory", "Max Planck Society", "Argo Program Office"]
WORDS = [
    "ocean",
    "temperature",
    "salinity",
    "profile",
    "glacier",
    "seismic",
    "genome",
    "protein",
    "survey",
    "climate",
    "model",
]

# Values that break a record: dates, unknown vocabulary ids, identifiers invalid for their scheme.
BAD_DATES = ["2020-13-45", "2021-02-29", "2020/2019", "20XX", "2020?", " 2020", "2020-1-1", "1950S2", "-0100"]
BAD_TERMS = ["dataset-x", "xxx", "cc-by-9.9", "author", "likes", "birthday", ""]
BAD_IDENTIFIERS = [
    "0000-0002-1825-0098",
    "https://example.org/x",
    "not-a-doi",
    "978-3-16-148410-1",
    "http://[::1",
]
ODD_VALUES = [None, True, 0, 1.5, -200, "", "ab", "x" * 3, [], {}, [1, "a"], {"id": "dataset"}, {"x": 1}]


def orcid(rng: random.Random) -> str:
    """A valid ORCID iD (ISO 7064 11-2 check digit, within the ORCID block of ISNI)."""
    base = f"{rng.randint(15_000_000, 35_000_000):015d}"
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    digits = base + ("X" if check == 10 else str(check))
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def random_edtf_date(rng: random.Random) -> str:
    year = rng.randint(1950, 2024)
    form = rng.random()
    if form < 0.2:
        return str(year)
    if form < 0.35:
        return f"{year}-{rng.randint(1, 12):02d}"
    if form < 0.85:
        month = rng.randint(1, 12)
        return f"{year}-{month:02d}-{rng.randint(1, dates.days_in_month(year, month)):02d}"
    return f"{year}/{year + rng.randint(0, 3)}-{rng.randint(1, 12):02d}"


# Records share dates, as real ones do; a pool also keeps the slow edtf parser's cache warm.
DATE_POOL = [random_edtf_date(random.Random(seed)) for seed in range(300)]


def edtf_date(rng: random.Random) -> str:
    return rng.choice(DATE_POOL)


def doi(rng: random.Random) -> str:
    suffix = "".join(rng.choices(string.ascii_lowercase + string.digits, k=8))
    return f"10.{rng.randint(1000, 99999)}/{rng.choice(['zenodo.', 'data.', ''])}{suffix}"


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORDS, k=count)).capitalize()


def person_or_org(rng: random.Random) -> dict:
    if rng.random() < 0.75:
        person = {
            "type": "personal",
            "given_name": rng.choice(GIVEN_NAMES),
            "family_name": rng.choice(FAMILY_NAMES),
        }
        person["name"] = f"{person['family_name']}, {person['given_name']}"
        if rng.random() < 0.6:
            person["identifiers"] = [{"scheme": "orcid", "identifier": orcid(rng)}]
        if rng.random() < 0.1:
            person.setdefault("identifiers", []).append({"scheme": "gnd", "identifier": rng.choice(GNDS)})
        return person
    organization = {"type": "organizational", "name": rng.choice(ORGANIZATIONS)}
    if rng.random() < 0.5:
        scheme = rng.choice(["ror", "isni"])
        value = rng.choice(RORS if scheme == "ror" else ISNIS)
        organization["identifiers"] = [{"scheme": scheme, "identifier": value}]
    return organization


def creator(rng: random.Random, role_required: bool = False) -> dict:
    entry: dict = {"person_or_org": person_or_org(rng)}
    if rng.random() < 0.6:
        entry["affiliations"] = [{"name": name} for name in rng.sample(ORGANIZATIONS, rng.randint(1, 2))] + (
            [{"id": "01ggx4157", "name": "CERN"}] if rng.random() < 0.2 else []
        )
    if role_required or rng.random() < 0.4:
        entry["role"] = {"id": rng.choice(CREATOR_ROLES)}
    return entry


def alternate_identifier(rng: random.Random) -> dict:
    scheme = rng.choice(["doi", "url", "isbn", "arxiv", "handle", "local"])
    value = {
        "doi": doi(rng),
        "url": f"https://example.org/data/{rng.randint(1, 10_000)}",
        "isbn": rng.choice(ISBNS),
        "arxiv": f"arXiv:{rng.randint(1501, 2312)}.{rng.randint(1, 99999):05d}",
        "handle": f"hdl:{rng.randint(10_000, 99_999)}/{rng.randint(1, 999)}",
        "local": f"inv-{rng.randint(1, 999)}",
    }[scheme]
    return {"scheme": scheme, "identifier": value}


def realistic_record(rng: random.Random) -> dict:
    """A valid record, from minimal to fully described."""
    metadata: dict = {
        "resource_type": {"id": rng.choice(RESOURCE_TYPES)},
        "title": words(rng, rng.randint(3, 9)),
        "publication_date": edtf_date(rng),
        "creators": [creator(rng) for _ in range(rng.randint(1, 4))],
    }
    full = rng.random() < 0.7

    def maybe(key: str, make, probability: float = 0.5) -> None:
        if full and rng.random() < probability:
            metadata[key] = make()

    maybe("description", lambda: f"<p>{words(rng, 20)}.</p><p><strong>{words(rng, 3)}</strong></p>", 0.9)
    maybe(
        "additional_titles",
        lambda: [{"title": words(rng, 4), "type": {"id": rng.choice(TITLE_TYPES)}, "lang": {"id": "eng"}}],
    )
    maybe(
        "additional_descriptions",
        lambda: [{"description": words(rng, 12), "type": {"id": rng.choice(DESCRIPTION_TYPES)}}],
    )
    maybe(
        "rights",
        lambda: (
            [{"id": rng.choice(LICENSES)}]
            + (
                [
                    {
                        "title": {"en": "Custom terms"},
                        "description": {"en": "Ask first."},
                        "link": "https://e.org",
                    }
                ]
                if rng.random() < 0.2
                else []
            )
        ),
        0.8,
    )
    maybe("contributors", lambda: [creator(rng, role_required=True) for _ in range(rng.randint(1, 2))])
    maybe(
        "subjects",
        lambda: (
            [{"subject": word} for word in rng.sample(WORDS, 2)]
            + [{"id": "https://id.loc.gov/authorities/subjects/sh85097418"}]
        ),
    )
    maybe("languages", lambda: [{"id": lang} for lang in rng.sample(LANGUAGES, rng.randint(1, 2))], 0.7)
    maybe(
        "dates",
        lambda: [
            {"date": edtf_date(rng), "type": {"id": rng.choice(DATE_TYPES)}, "description": "Fieldwork"}
            for _ in range(rng.randint(1, 2))
        ],
    )
    maybe("version", lambda: f"v{rng.randint(1, 3)}.{rng.randint(0, 9)}")
    maybe("publisher", lambda: "Repono")
    maybe("identifiers", lambda: [alternate_identifier(rng)])
    maybe(
        "related_identifiers",
        lambda: [
            {
                "identifier": doi(rng),
                "scheme": "doi",
                "relation_type": {"id": rng.choice(RELATION_TYPES)},
                **({"resource_type": {"id": rng.choice(RESOURCE_TYPES)}} if rng.random() < 0.5 else {}),
            }
            for _ in range(rng.randint(1, 3))
        ],
        0.7,
    )
    maybe("sizes", lambda: [f"{rng.randint(1, 900)} MB"])
    maybe("formats", lambda: ["text/csv", "application/x-netcdf"])
    maybe(
        "locations",
        lambda: {
            "features": [
                {
                    "geometry": {
                        "type": "Point",
                        "coordinates": [rng.uniform(-180, 180), rng.uniform(-90, 90)],
                    },
                    "place": "North Atlantic",
                }
            ]
        },
        0.3,
    )
    maybe(
        "funding",
        lambda: [
            {
                "funder": {"id": "00k4n6c32", "name": "European Commission"},
                "award": {
                    "title": {"en": "Ocean observations"},
                    "number": str(rng.randint(100_000, 999_999)),
                },
            }
        ],
        0.3,
    )
    maybe(
        "references", lambda: [{"reference": f"{rng.choice(FAMILY_NAMES)} et al. (2019). {words(rng, 5)}."}]
    )
    embargoed = rng.random() < 0.1
    document = {
        "$schema": SCHEMA_URI,
        "metadata": metadata,
        "access": {
            "record": rng.choice(["public", "public", "restricted"]),
            "files": "restricted" if embargoed else rng.choice(["public", "restricted"]),
            "embargo": {
                "active": embargoed,
                "until": f"{rng.randint(2025, 2030)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                if embargoed
                else None,
                "reason": "Pending publication" if embargoed else None,
            },
        },
        "files": {"enabled": rng.random() < 0.8, "order": [], "default_preview": None},
        "pids": {"doi": {"identifier": doi(rng), "provider": "external"}} if rng.random() < 0.4 else {},
        "custom_fields": {},
    }
    return document


def _containers(node: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    """Every dict and list in the document, with its path."""
    found = []
    if isinstance(node, dict | list):
        found.append((path, node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            found.extend(_containers(value, (*path, key)))
    return found


def _set_at(document: dict, path: tuple, value: object) -> None:
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _leaf_paths(document: dict, leaf_name: str) -> list[tuple]:
    return [
        (*path, leaf_name)
        for path, node in _containers(document)
        if isinstance(node, dict) and leaf_name in node
    ]


def _first_person(document: dict) -> dict:
    metadata = document.get("metadata")
    creators = metadata.get("creators") if isinstance(metadata, dict) else None
    entry = creators[0] if isinstance(creators, list) and creators else None
    person = entry.get("person_or_org") if isinstance(entry, dict) else None
    return person if isinstance(person, dict) else {}


def mutate(document: dict, rng: random.Random) -> None:
    """Apply one random change; most make the record invalid, some do not."""
    kind = rng.choice(
        [
            "drop_key",
            "drop_required",
            "odd_value",
            "short_title",
            "bad_date",
            "bad_term",
            "bad_identifier",
            "extra_key",
            "empty_list",
            "person_type",
        ]
    )
    containers = _containers(document)
    dicts = [node for _, node in containers if isinstance(node, dict) and node]
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    if kind == "drop_key":
        node = rng.choice(dicts)
        del node[rng.choice(list(node))]
    elif kind == "drop_required":
        metadata.pop(rng.choice(["title", "resource_type", "publication_date", "creators"]), None)
        _first_person(document).pop(rng.choice(["family_name", "name", "type"]), None)
    elif kind == "odd_value":
        node = rng.choice(dicts)
        node[rng.choice(list(node))] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif kind == "short_title":
        metadata["title"] = rng.choice(["", "a", "ab", "abc"])
    elif kind == "bad_date":
        paths = _leaf_paths(document, "date") + _leaf_paths(document, "until")
        paths += _leaf_paths(document, "publication_date")
        if paths:
            _set_at(document, rng.choice(paths), rng.choice(BAD_DATES))
    elif kind == "bad_term":
        paths = _leaf_paths(document, "id")
        if paths:
            _set_at(document, rng.choice(paths), rng.choice(BAD_TERMS))
    elif kind == "bad_identifier":
        paths = _leaf_paths(document, "identifier")
        if paths:
            path = rng.choice(paths)
            bad = "not-a-doi" if path[:2] == ("pids", "doi") else rng.choice(BAD_IDENTIFIERS)
            _set_at(document, path, bad)
    elif kind == "extra_key":
        rng.choice(dicts)[rng.choice(["foo", "notes", "id", "Title", "scheme"])] = "extra"
    elif kind == "empty_list":
        lists = [path for path, node in containers if isinstance(node, list) and path]
        if lists:
            _set_at(document, rng.choice(lists), [])
    else:
        _first_person(document)["type"] = rng.choice(["personal", "organizational", "Personal", "group"])


def generated_documents() -> list[dict]:
    rng = random.Random(SEED)
    documents = []
    for _ in range(RECORDS):
        document = realistic_record(rng)
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                mutate(document, rng)
        documents.append(document)
    return documents


def _reference_verdict(document: object) -> bool | str:
    try:
        return not validate_record(document)
    except ValidationError:
        return "refused"  # an unknown $schema


def _fast_verdict(document: object) -> bool | str:
    try:
        return is_valid_fast(document)
    except ValidationError:
        return "refused"


def test_fast_path_agrees_with_reference_on_generated_records():
    verdicts = {True: 0, False: 0, "refused": 0}
    disagreements = []
    for document in generated_documents():
        reference = _reference_verdict(document)
        verdicts[reference] += 1
        if _fast_verdict(document) != reference:
            disagreements.append((reference, document))
    assert disagreements == []
    # Both outcomes must be well represented, or the comparison proves little.
    assert verdicts[True] > RECORDS // 3
    assert verdicts[False] > RECORDS // 4


@pytest.mark.parametrize(
    "document",
    [
        {"metadata": {"title": {"a", "set"}}},
        {"metadata": {"title": b"bytes"}},
        {"metadata": {1: "a non-string key"}},
        {"metadata": {"locations": {"features": [{"geometry": {"type": "Point", "coordinates": [NAN, 0]}}]}}},
        {
            "metadata": {
                "locations": {"features": [{"geometry": {"type": "Point", "coordinates": [1e400, 0]}}]}
            }
        },
        {
            "metadata": {
                "locations": {"features": [{"geometry": {"type": "Point", "coordinates": [10**400, 0]}}]}
            }
        },
        {
            "metadata": {
                "locations": {"features": [{"geometry": {"type": "Point", "coordinates": [Decimal(1), 0]}}]}
            }
        },
        {"metadata": {}, "custom_fields": {"nan": NAN, "decimal": Decimal("NaN"), "big": 10**400}},
        {"metadata": ({"not": "a dict"},)},
        {"metadata": {"creators": ({"person_or_org": {"type": "personal", "family_name": "Tuple"}},)}},
        [],
        "not a document",
    ],
)
def test_fast_path_agrees_on_data_that_is_not_json(document):
    assert _fast_verdict(document) == _reference_verdict(document)


def test_unknown_schema_is_refused_by_both_paths():
    document = realistic_record(random.Random(1))
    document["$schema"] = "local://records/record-v9.0.0.json"
    with pytest.raises(ValidationError):
        validate_record(document)
    with pytest.raises(ValidationError):
        is_valid_fast(document)


def _date_candidates(rng: random.Random) -> set[str]:
    candidates = set(BAD_DATES) | set(DATE_POOL)
    candidates |= {
        "0000",
        "0000-02-29",
        "1900-02-29",
        "2000-02-29",
        "2100-02-29",
        "2020/2020",
        "2020-06/2020",
    }
    for _ in range(250):
        year, month, day = rng.randint(0, 9999), rng.randint(0, 13), rng.randint(0, 32)
        candidates.add(f"{year:04d}-{month:02d}-{day:02d}")
        candidates.add(f"{year:04d}-{month:02d}/{rng.randint(0, 9999):04d}-{rng.randint(1, 12):02d}")
        candidates.add("".join(rng.choices("0123456789-/", k=rng.randint(1, 12))))
    return candidates


def test_fast_edtf_check_agrees_with_the_edtf_library():
    candidates = _date_candidates(random.Random(SEED))
    disagreements = [
        (value, dates.edtf_error(value), dates.edtf_error_fast(value))
        for value in sorted(candidates)
        if dates.edtf_error(value) != dates.edtf_error_fast(value)
    ]
    assert disagreements == []
    accepted = sum(dates.edtf_error(value) is None for value in candidates)
    assert 0.1 * len(candidates) < accepted < 0.9 * len(candidates)


IDENTIFIER_SEEDS = [
    "10.1234/abc.def",
    "https://doi.org/10.1234/ABC",
    "doi:10.1/x",
    "https://example.org/data",
    "http://hdl.handle.net/11234/1-1234",
    "hdl:11234/1-1234",
    "978-3-16-148410-0",
    "0-306-40615-2",
    "gnd:978-3-16-148410-0",
    "0000-0002-1825-0097",
    "https://orcid.org/0000-0002-1825-0097",
    "arXiv:2101.00001",
    "math.GT/0309136",
    "https://ror.org/03yrm5c26",
    "gnd:4079154-3",
    "https://isni.org/isni/000000012146438X",
    "0317-8471",
    "ark:/13030/tf5p30086k",
    "urn:nbn:de:101:1-2019",
    "12345678",
    "PMC1234567",
    "https://viaf.org/viaf/12345",
    "Q42",
    "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2",
    "user@example.org",
    "https://raid.org/10.1234/abc",
    "http://[::1]/x",
]


def test_fast_scheme_detection_agrees_with_idutils():
    rng = random.Random(SEED)
    alphabet = string.ascii_letters + string.digits + "-/:.[] é"
    values = set(IDENTIFIER_SEEDS)
    while len(values) < 1500:
        value = list(rng.choice(IDENTIFIER_SEEDS))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(value) + 1)
            if rng.random() < 0.5 and position < len(value):
                del value[position]
            else:
                value.insert(position, rng.choice(alphabet))
        values.add("".join(value))
    disagreements = []
    detections = 0
    for value in sorted(values):
        reference = {
            scheme for scheme in identifiers.KNOWN_SCHEMES if identifiers.scheme_detected(value, scheme)
        }
        fast = {
            scheme for scheme in identifiers.KNOWN_SCHEMES if identifiers.scheme_detected_fast(value, scheme)
        }
        detections += len(reference)
        if reference != fast:
            disagreements.append((value, reference, fast))
    assert disagreements == []
    assert detections > len(values) // 2
