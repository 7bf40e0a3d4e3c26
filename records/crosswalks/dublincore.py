"""Record JSON → Dublin Core (``oai_dc``), following the OpenAIRE guidelines' use of DC where they apply."""

from __future__ import annotations

from lxml import etree

from records.crosswalks.document import access_right, doi_of, landing_page, resource_type_props
from records.crosswalks.text import as_dict, as_list, first_i18n, plain_text, xml_text

NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS_OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"


def _name(entry: object) -> str | None:
    person = as_dict(as_dict(entry).get("person_or_org"))
    if person.get("type") == "personal" and person.get("family_name"):
        given = person.get("given_name")
        return f"{person['family_name']}, {given}" if given else person["family_name"]
    name = person.get("name")
    return name if isinstance(name, str) and name else None


def dublin_core(document: dict) -> dict[str, list[str]]:
    """The record as Dublin Core elements (element name → values, in DC's element order)."""
    metadata = as_dict(document.get("metadata"))
    props = resource_type_props(document)
    dc: dict[str, list[str]] = {}

    def add(element: str, value: object) -> None:
        if isinstance(value, str) and value.strip():
            dc.setdefault(element, []).append(value)

    add("title", metadata.get("title"))
    for extra in as_list(metadata.get("additional_titles")):
        add("title", as_dict(extra).get("title"))
    for creator in as_list(metadata.get("creators")):
        add("creator", _name(creator))
    for subject in as_list(metadata.get("subjects")):
        add("subject", as_dict(subject).get("subject") or as_dict(subject).get("id"))
    if isinstance(metadata.get("description"), str):
        add("description", plain_text(metadata["description"]))
    for extra in as_list(metadata.get("additional_descriptions")):
        if isinstance(as_dict(extra).get("description"), str):
            add("description", plain_text(extra["description"]))
    add("publisher", metadata.get("publisher"))
    for contributor in as_list(metadata.get("contributors")):
        add("contributor", _name(contributor))
    add("date", metadata.get("publication_date"))
    for date in as_list(metadata.get("dates")):
        add("date", as_dict(date).get("date"))
    add("type", props.get("eurepo"))
    add("type", first_i18n(as_dict(metadata.get("resource_type")).get("title")))
    for value in as_list(metadata.get("formats")):
        add("format", value)
    doi = doi_of(document)
    if doi:
        add("identifier", f"https://doi.org/{doi}")
    add("identifier", landing_page(document))
    oai = as_dict(as_dict(document.get("pids")).get("oai")).get("identifier")
    add("identifier", oai)
    for identifier in as_list(metadata.get("identifiers")):
        identifier = as_dict(identifier)
        if identifier.get("identifier"):
            add("identifier", f"{identifier.get('scheme', 'other')}:{identifier['identifier']}")
    for language in as_list(metadata.get("languages")):
        add("language", as_dict(language).get("id"))
    for related in as_list(metadata.get("related_identifiers")):
        related = as_dict(related)
        if related.get("identifier"):
            scheme = related.get("scheme") or "url"
            add("relation", related["identifier"] if scheme == "url" else f"{scheme}:{related['identifier']}")
    for feature in as_list(as_dict(metadata.get("locations")).get("features")):
        add("coverage", as_dict(feature).get("place"))
    add("rights", f"info:eu-repo/semantics/{access_right(document)}")
    for right in as_list(metadata.get("rights")):
        right = as_dict(right)
        add("rights", first_i18n(right.get("title")) or right.get("id"))
        add("rights", right.get("link"))
    return dc


def oai_dc(document: dict) -> etree._Element:
    """The record as an ``oai_dc:dc`` element."""
    root = etree.Element(f"{{{NS_OAI_DC}}}dc", nsmap={"oai_dc": NS_OAI_DC, "dc": NS_DC, "xsi": NS_XSI})
    root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATION)
    for element, values in dublin_core(document).items():
        for value in values:
            etree.SubElement(root, f"{{{NS_DC}}}{element}").text = xml_text(value)
    return root
