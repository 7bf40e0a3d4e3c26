"""A small corpus of published records, built through the services, that the search tests query."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.records.conftest import publish, valid_document


def person(family: str, given: str, *, orcid: str | None = None, affiliation: str | None = None) -> dict:
    entry: dict = {"person_or_org": {"type": "personal", "family_name": family, "given_name": given}}
    if orcid:
        entry["person_or_org"]["identifiers"] = [{"scheme": "orcid", "identifier": orcid}]
    if affiliation:
        entry["affiliations"] = [{"name": affiliation}]
    return entry


@pytest.fixture
def corpus(user, other_user):
    """Five records: four public (one by another owner), one restricted to its owner."""
    glacier = publish(
        user,
        valid_document(
            title="Glacier melt observations in Greenland",
            resource_type={"id": "dataset"},
            publication_date="2019-06-01",
            creators=[person("Lovelace", "Ada", orcid="0000-0002-1825-0097", affiliation="Polar Institute")],
            subjects=[{"subject": "Climate change"}, {"subject": "Glaciology"}],
            languages=[{"id": "eng"}],
            rights=[{"id": "cc-by-4.0"}],
            description="<p>Measurements of melting glaciers by survey teams.</p>",
        )
        | {"pids": {"doi": {"identifier": "10.1234/glacier.2019", "provider": "external"}}},
    )
    coral = publish(
        other_user,
        valid_document(
            title="Coral reef photographs",
            resource_type={"id": "image-photo"},
            publication_date="2021-03",
            creators=[person("Darwin", "Charles", affiliation="Beagle Society")],
            subjects=[{"subject": "Marine biology"}],
            languages=[{"id": "fra"}],
            description="<p>Underwater photographs of reefs.</p>",
        ),
    )
    software = publish(
        user,
        valid_document(
            title="Ocean circulation model software",
            resource_type={"id": "software"},
            publication_date="2018",
            creators=[person("Hopper", "Grace", affiliation="Naval Research Lab")],
            subjects=[{"subject": "Oceanography"}, {"subject": "Climate change"}],
            languages=[{"id": "eng"}],
            description="<p>A model of ocean circulation.</p>",
        ),
    )
    figure = publish(
        user,
        valid_document(
            title="Glacier figure",
            resource_type={"id": "image-figure"},
            publication_date="2020-11-30",
            creators=[person("Lovelace", "Ada", affiliation="Polar Institute")],
            description="<p>A figure of a glacier.</p>",
        ),
    )
    secret = publish(
        user,
        valid_document(
            title="Glacier secret cores",
            resource_type={"id": "image-photo"},
            publication_date="2020-02-02",
            subjects=[{"subject": "Secret subject"}],
            languages=[{"id": "deu"}],
        )
        | {"access": {"record": "restricted", "files": "restricted"}},
    )
    return SimpleNamespace(glacier=glacier, coral=coral, software=software, figure=figure, secret=secret)
