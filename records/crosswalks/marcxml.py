"""Record JSON → MARC 21 bibliographic record in MARCXML (MARC21 slim)."""

from __future__ import annotations

from lxml import etree

from records.crosswalks.document import access_right, doi_of, landing_page, resource_type_props
from records.crosswalks.text import as_dict, as_list, first_i18n, plain_text, xml_text, year_of

NS_MARC = "http://www.loc.gov/MARC21/slim"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS_MARC} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
# Leader 06 (type of record) per resource type family: a = language material, m = computer file,
# k = two-dimensional graphic, g = projected medium, r = three-dimensional artefact.
RECORD_TYPES = {
    "Text": "a",
    "Dataset": "m",
    "Software": "m",
    "Image": "k",
    "Audiovisual": "g",
    "PhysicalObject": "r",
}


def _leader(general: str | None) -> str:
    return f"00000n{RECORD_TYPES.get(general or '', 'a')}m a2200000uu 4500"


def _datafield(root, tag: str, subfields: list[tuple[str, object]], ind1: str = " ", ind2: str = " ") -> None:
    values = [(code, value) for code, value in subfields if isinstance(value, str) and value.strip()]
    if not values:
        return
    field = etree.SubElement(root, f"{{{NS_MARC}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
    for code, value in values:
        etree.SubElement(field, f"{{{NS_MARC}}}subfield", code=code).text = xml_text(value)


def _name_subfields(entry: dict, role: str | None) -> list[tuple[str, object]]:
    person = as_dict(entry.get("person_or_org"))
    if person.get("type") == "personal":
        given = person.get("given_name")
        name = f"{person.get('family_name')}, {given}" if given else person.get("family_name")
    else:
        name = person.get("name")
    subfields: list[tuple[str, object]] = [("a", name)]
    for affiliation in as_list(entry.get("affiliations")):
        subfields.append(("u", as_dict(affiliation).get("name") or as_dict(affiliation).get("id")))
    for identifier in as_list(person.get("identifiers")):
        identifier = as_dict(identifier)
        if identifier.get("identifier"):
            subfields.append(("0", f"({identifier.get('scheme')}){identifier['identifier']}"))
    if role:
        subfields.append(("4", role))
    return subfields


def marcxml(document: dict) -> etree._Element:
    """The record as a MARCXML ``<record>`` element."""
    metadata = as_dict(document.get("metadata"))
    props = resource_type_props(document)
    root = etree.Element(f"{{{NS_MARC}}}record", nsmap={None: NS_MARC, "xsi": NS_XSI})
    root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATION)
    etree.SubElement(root, f"{{{NS_MARC}}}leader").text = _leader(props.get("datacite_general"))
    etree.SubElement(root, f"{{{NS_MARC}}}controlfield", tag="001").text = xml_text(document.get("id", ""))
    updated = str(document.get("updated") or "")
    if len(updated) >= 19:  # 005: date and time of latest transaction, yyyymmddhhmmss.f
        digits = updated[:19].replace("-", "").replace(":", "").replace("T", "")
        etree.SubElement(root, f"{{{NS_MARC}}}controlfield", tag="005").text = f"{digits}.0"
    doi = doi_of(document)
    if doi:
        _datafield(root, "024", [("a", doi), ("2", "doi")], ind1="7")
    for identifier in as_list(metadata.get("identifiers")):
        identifier = as_dict(identifier)
        _datafield(
            root, "024", [("a", identifier.get("identifier")), ("2", identifier.get("scheme"))], ind1="7"
        )
    for language in as_list(metadata.get("languages")):
        _datafield(root, "041", [("a", as_dict(language).get("id"))])
    creators = [as_dict(c) for c in as_list(metadata.get("creators"))]
    if creators:
        _datafield(root, "100", _name_subfields(creators[0], None), ind1="1")
    _datafield(root, "245", [("a", metadata.get("title"))], ind1="0", ind2="0")
    for extra in as_list(metadata.get("additional_titles")):
        _datafield(root, "246", [("a", as_dict(extra).get("title"))], ind1="3")
    if metadata.get("version"):
        _datafield(root, "250", [("a", metadata["version"])])
    _datafield(
        root,
        "264",
        [("b", metadata.get("publisher")), ("c", year_of(metadata.get("publication_date")))],
        ind2="1",
    )
    for size in as_list(metadata.get("sizes")):
        _datafield(root, "300", [("a", size)])
    access = access_right(document)
    _datafield(
        root,
        "506",
        [("a", access), ("u", f"info:eu-repo/semantics/{access}")],
        ind1="1" if access != "openAccess" else "0",
    )
    if isinstance(metadata.get("description"), str):
        _datafield(root, "520", [("a", plain_text(metadata["description"]))])
    for extra in as_list(metadata.get("additional_descriptions")):
        if isinstance(as_dict(extra).get("description"), str):
            _datafield(root, "520", [("a", plain_text(extra["description"]))])
    for right in as_list(metadata.get("rights")):
        right = as_dict(right)
        _datafield(
            root, "540", [("a", first_i18n(right.get("title")) or right.get("id")), ("u", right.get("link"))]
        )
    for funding in as_list(metadata.get("funding")):
        funder, award = as_dict(as_dict(funding).get("funder")), as_dict(as_dict(funding).get("award"))
        _datafield(
            root,
            "536",
            [
                ("a", funder.get("name") or funder.get("id")),
                ("c", award.get("number")),
                ("f", first_i18n(award.get("title"))),
            ],
        )
    for subject in as_list(metadata.get("subjects")):
        subject = as_dict(subject)
        _datafield(root, "653", [("a", subject.get("subject") or subject.get("id"))])
    _datafield(
        root,
        "655",
        [("a", first_i18n(as_dict(metadata.get("resource_type")).get("title"))), ("2", "local")],
        ind2="7",
    )
    for creator in creators[1:]:
        _datafield(root, "700", _name_subfields(creator, None), ind1="1")
    for contributor in as_list(metadata.get("contributors")):
        contributor = as_dict(contributor)
        _datafield(
            root, "700", _name_subfields(contributor, as_dict(contributor.get("role")).get("id")), ind1="1"
        )
    for related in as_list(metadata.get("related_identifiers")):
        related = as_dict(related)
        _datafield(
            root,
            "787",
            [("i", as_dict(related.get("relation_type")).get("id")), ("o", related.get("identifier"))],
            ind1="0",
        )
    _datafield(root, "856", [("u", landing_page(document)), ("y", "Landing page")], ind1="4", ind2="0")
    if doi:
        _datafield(root, "856", [("u", f"https://doi.org/{doi}"), ("y", "DOI")], ind1="4", ind2="0")
    return root
