"""Record JSON → DataCite metadata kernel 4.7: DataCite JSON, DataCite XML and oai_datacite.

One mapping (record JSON → DataCite JSON, the shape of DataCite's REST API ``attributes``) and
two renderings: the JSON itself and the XML built from it, so both always say the same thing.
"""

from __future__ import annotations

from lxml import etree

from records.crosswalks.document import access_right, doi_of, landing_page, resource_type_props
from records.crosswalks.text import as_dict, as_list, first_i18n, plain_text, xml_text, year_of

KERNEL_VERSION = "4.7"
NS = "http://datacite.org/schema/kernel-4"
SCHEMA_LOCATION = f"{NS} https://schema.datacite.org/meta/kernel-{KERNEL_VERSION}/metadata.xsd"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_LOCATION = f"{NS_OAI_DATACITE} http://schema.datacite.org/oai/oai-1.1/oai.xsd"
UNAVAILABLE = "(:unav)"  # DataCite's standard value for "unknown" in required properties


def _lookup(values: str) -> dict[str, str]:
    """Case- and hyphen-insensitive lookup of DataCite's controlled VALUES (space-separated) by our ids."""
    return {v.lower(): v for v in values.split()}


def _controlled(table: dict[str, str], value: object, default: str | None = "Other") -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        return default
    return table.get(value.replace("-", "").replace("_", "").lower(), default)


RESOURCE_TYPES = _lookup(
    """Audiovisual Award Book BookChapter Collection ComputationalNotebook ConferencePaper
ConferenceProceeding DataPaper Dataset Dissertation Event Image Instrument InteractiveResource Journal
JournalArticle Model OutputManagementPlan PeerReview PhysicalObject Poster Preprint Presentation Project
Report Service Software Sound Standard StudyRegistration Text Workflow Other"""
)
RELATION_TYPES = _lookup(
    """IsCitedBy Cites IsSupplementTo IsSupplementedBy IsContinuedBy Continues
IsNewVersionOf IsPreviousVersionOf IsPartOf HasPart IsPublishedIn IsReferencedBy References IsDocumentedBy
Documents IsCompiledBy Compiles IsVariantFormOf IsOriginalFormOf IsIdenticalTo HasMetadata IsMetadataFor
Reviews IsReviewedBy IsDerivedFrom IsSourceOf Describes IsDescribedBy HasVersion IsVersionOf Requires
IsRequiredBy Obsoletes IsObsoletedBy Collects IsCollectedBy HasTranslation IsTranslationOf Other"""
)
CONTRIBUTOR_TYPES = _lookup(
    """ContactPerson DataCollector DataCurator DataManager Distributor Editor
HostingInstitution Other Producer ProjectLeader ProjectManager ProjectMember RegistrationAgency
RegistrationAuthority RelatedPerson ResearchGroup RightsHolder Researcher Sponsor Supervisor Translator
WorkPackageLeader"""
)
DATE_TYPES = _lookup(
    """Accepted Available Collected Copyrighted Coverage Created Issued Other Submitted
Updated Valid Withdrawn"""
)
DESCRIPTION_TYPES = _lookup("Abstract Methods SeriesInformation TableOfContents TechnicalInfo Other")
TITLE_TYPES = _lookup("AlternativeTitle Subtitle TranslatedTitle Other")
RELATED_IDENTIFIER_TYPES = _lookup(
    """ARK arXiv bibcode CSTR DOI EAN13 EISSN Handle IGSN ISBN ISSN ISTC LISSN
LSID PMID PURL RAiD RRID SWHID UPC URL URN w3id"""
)
NAME_SCHEMES = {
    "orcid": ("ORCID", "https://orcid.org"),
    "gnd": ("GND", "https://d-nb.info/gnd/"),
    "isni": ("ISNI", "https://isni.org/isni/"),
    "ror": ("ROR", "https://ror.org"),
}
NAME_TYPES = {"personal": "Personal", "organizational": "Organizational"}


