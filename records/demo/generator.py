"""Deterministic demo records: documents built from the data files and a seed.

Nothing here touches the database: the same seed always gives the same people,
identifiers and documents (only an embargo end date moves with ``today``).
People and organizations are fictitious. ORCID iDs and ROR ids are generated
with valid check digits so that they pass validation; they are not looked up
and may by chance coincide with a real one. DOIs use DataCite's test prefix
10.5072, which never resolves.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TEST_DOI_PREFIX = "10.5072"
DEFAULT_SEED = 20240517
EMBARGO_DAYS = 182
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# ORCID iDs are ISNIs from the block reserved for ORCID: 0000-0001-5000-000X to 0000-0003-5000-000X.
ORCID_BODY_RANGE = (15_000_000, 34_999_999)
ORCID_SHARE = 0.85  # most, not all, researchers give an ORCID

CREATOR_COUNTS = {
    "dataset": (2, 4),
    "publication-article": (3, 5),
    "publication-preprint": (2, 4),
    "publication-conferencepaper": (2, 3),
    "publication-report": (2, 3),
    "publication-datamanagementplan": (2, 3),
    "publication-thesis": (1, 1),
    "software": (1, 3),
    "poster": (2, 3),
    "presentation": (1, 2),
    "video": (1, 2),
}
LICENSES = {
    "dataset": ("cc-by-4.0", "cc-by-4.0", "cc0-1.0"),
    "software": ("mit", "apache-2.0", "bsd-3-clause", "gpl-3.0-or-later"),
    "workflow": ("mit", "apache-2.0"),
    "model": ("apache-2.0", "cc-by-4.0"),
    "publication-article": ("cc-by-4.0",),
}
DEFAULT_LICENSES = ("cc-by-4.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0")
DATA_CURATOR = ("research-support", 2)  # team and index of the data steward named on datasets


def orcid_check_digit(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def generate_orcid(rng: random.Random) -> str:
    """A well-formed ORCID iD (hyphenated, valid check character) from the ORCID block."""
    body = f"{rng.randint(*ORCID_BODY_RANGE):015d}"
    raw = body + orcid_check_digit(body)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def generate_ror(rng: random.Random) -> str:
    """A well-formed ROR id: ``0``, six Crockford base32 characters, two ISO 7064 MOD 97-10 digits."""
    value = rng.randrange(32**6)
    chars, rest = [], value
    for _ in range(6):
        rest, digit = divmod(rest, 32)
        chars.append(CROCKFORD[digit])
    return "0" + "".join(reversed(chars)) + f"{98 - (value * 100) % 97:02d}"


@dataclass(frozen=True)
class Organization:
    """A fictitious organization; creators may be organizations, people are affiliated with them."""

    key: str
    name: str
    ror: str

    def as_creator(self) -> dict:
        return {
            "person_or_org": {
                "type": "organizational",
                "name": self.name,
                "identifiers": [{"scheme": "ror", "identifier": self.ror}],
            }
        }


@dataclass(frozen=True)
class Person:
    """A fictitious researcher."""

    given_name: str
    family_name: str
    orcid: str | None
    affiliations: tuple[str, ...]  # organization names

    def as_person_or_org(self) -> dict:
        person = {
            "type": "personal",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": f"{self.family_name}, {self.given_name}",
        }
        if self.orcid:
            person["identifiers"] = [{"scheme": "orcid", "identifier": self.orcid}]
        return person

    def as_creator(self, role: str | None = None) -> dict:
        creator = {
            "person_or_org": self.as_person_or_org(),
            "affiliations": [{"name": name} for name in self.affiliations],
        }
        if role:
            creator["role"] = {"id": role}
        return creator

    @property
    def citation_name(self) -> str:
        initials = " ".join(f"{part[0]}." for part in self.given_name.split())
        return f"{self.family_name}, {initials}"


@dataclass(frozen=True)
class Work:
    """One demo work as written in works.json; version 1 and any later versions."""

    spec: dict

    @property
    def key(self) -> str:
        return self.spec["key"]

    @property
    def resource_type(self) -> str:
        return self.spec["type"]

    @property
    def version_count(self) -> int:
        return 1 + len(self.spec.get("versions", []))

    @property
    def retraction(self) -> dict | None:
        return self.spec.get("retract")

    def version_info(self, index: int) -> tuple[str | None, str, str]:
        """(version label, publication date, changes) of version INDEX (1-based)."""
        if index == 1:
            return self.spec.get("version"), self.spec["date"], ""
        label, date, changes = self.spec["versions"][index - 2]
        return label, date, changes


def _load(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


class DemoContent:
    """The demo works of one seed, and the documents to publish for each version."""

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        doi_namespace: str = "repono-demo",
        publisher: str = "Repono",
        today: datetime.date | None = None,
    ):
        self.seed = seed
        self.doi_namespace = doi_namespace
        self.publisher = publisher
        self.today = today or datetime.date.today()
        organizations = _load("organizations.json")
        self.organizations = {
            key: Organization(key, name, generate_ror(self._rng("organization", key)))
            for key, name in organizations["organizations"].items()
        }
        self.funders = organizations["funders"]
        self.teams = {name: self._team(name, spec) for name, spec in _load("people.json")["teams"].items()}
        self.works = [Work(spec) for spec in _load("works.json")["works"]]
        self.works_by_key = {work.key: work for work in self.works}

    def _rng(self, *parts: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
        return random.Random(":".join([str(self.seed), *parts]))

    def _team(self, name: str, spec: dict) -> list[Person]:
        affiliations = [self.organizations[key].name for key in spec["affiliations"]]
        people = []
        for given, family in spec["people"]:
            rng = self._rng("person", given, family)
            orcid = generate_orcid(rng) if rng.random() < ORCID_SHARE else None
            count = 2 if len(affiliations) > 1 and rng.random() < 0.3 else 1
            people.append(Person(given, family, orcid, tuple(rng.sample(affiliations, count))))
        return people

    # --- identifiers ---------------------------------------------------------

    def doi(self, work: Work, index: int = 1) -> str | None:
        """The external (test-prefix) DOI of a version, or None for works without one."""
        if not work.spec.get("doi"):
            return None
        suffix = f"{self.doi_namespace}.{work.key}" + (f".v{index}" if index > 1 else "")
        return f"{TEST_DOI_PREFIX}/{suffix}"

    # --- people --------------------------------------------------------------

    def authors(self, key: str) -> tuple[Person, ...]:
        """The people credited as creators of a work, first author first (the same in every version)."""
        work = self.works_by_key[key]
        rng = self._rng("authors", key)
        team = self.teams[work.spec["team"]]
        low, high = CREATOR_COUNTS.get(work.resource_type, (1, 2))
        count = min(rng.randint(low, high), len(team))
        return tuple(rng.sample(team, count))

    def _creators(self, work: Work) -> list[dict]:
        kind = work.resource_type
        creators = []
        for position, person in enumerate(self.authors(work.key)):
            role = None
            if kind == "dataset":
                role = "researcher" if position == 0 else "datacollector"
            elif kind in {"publication-report", "publication-datamanagementplan"} and position == 0:
                role = "editor"
            creators.append(person.as_creator(role))
        if work.spec.get("org_creator"):
            creators.append(self.organizations[work.spec["org_creator"]].as_creator())
        return creators

    def _contributors(self, work: Work) -> list[dict]:
        authors = self.authors(work.key)
        if work.resource_type == "dataset":
            team, index = DATA_CURATOR
            return [
                self.teams[team][index].as_creator("datacurator"),
                authors[0].as_creator("contactperson"),
            ]
        if work.resource_type == "publication-thesis":
            others = [p for p in self.teams[work.spec["team"]] if p not in authors]
            supervisor = self._rng("supervisor", work.key).choice(others)
            return [supervisor.as_creator("supervisor")]
        return []

    # --- documents -----------------------------------------------------------

    def _description(self, work: Work, index: int) -> str:
        spec = work.spec
        parts = [f"<p>{spec['summary']}</p>"]
        kind = work.resource_type
        if kind == "dataset":
            items = []
            if spec.get("collected"):
                start, _, end = spec["collected"].partition("/")
                items.append(f"<li>Temporal coverage: {start} to {end or start}</li>")
            if spec.get("place"):
                items.append(f"<li>Location: {spec['place'][0]}</li>")
            items.append("<li>Format: CSV (UTF-8) with a README describing every column and unit</li>")
            parts.append("<ul>" + "".join(items) + "</ul>")
        elif kind == "software":
            name = spec["title"].split(":", 1)[0]
            if "R package" in spec["keywords"]:
                install = f'install.packages("{name}")'
            else:
                install = f"pip install {name}"
            parts.append(f"<p>Install with <code>{install}</code>. Examples are in the documentation.</p>")
        elif kind.startswith("publication-") and spec.get("related"):
            parts.append("<p>The data and code behind this work are listed under <em>related works</em>.</p>")
        _, _, changes = work.version_info(index)
        if changes:
            label = work.version_info(index)[0]
            parts.append(f"<p><strong>Changes in version {label}:</strong> {changes}</p>")
        return "".join(parts)

    def _rights(self, work: Work) -> list[dict]:
        choices = LICENSES.get(work.resource_type, DEFAULT_LICENSES)
        return [{"id": self._rng("license", work.key).choice(choices)}]

    def _funding(self, work: Work) -> list[dict]:
        if not work.spec.get("funding"):
            return []
        funder_key, award_title = work.spec["funding"]
        funder = self.funders[funder_key]
        rng = self._rng("award", work.key)
        year = int(work.spec["date"][:4]) - rng.randint(1, 3)
        number = f"{funder['prefix']}-{year}-{rng.randint(100, 9999):04d}"
        return [
            {"funder": {"name": funder["name"]}, "award": {"title": {"en": award_title}, "number": number}}
        ]

    def _related(self, work: Work, landing_pages: Mapping[str, str]) -> list[dict]:
        related = []
        for relation, target_key in work.spec.get("related", []):
            target = self.works_by_key[target_key]
            doi = self.doi(target)
            if doi:
                identifier, scheme = doi, "doi"
            elif target_key in landing_pages:
                identifier, scheme = landing_pages[target_key], "url"
            else:
                raise ValueError(
                    f"Demo work {work.key!r} relates to {target_key!r}, which is not published yet."
                )
            related.append(
                {
                    "identifier": identifier,
                    "scheme": scheme,
                    "relation_type": {"id": relation},
                    "resource_type": {"id": target.resource_type},
                }
            )
        return related

    def _dates(self, work: Work) -> list[dict]:
        dates = []
        if work.spec.get("collected"):
            dates.append({"date": work.spec["collected"], "type": {"id": "collected"}})
        if work.resource_type.startswith(("image", "video")):
            dates.append({"date": work.spec["date"], "type": {"id": "created"}})
        return dates

    def _access(self, work: Work) -> dict:
        access = {
            "record": "public",
            "files": "public",
            "embargo": {"active": False, "until": None, "reason": None},
        }
        if work.spec.get("access") == "metadata-only":
            access["files"] = "restricted"
        elif work.spec.get("access") == "embargo":
            until = self.today + datetime.timedelta(days=EMBARGO_DAYS)
            access["files"] = "restricted"
            access["embargo"] = {
                "active": True,
                "until": until.isoformat(),
                "reason": "The files underpin a manuscript under review.",
            }
        return access

    def document(self, work: Work, index: int = 1, *, landing_pages: Mapping[str, str] | None = None) -> dict:
        """The document of version INDEX of WORK, as a depositor would send it.

        LANDING_PAGES maps the keys of already published works to their URLs; works
        without a DOI are referred to by these.
        """
        spec = work.spec
        label, date, _ = work.version_info(index)
        metadata: dict = {
            "resource_type": {"id": work.resource_type},
            "title": spec["title"],
            "publication_date": date,
            "creators": self._creators(work),
            "description": self._description(work, index),
            "languages": [{"id": language} for language in spec.get("languages", ["eng"])],
            "rights": self._rights(work),
            "subjects": [{"subject": keyword} for keyword in spec["keywords"]],
            "publisher": self.publisher,
        }
        optional = {
            "version": label,
            "contributors": self._contributors(work),
            "dates": self._dates(work),
            "related_identifiers": self._related(work, landing_pages or {}),
            "funding": self._funding(work),
        }
        metadata.update({key: value for key, value in optional.items() if value})
        if spec.get("additional_title"):
            title_type, language, title = spec["additional_title"]
            metadata["additional_titles"] = [
                {"title": title, "type": {"id": title_type}, "lang": {"id": language}}
            ]
        if spec.get("place"):
            place, longitude, latitude = spec["place"]
            metadata["locations"] = {
                "features": [
                    {"geometry": {"type": "Point", "coordinates": [longitude, latitude]}, "place": place}
                ]
            }
        document = {
            "metadata": metadata,
            "access": self._access(work),
            "files": {"enabled": False},
            "pids": {},
        }
        doi = self.doi(work, index)
        if doi:
            document["pids"]["doi"] = {"identifier": doi, "provider": "external"}
        return document

    def citation(self, work: Work, index: int = 1) -> str:
        """A plain-text citation of a version (used as the tombstone's citation text)."""
        names = [person.citation_name for person in self.authors(work.key)]
        authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" & {names[-1]}"
        _, date, _ = work.version_info(index)
        citation = f"{authors} ({date[:4]}). {work.spec['title']}. {self.publisher}."
        doi = self.doi(work, index)
        return f"{citation} https://doi.org/{doi}" if doi else citation
