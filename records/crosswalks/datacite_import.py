"""DataCite kernel-4 XML → record document (the inverse of records.crosswalks.datacite).

A pure function: it returns the document a depositor could have written (``metadata``,
``access``, ``files``, ``pids``) and the list of what DataCite said that our record schema
cannot hold, so callers can report it (docs/oai-pmh.md lists and justifies the losses).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lxml import etree

from records.crosswalks import datacite
from records.validation.dates import edtf_error
from records.validation.identifiers import (
    KNOWN_SCHEMES,
    PERSON_OR_ORG_SCHEMES,
    normalize_identifier,
    scheme_detected,
)

NS = "http://datacite.org/schema/kernel-4"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# DataCite resourceTypeGeneral → our resource type vocabulary id (the most general matching term).
RESOURCE_TYPES = {
    "Audiovisual": "video",
    "Book": "publication-book",
    "BookChapter": "publication-section",
    "ComputationalNotebook": "software-computationalnotebook",
    "ConferencePaper": "publication-conferencepaper",
    "ConferenceProceeding": "publication-conferenceproceeding",
    "DataPaper": "publication-datapaper",
    "Dataset": "dataset",
    "Dissertation": "publication-dissertation",
    "Event": "event",
    "Image": "image",
    "Journal": "publication-journal",
    "JournalArticle": "publication-article",
    "Model": "model",
    "OutputManagementPlan": "publication-datamanagementplan",
    "PeerReview": "publication-peerreview",
    "PhysicalObject": "physicalobject",
    "Poster": "poster",
    "Preprint": "publication-preprint",
    "Presentation": "presentation",
    "Report": "publication-report",
    "Software": "software",
    "Standard": "publication-standard",
    "Text": "publication",
    "Workflow": "workflow",
}
# Our vocabularies use DataCite's values lower-cased, minus the ones they lack.
ROLES = set(datacite.CONTRIBUTOR_TYPES) - {"translator"}
DATE_TYPES = set(datacite.DATE_TYPES) - {"coverage"}
RELATION_TYPES = set(datacite.RELATION_TYPES) - {"other"}
TITLE_TYPES = {
    "AlternativeTitle": "alternative-title",
    "Subtitle": "subtitle",
    "TranslatedTitle": "translated-title",
}
DESCRIPTION_TYPES = {
    "Abstract": "abstract",
    "Methods": "methods",
    "SeriesInformation": "series-information",
    "TableOfContents": "table-of-contents",
    "TechnicalInfo": "technical-info",
}
# ISO 639-1 → ISO 639-3 for the languages DataCite's examples and most records use.
LANGUAGES = {
    "en": "eng",
    "fr": "fra",
    "de": "deu",
    "es": "spa",
    "it": "ita",
    "nl": "nld",
    "pt": "por",
    "ja": "jpn",
    "zh": "zho",
    "ru": "rus",
    "sv": "swe",
    "da": "dan",
    "fi": "fin",
    "no": "nor",
    "pl": "pol",
    "el": "ell",
}
NAME_SCHEMES = {"orcid": "orcid", "ror": "ror", "isni": "isni", "gnd": "gnd"}
ORCID_OR_ROR_URL = re.compile(
    r"^https?://(orcid\.org|ror\.org|d-nb\.info/gnd|isni\.org/isni)/", re.IGNORECASE
)
ACCESS_RIGHTS = re.compile(r"^info:eu-repo/semantics/(open|embargoed|restricted|closed)Access$")


@dataclass
class Imported:
    """The document built from a DataCite record, and what could not be kept."""

    document: dict
    lost: list[str] = field(default_factory=list)


def _text(element: etree._Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _all(parent: etree._Element, path: str) -> list[etree._Element]:
    return parent.findall(path.replace("d:", f"{{{NS}}}"))


def _one(parent: etree._Element, path: str) -> etree._Element | None:
    return parent.find(path.replace("d:", f"{{{NS}}}"))


def _language(tag: str | None) -> str | None:
    if not tag:
        return None
    base = tag.split("-")[0].lower()
    return LANGUAGES.get(base) or (base if len(base) == 3 else None)


def _valid_identifier(value: str, scheme: str) -> bool:
    """Whether our validation will accept VALUE for SCHEME once normalized (unknown schemes pass)."""
    return scheme not in KNOWN_SCHEMES or scheme_detected(normalize_identifier(value, scheme), scheme)


def _edtf(value: str) -> str | None:
    """VALUE as an EDTF level-0 date or interval (times dropped), or None."""
    parts = [p.split("T")[0] for p in value.strip().split("/")]
    candidate = "/".join(parts)
    return candidate if candidate and edtf_error(candidate) is None else None


class _Reader:
    def __init__(self, root: etree._Element):
        self.root = root
        self.lost: list[str] = []

    def lose(self, what: str) -> None:
        if what not in self.lost:
            self.lost.append(what)

    def person(self, element: etree._Element, role: str) -> dict | None:
        name_el = _one(element, f"d:{role}Name")
        name = _text(name_el)
        given, family = _text(_one(element, "d:givenName")), _text(_one(element, "d:familyName"))
        kind = name_el.get("nameType") if name_el is not None else None
        if kind is None:
            kind = "Personal" if family or given else "Organizational"
        if kind == "Personal":
            if not family:
                family, _, rest = name.partition(",")
                given = given or rest.strip()
            person = {"type": "personal", "family_name": family.strip() or name}
            if given:
                person["given_name"] = given
        else:
            if not name:
                return None
            person = {"type": "organizational", "name": name}
        identifiers = []
        for identifier in _all(element, "d:nameIdentifier"):
            scheme = NAME_SCHEMES.get((identifier.get("nameIdentifierScheme") or "").lower())
            value = ORCID_OR_ROR_URL.sub("", _text(identifier))
            if scheme and value and PERSON_OR_ORG_SCHEMES[scheme](value):
                identifiers.append({"scheme": scheme, "identifier": value})
            else:
                self.lose(f"{role}s: nameIdentifier schemes other than ORCID/ROR/ISNI/GND")
        if identifiers:
            person["identifiers"] = list({i["identifier"]: i for i in identifiers}.values())
        entry: dict = {"person_or_org": person}
        affiliations = [{"name": _text(a)} for a in _all(element, "d:affiliation") if _text(a)]
        if affiliations:
            entry["affiliations"] = list({a["name"]: a for a in affiliations}.values())
        if any(a.get("affiliationIdentifier") for a in _all(element, "d:affiliation")):
            self.lose(f"{role}s: affiliation identifiers")
        if name_el is not None and name_el.get(XML_LANG):
            self.lose(f"{role}s: xml:lang of names")
        return entry

    def read(self) -> Imported:
        root = self.root
        metadata: dict = {}
        pids: dict = {}
        identifier = _one(root, "d:identifier")
        if (
            identifier is not None
            and (identifier.get("identifierType") or "").upper() == "DOI"
            and _text(identifier)
        ):
            pids["doi"] = {"identifier": _text(identifier).lower(), "provider": "external"}
        general = (
            _one(root, "d:resourceType").get("resourceTypeGeneral")
            if _one(root, "d:resourceType") is not None
            else ""
        ) or "Other"
        metadata["resource_type"] = {"id": RESOURCE_TYPES.get(general, "other")}
        if general not in RESOURCE_TYPES and general != "Other":
            self.lose(f"resourceTypeGeneral {general} (no equivalent resource type: imported as other)")
        if _text(_one(root, "d:resourceType")):
            self.lose("resourceType free text")
        creators = [self.person(c, "creator") for c in _all(root, "d:creators/d:creator")]
        metadata["creators"] = [c for c in creators if c]
        titles = _all(root, "d:titles/d:title")
        main = next((t for t in titles if not t.get("titleType")), titles[0] if titles else None)
        metadata["title"] = _text(main)
        extra_titles = []
        for title in titles:
            if title is main or not _text(title):
                continue
            entry = {"title": _text(title), "type": {"id": TITLE_TYPES.get(title.get("titleType"), "other")}}
            language = _language(title.get(XML_LANG))
            if language:
                entry["lang"] = {"id": language}
            extra_titles.append(entry)
        if extra_titles:
            metadata["additional_titles"] = extra_titles
        publisher = _one(root, "d:publisher")
        if _text(publisher):
            metadata["publisher"] = _text(publisher)
            if publisher.get("publisherIdentifier"):
                self.lose("publisher identifier")
        year = _text(_one(root, "d:publicationYear"))
        dates = _all(root, "d:dates/d:date")
        issued = next(
            (_edtf(_text(d)) for d in dates if d.get("dateType") == "Issued" and _edtf(_text(d))), None
        )
        metadata["publication_date"] = issued if issued and issued.startswith(year) else year
        subjects = []
        for subject in _all(root, "d:subjects/d:subject"):
            if _text(subject):
                entry = {"subject": _text(subject)}
                if subject.get("subjectScheme"):
                    entry["scheme"] = subject.get("subjectScheme")
                subjects.append(entry)
            if subject.get("valueURI") or subject.get("classificationCode") or subject.get("schemeURI"):
                self.lose("subjects: valueURI, schemeURI and classificationCode")
        if subjects:
            metadata["subjects"] = subjects
        contributors = []
        for element in _all(root, "d:contributors/d:contributor"):
            entry = self.person(element, "contributor")
            if entry is None:
                continue
            role = (element.get("contributorType") or "other").lower()
            if role not in ROLES:
                self.lose(f"contributorType {element.get('contributorType')} (imported as other)")
                role = "other"
            entry["role"] = {"id": role}
            contributors.append(entry)
        if contributors:
            metadata["contributors"] = contributors
        other_dates = []
        for date in dates:
            value = _edtf(_text(date))
            kind = (date.get("dateType") or "other").lower()
            if value is None:
                self.lose("dates that are not EDTF level-0 dates or intervals")
                continue
            if kind == "issued" and value == metadata["publication_date"]:
                continue
            entry = {"date": value, "type": {"id": kind if kind in DATE_TYPES else "other"}}
            description = date.get("dateInformation") or ("" if kind in DATE_TYPES else date.get("dateType"))
            if description:
                entry["description"] = description
            other_dates.append(entry)
        if other_dates:
            metadata["dates"] = other_dates
        language = _language(_text(_one(root, "d:language")))
        if language:
            metadata["languages"] = [{"id": language}]
        identifiers = []
        for alternate in _all(root, "d:alternateIdentifiers/d:alternateIdentifier"):
            scheme, value = (alternate.get("alternateIdentifierType") or "").lower(), _text(alternate)
            if value and scheme and _valid_identifier(value, scheme):
                identifiers.append({"identifier": value, "scheme": scheme})
            else:
                self.lose("alternate identifiers whose value is not valid for their type")
        if identifiers:
            metadata["identifiers"] = identifiers
        related = []
        for item in _all(root, "d:relatedIdentifiers/d:relatedIdentifier"):
            scheme, value = (item.get("relatedIdentifierType") or "").lower(), _text(item)
            if not value or not _valid_identifier(value, scheme):
                self.lose("related identifiers whose value is not valid for their type")
                continue
            if (item.get("relationType") or "").lower() not in RELATION_TYPES:
                self.lose(f"related identifiers with relationType {item.get('relationType')}")
                continue
            entry = {
                "identifier": value,
                "scheme": scheme,
                "relation_type": {"id": (item.get("relationType") or "").lower()},
            }
            related_type = RESOURCE_TYPES.get(item.get("resourceTypeGeneral") or "")
            if related_type:
                entry["resource_type"] = {"id": related_type}
            if item.get("relationTypeInformation") or item.get("relatedMetadataScheme"):
                self.lose("related identifiers: relationTypeInformation, relatedMetadataScheme")
            if entry not in related:
                related.append(entry)
        if related:
            metadata["related_identifiers"] = related
        for key, child in (("sizes", "size"), ("formats", "format")):
            values = [_text(e) for e in _all(root, f"d:{key}/d:{child}") if _text(e)]
            if values:
                metadata[key] = values
        if _text(_one(root, "d:version")):
            metadata["version"] = _text(_one(root, "d:version"))
        access = {"record": "public", "files": "public"}
        rights = []
        for right in _all(root, "d:rightsList/d:rights"):
            uri = right.get("rightsURI") or ""
            match = ACCESS_RIGHTS.match(uri)
            if match:
                if match.group(1) in ("restricted", "closed"):
                    access["files"] = "restricted"
                continue
            identifier_ = (right.get("rightsIdentifier") or "").lower()
            if identifier_:
                rights.append({"id": identifier_})
            elif _text(right):
                entry = {"title": {"en": _text(right)}}
                if uri:
                    entry["link"] = uri
                rights.append(entry)
        if rights:
            metadata["rights"] = rights
        descriptions = [d for d in _all(root, "d:descriptions/d:description") if _text(d)]
        abstract = next((d for d in descriptions if d.get("descriptionType") == "Abstract"), None)
        if abstract is not None:
            metadata["description"] = f"<p>{html.escape(_text(abstract), quote=False)}</p>"
        extra = []
        for description in descriptions:
            if description is abstract:
                continue
            entry = {
                "description": f"<p>{html.escape(_text(description), quote=False)}</p>",
                "type": {"id": DESCRIPTION_TYPES.get(description.get("descriptionType"), "other")},
            }
            language = _language(description.get(XML_LANG))
            if language:
                entry["lang"] = {"id": language}
            extra.append(entry)
        if extra:
            metadata["additional_descriptions"] = extra
        features = [f for f in (self.location(g) for g in _all(root, "d:geoLocations/d:geoLocation")) if f]
        if features:
            metadata["locations"] = {"features": features}
        funding = [
            f for f in (self.funding(r) for r in _all(root, "d:fundingReferences/d:fundingReference")) if f
        ]
        if funding:
            metadata["funding"] = funding
        if _all(root, "d:relatedItems/d:relatedItem"):
            self.lose("relatedItems (no equivalent: related identifiers carry the link only)")
        document = {
            "metadata": metadata,
            "access": access,
            "files": {"enabled": False},
            "pids": pids,
        }
        return Imported(document=document, lost=self.lost)

    def location(self, element: etree._Element) -> dict | None:
        feature: dict = {}
        if _text(_one(element, "d:geoLocationPlace")):
            feature["place"] = _text(_one(element, "d:geoLocationPlace"))
        point = _one(element, "d:geoLocationPoint")
        box = _one(element, "d:geoLocationBox")
        polygon = _one(element, "d:geoLocationPolygon")
        try:
            if point is not None:
                feature["geometry"] = {"type": "Point", "coordinates": self.coordinates(point)}
            elif polygon is not None:
                ring = [self.coordinates(p) for p in _all(polygon, "d:polygonPoint")]
                feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
            elif box is not None:
                west, east, south, north = (
                    float(_text(_one(box, f"d:{side}")))
                    for side in (
                        "westBoundLongitude",
                        "eastBoundLongitude",
                        "southBoundLatitude",
                        "northBoundLatitude",
                    )
                )
                ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
                feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
        except (TypeError, ValueError):
            self.lose("geoLocations with unreadable coordinates")
        if sum(e is not None for e in (point, box, polygon)) > 1:
            self.lose(
                "geoLocations: more than one shape per location (the first of point, polygon, box kept)"
            )
        return feature or None

    @staticmethod
    def coordinates(point: etree._Element) -> list[float]:
        return [float(_text(_one(point, "d:pointLongitude"))), float(_text(_one(point, "d:pointLatitude")))]

    def funding(self, element: etree._Element) -> dict | None:
        name = _text(_one(element, "d:funderName"))
        if not name:
            return None
        entry: dict = {"funder": {"name": name}}
        if _one(element, "d:funderIdentifier") is not None:
            self.lose("funder identifiers")
        number, title = _text(_one(element, "d:awardNumber")), _text(_one(element, "d:awardTitle"))
        if title or number:
            award: dict = {"title": {"en": title or number}}
            if number:
                award["number"] = number
            uri = (
                _one(element, "d:awardNumber").get("awardURI")
                if _one(element, "d:awardNumber") is not None
                else None
            )
            if uri:
                award["identifiers"] = [{"scheme": "url", "identifier": uri}]
            entry["award"] = award
        return entry


def record_from_datacite(xml: bytes | etree._Element) -> Imported:
    """The record document for a DataCite kernel-4 ``<resource>`` (bytes or element)."""
    if isinstance(xml, bytes):
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        xml = etree.fromstring(xml, parser)
    return _Reader(xml).read()