def _person(entry: dict, *, contributor: bool) -> dict | None:
    person = as_dict(entry.get("person_or_org"))
    kind = person.get("type")
    if kind == "personal":
        family, given = person.get("family_name") or "", person.get("given_name") or ""
        name = person.get("name") or (f"{family}, {given}" if given else family)
    else:
        name = person.get("name") or ""
    if not isinstance(name, str) or not name:
        return None
    result: dict = {"name": name}
    if kind in NAME_TYPES:
        result["nameType"] = NAME_TYPES[kind]
    if kind == "personal":
        if person.get("given_name"):
            result["givenName"] = person["given_name"]
        result["familyName"] = person.get("family_name")
    identifiers = []
    for identifier in as_list(person.get("identifiers")):
        scheme = NAME_SCHEMES.get(as_dict(identifier).get("scheme"))
        if scheme and identifier.get("identifier"):
            identifiers.append(
                {
                    "nameIdentifier": identifier["identifier"],
                    "nameIdentifierScheme": scheme[0],
                    "schemeUri": scheme[1],
                }
            )
    if identifiers:
        result["nameIdentifiers"] = identifiers
    affiliations = []
    for affiliation in as_list(entry.get("affiliations")):
        name_ = as_dict(affiliation).get("name") or as_dict(affiliation).get("id")
        if isinstance(name_, str) and name_:
            affiliations.append({"name": name_})
    if affiliations:
        result["affiliation"] = affiliations
    if contributor:
        result["contributorType"] = _controlled(CONTRIBUTOR_TYPES, entry.get("role"))
    return result


def _rights(document: dict, metadata: dict) -> list[dict]:
    rights = []
    for right in as_list(metadata.get("rights")):
        right = as_dict(right)
        title = first_i18n(right.get("title")) or right.get("id")
        if not title:
            continue
        entry: dict = {"rights": title}
        if right.get("link"):
            entry["rightsUri"] = right["link"]
        if right.get("id"):
            entry["rightsIdentifier"] = right["id"]
            if as_dict(right.get("props")).get("scheme") == "spdx":
                entry["rightsIdentifierScheme"] = "SPDX"
                entry["schemeUri"] = "https://spdx.org/licenses/"
        rights.append(entry)
    access = access_right(document)
    rights.append({"rights": access, "rightsUri": f"info:eu-repo/semantics/{access}"})
    return rights


def _geo_locations(metadata: dict) -> list[dict]:
    locations = []
    for feature in as_list(as_dict(metadata.get("locations")).get("features")):
        feature = as_dict(feature)
        location: dict = {}
        if feature.get("place"):
            location["geoLocationPlace"] = feature["place"]
        geometry = as_dict(feature.get("geometry"))
        coordinates = geometry.get("coordinates")
        if geometry.get("type") == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
            location["geoLocationPoint"] = {"pointLongitude": coordinates[0], "pointLatitude": coordinates[1]}
        elif geometry.get("type") == "Polygon" and isinstance(coordinates, list) and coordinates:
            ring = [p for p in as_list(coordinates[0]) if isinstance(p, list) and len(p) >= 2]
            if len(ring) >= 4:
                location["geoLocationPolygon"] = [
                    {"pointLongitude": p[0], "pointLatitude": p[1]} for p in ring
                ]
        if location:
            locations.append(location)
    return locations


def _funding(metadata: dict) -> list[dict]:
    references = []
    for funding in as_list(metadata.get("funding")):
        funder, award = as_dict(as_dict(funding).get("funder")), as_dict(as_dict(funding).get("award"))
        name = funder.get("name") or funder.get("id")
        if not name:
            continue
        reference: dict = {"funderName": name}
        if award.get("number") or award.get("id"):
            reference["awardNumber"] = award.get("number") or award.get("id")
        urls = [
            i.get("identifier")
            for i in as_list(award.get("identifiers"))
            if as_dict(i).get("scheme") == "url"
        ]
        if urls and reference.get("awardNumber"):
            reference["awardUri"] = urls[0]
        if first_i18n(award.get("title")):
            reference["awardTitle"] = first_i18n(award.get("title"))
        references.append(reference)
    return references


def datacite_json(document: dict) -> dict:
    """The record as DataCite JSON (kernel 4.7 attributes, as DataCite's REST API names them)."""
    metadata = as_dict(document.get("metadata"))
    props = resource_type_props(document)
    doi = doi_of(document)
    landing = landing_page(document)
    data: dict = {"types": {}}
    if doi:
        data["doi"] = doi
    data["identifiers"] = [
        {"identifier": doi, "identifierType": "DOI"}
        if doi
        else {"identifier": landing, "identifierType": "URL"}
    ]
    general = _controlled(RESOURCE_TYPES, props.get("datacite_general"), "Other")
    data["types"] = {"resourceTypeGeneral": general}
    subtype = props.get("datacite_type") or first_i18n(as_dict(metadata.get("resource_type")).get("title"))
    if subtype:
        data["types"]["resourceType"] = subtype
    creators = [
        c for c in (_person(as_dict(e), contributor=False) for e in as_list(metadata.get("creators"))) if c
    ]
    data["creators"] = creators or [{"name": UNAVAILABLE}]
    titles = [{"title": metadata.get("title") or UNAVAILABLE}]
    for extra in as_list(metadata.get("additional_titles")):
        extra = as_dict(extra)
        if extra.get("title"):
            title = {"title": extra["title"], "titleType": _controlled(TITLE_TYPES, extra.get("type"))}
            if as_dict(extra.get("lang")).get("id"):
                title["lang"] = extra["lang"]["id"]
            titles.append(title)
    data["titles"] = titles
    data["publisher"] = metadata.get("publisher") or UNAVAILABLE
    data["publicationYear"] = (
        year_of(metadata.get("publication_date")) or year_of(document.get("created")) or ""
    )
    subjects = []
    for subject in as_list(metadata.get("subjects")):
        subject = as_dict(subject)
        text = subject.get("subject") or subject.get("id")
        if text:
            entry = {"subject": text}
            if subject.get("scheme"):
                entry["subjectScheme"] = subject["scheme"]
            subjects.append(entry)
    if subjects:
        data["subjects"] = subjects
    contributors = [
        c for c in (_person(as_dict(e), contributor=True) for e in as_list(metadata.get("contributors"))) if c
    ]
    if contributors:
        data["contributors"] = contributors
    dates = []
    if metadata.get("publication_date"):
        dates.append({"date": metadata["publication_date"], "dateType": "Issued"})
    for date in as_list(metadata.get("dates")):
        date = as_dict(date)
        if date.get("date"):
            entry = {"date": date["date"], "dateType": _controlled(DATE_TYPES, date.get("type"))}
            if date.get("description"):
                entry["dateInformation"] = date["description"]
            dates.append(entry)
    if dates:
        data["dates"] = dates
    languages = [as_dict(lang).get("id") for lang in as_list(metadata.get("languages"))]
    if languages and isinstance(languages[0], str):
        data["language"] = languages[0]
    alternates = [
        {"alternateIdentifier": i["identifier"], "alternateIdentifierType": i.get("scheme") or "Other"}
        for i in as_list(metadata.get("identifiers"))
        if isinstance(i, dict) and i.get("identifier")
    ]
    if doi:
        alternates.append({"alternateIdentifier": landing, "alternateIdentifierType": "URL"})
    if alternates:
        data["alternateIdentifiers"] = alternates
    related = []
    for item in as_list(metadata.get("related_identifiers")):
        item = as_dict(item)
        kind = _controlled(RELATED_IDENTIFIER_TYPES, item.get("scheme"), None)
        if not kind or not item.get("identifier"):
            continue  # DataCite accepts only its own identifier types; see docs/oai-pmh.md
        entry = {
            "relatedIdentifier": item["identifier"],
            "relatedIdentifierType": kind,
            "relationType": _controlled(RELATION_TYPES, item.get("relation_type")),
        }
        related_type = as_dict(as_dict(item.get("resource_type")).get("props")).get("datacite_general")
        if related_type in RESOURCE_TYPES.values():
            entry["resourceTypeGeneral"] = related_type
        related.append(entry)
    if related:
        data["relatedIdentifiers"] = related
    for key in ("sizes", "formats"):
        values = [v for v in as_list(metadata.get(key)) if isinstance(v, str) and v]
        if values:
            data[key] = values
    if metadata.get("version"):
        data["version"] = metadata["version"]
    data["rightsList"] = _rights(document, metadata)
    descriptions = []
    if metadata.get("description"):
        descriptions.append(
            {"description": plain_text(metadata["description"]), "descriptionType": "Abstract"}
        )
    for extra in as_list(metadata.get("additional_descriptions")):
        extra = as_dict(extra)
        if extra.get("description"):
            entry = {
                "description": plain_text(extra["description"]),
                "descriptionType": _controlled(DESCRIPTION_TYPES, extra.get("type")),
            }
            if as_dict(extra.get("lang")).get("id"):
                entry["lang"] = extra["lang"]["id"]
            descriptions.append(entry)
    descriptions = [d for d in descriptions if d["description"]]
    if descriptions:
        data["descriptions"] = descriptions
    locations = _geo_locations(metadata)
    if locations:
        data["geoLocations"] = locations
    funding = _funding(metadata)
    if funding:
        data["fundingReferences"] = funding
    data["url"] = landing
    data["schemaVersion"] = f"http://datacite.org/schema/kernel-{KERNEL_VERSION[0]}"
    return data


# --- XML ---------------------------------------------------------------------------------


def _el(parent, tag: str, text: object = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    for key, value in attributes.items():
        if value is not None and value != "":
            name = f"{{{NS_XML}}}lang" if key == "lang" else key
            element.set(name, xml_text(value))
    if text is not None:
        element.text = xml_text(text)
    return element


def _name_xml(parent, data: dict, role: str) -> None:
    element = (
        _el(parent, role, contributorType=data.get("contributorType"))
        if role == "contributor"
        else _el(parent, role)
    )
    _el(element, f"{role}Name", data["name"], nameType=data.get("nameType"))
    if data.get("givenName"):
        _el(element, "givenName", data["givenName"])
    if data.get("familyName"):
        _el(element, "familyName", data["familyName"])
    for identifier in data.get("nameIdentifiers", []):
        _el(
            element,
            "nameIdentifier",
            identifier["nameIdentifier"],
            nameIdentifierScheme=identifier["nameIdentifierScheme"],
            schemeURI=identifier.get("schemeUri"),
        )
    for affiliation in data.get("affiliation", []):
        _el(element, "affiliation", affiliation["name"])


def _number(value: object) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)


def datacite_xml(document: dict) -> etree._Element:
    """The record as a DataCite kernel 4.7 ``<resource>`` element."""
    data = datacite_json(document)
    root = etree.Element(f"{{{NS}}}resource", nsmap={None: NS, "xsi": NS_XSI})
    root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATION)
    identifier = data["identifiers"][0]
    _el(root, "identifier", identifier["identifier"], identifierType=identifier["identifierType"])
    creators = _el(root, "creators")
    for creator in data["creators"]:
        _name_xml(creators, creator, "creator")
    titles = _el(root, "titles")
    for title in data["titles"]:
        _el(titles, "title", title["title"], titleType=title.get("titleType"), lang=title.get("lang"))
    _el(root, "publisher", data["publisher"])
    if data["publicationYear"]:
        _el(root, "publicationYear", data["publicationYear"])
    types = data["types"]
    _el(root, "resourceType", types.get("resourceType", ""), resourceTypeGeneral=types["resourceTypeGeneral"])
    if data.get("subjects"):
        subjects = _el(root, "subjects")
        for subject in data["subjects"]:
            _el(subjects, "subject", subject["subject"], subjectScheme=subject.get("subjectScheme"))
    if data.get("contributors"):
        contributors = _el(root, "contributors")
        for contributor in data["contributors"]:
            _name_xml(contributors, contributor, "contributor")
    if data.get("dates"):
        dates = _el(root, "dates")
        for date in data["dates"]:
            _el(
                dates,
                "date",
                date["date"],
                dateType=date["dateType"],
                dateInformation=date.get("dateInformation"),
            )
    if data.get("language"):
        _el(root, "language", data["language"])
    if data.get("alternateIdentifiers"):
        alternates = _el(root, "alternateIdentifiers")
        for alternate in data["alternateIdentifiers"]:
            _el(
                alternates,
                "alternateIdentifier",
                alternate["alternateIdentifier"],
                alternateIdentifierType=alternate["alternateIdentifierType"],
            )
    if data.get("relatedIdentifiers"):
        related = _el(root, "relatedIdentifiers")
        for item in data["relatedIdentifiers"]:
            _el(
                related,
                "relatedIdentifier",
                item["relatedIdentifier"],
                relatedIdentifierType=item["relatedIdentifierType"],
                relationType=item["relationType"],
                resourceTypeGeneral=item.get("resourceTypeGeneral"),
            )
    for key, child in (("sizes", "size"), ("formats", "format")):
        if data.get(key):
            parent = _el(root, key)
            for value in data[key]:
                _el(parent, child, value)
    if data.get("version"):
        _el(root, "version", data["version"])
    rights_list = _el(root, "rightsList")
    for rights in data["rightsList"]:
        _el(
            rights_list,
            "rights",
            rights["rights"],
            rightsURI=rights.get("rightsUri"),
            rightsIdentifier=rights.get("rightsIdentifier"),
            rightsIdentifierScheme=rights.get("rightsIdentifierScheme"),
            schemeURI=rights.get("schemeUri"),
        )
    if data.get("descriptions"):
        descriptions = _el(root, "descriptions")
        for description in data["descriptions"]:
            _el(
                descriptions,
                "description",
                description["description"],
                descriptionType=description["descriptionType"],
                lang=description.get("lang"),
            )
    if data.get("geoLocations"):
        locations = _el(root, "geoLocations")
        for location in data["geoLocations"]:
            element = _el(locations, "geoLocation")
            if location.get("geoLocationPlace"):
                _el(element, "geoLocationPlace", location["geoLocationPlace"])
            if location.get("geoLocationPoint"):
                point = _el(element, "geoLocationPoint")
                _el(point, "pointLongitude", _number(location["geoLocationPoint"]["pointLongitude"]))
                _el(point, "pointLatitude", _number(location["geoLocationPoint"]["pointLatitude"]))
            if location.get("geoLocationPolygon"):
                polygon = _el(element, "geoLocationPolygon")
                for corner in location["geoLocationPolygon"]:
                    point = _el(polygon, "polygonPoint")
                    _el(point, "pointLongitude", _number(corner["pointLongitude"]))
                    _el(point, "pointLatitude", _number(corner["pointLatitude"]))
    if data.get("fundingReferences"):
        references = _el(root, "fundingReferences")
        for funding in data["fundingReferences"]:
            element = _el(references, "fundingReference")
            _el(element, "funderName", funding["funderName"])
            if funding.get("awardNumber"):
                _el(element, "awardNumber", funding["awardNumber"], awardURI=funding.get("awardUri"))
            if funding.get("awardTitle"):
                _el(element, "awardTitle", funding["awardTitle"])
    return root


def oai_datacite(document: dict, *, datacentre: str) -> etree._Element:
    """The record wrapped for OAI-PMH's ``oai_datacite`` format (DataCite OAI schema 1.1)."""
    root = etree.Element(f"{{{NS_OAI_DATACITE}}}oai_datacite", nsmap={None: NS_OAI_DATACITE, "xsi": NS_XSI})
    root.set(f"{{{NS_XSI}}}schemaLocation", OAI_DATACITE_LOCATION)
    etree.SubElement(root, f"{{{NS_OAI_DATACITE}}}schemaVersion").text = KERNEL_VERSION
    etree.SubElement(root, f"{{{NS_OAI_DATACITE}}}datacentreSymbol").text = xml_text(datacentre)
    etree.SubElement(root, f"{{{NS_OAI_DATACITE}}}payload").append(datacite_xml(document))
    return root
