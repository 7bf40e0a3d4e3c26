"""OAI-PMH 2.0 at /oai2d: every verb, argument rule and error code; every response schema-valid."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core import signing
from django.core.management import call_command
from django.test import Client
from lxml import etree

from oaipmh import tokens
from oaipmh.models import OAIItem, OAIMetadata, OAISet, OAISetMembership
from records import services
from records.services import oai_identifier
from tests.oaipmh.conftest import restricted_document
from tests.oaipmh.helpers import NS, deleted_identifiers, error_codes, harvest, identifiers, oai, token_of
from tests.records.conftest import publish, valid_document
from tests.xml_validation import assert_valid

pytestmark = pytest.mark.django_db


def ident(record) -> str:
    return oai_identifier(record.pk)


# --- argument rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{}, {"verb": "Harvest"}, {"verb": ["Identify", "Identify"]}, {"verb": ""}]
)
def test_missing_unknown_or_repeated_verb_is_bad_verb(client, params):
    root = oai(client, **params)
    assert error_codes(root) == ["badVerb"]
    assert root.find("o:request", NS).attrib == {}  # no echo of a bad request's arguments


@pytest.mark.parametrize(
    "params",
    [
        {"verb": "Identify", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords"},
        {"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "colour": "blue"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc"},
        {"verb": "GetRecord", "identifier": "oai:x:y"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "resumptionToken": "abc"},
        {"verb": "ListSets", "set": "openaire"},
        {"verb": "ListMetadataFormats", "identifier": ["a", "b"]},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-01"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-01T00:00:00.5Z"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2024-01-01T00:00:00+01:00"},
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2024-01-01",
            "until": "2024-01-02T00:00:00Z",
        },
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-02", "until": "2024-01-01"},
        {
            "verb": "ListIdentifiers",
            "metadataPrefix": "oai_dc",
            "from": "2024-01-01T10:00:01Z",
            "until": "2024-01-01T10:00:00Z",
        },
    ],
)
def test_argument_rules_give_bad_argument(client, params):
    root = oai(client, **params)
    assert set(error_codes(root)) == {"badArgument"}
    assert root.find("o:request", NS).attrib == {}


def test_every_bad_argument_is_reported(client):
    root = oai(client, verb="ListRecords", colour="blue", size="9")
    assert error_codes(root) == ["badArgument"] * 3  # two unknown, one missing


def test_post_form_gives_the_same_answer_as_get(client, user):
    publish(user)
    by_get = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    by_post = oai(client, "post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers(by_get) == identifiers(by_post)
    assert by_post.find("o:request", NS).get("verb") == "ListIdentifiers"


def test_post_needs_no_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    assert error_codes(oai(client, "post", verb="Identify")) == []


def test_other_methods_are_refused(client):
    assert client.put("/oai2d?verb=Identify").status_code == 405


# --- Identify --------------------------------------------------------------------------------


def test_identify_is_complete(client, user, settings):
    settings.OAI_ID_HOST = "repo.example.org"
    settings.OAI_ADMIN_EMAILS = ["oai@example.org", "ops@example.org"]
    first = publish(user)
    publish(user)
    root = oai(client, verb="Identify")
    identify = root.find("o:Identify", NS)
    text = {e.tag.split("}")[1]: e.text for e in identify if e.tag.split("}")[1] != "adminEmail"}
    assert text["repositoryName"] == settings.OAI_REPOSITORY_NAME
    assert text["baseURL"] == settings.OAI_BASE_URL == root.find("o:request", NS).text
    assert text["protocolVersion"] == "2.0"
    assert text["deletedRecord"] == "persistent"
    assert text["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    earliest = OAIItem.objects.get(record_id=first.pk).datestamp
    assert text["earliestDatestamp"] == earliest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert identify.xpath("o:adminEmail/text()", namespaces=NS) == ["oai@example.org", "ops@example.org"]
    assert identify.xpath("o:compression/text()", namespaces=NS) == ["gzip", "deflate"]
    description = identify.find("o:description/id:oai-identifier", NS)
    assert description.findtext("id:repositoryIdentifier", namespaces=NS) == "repo.example.org"
    assert description.findtext("id:sampleIdentifier", namespaces=NS).startswith("oai:repo.example.org:")


def test_response_date_is_utc_seconds(client):
    root = oai(client, verb="Identify")
    value = root.findtext("o:responseDate", namespaces=NS)
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - moment) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate", "gzip"),
        ("deflate", "deflate"),
        ("gzip;q=0, deflate", "deflate"),
        ("br", None),
        ("", None),
    ],
)
def test_compression_follows_accept_encoding(client, accept, encoding):
    response = client.get("/oai2d", {"verb": "Identify"}, HTTP_ACCEPT_ENCODING=accept)
    assert response.get("Content-Encoding") == encoding
    body = response.content
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    assert_valid("oai-pmh", body)
    assert "Accept-Encoding" in response["Vary"]


def test_the_stylesheet_renders_a_readable_page(client, user):
    record = publish(user)
    response = client.get("/oai2d", {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert b'<?xml-stylesheet type="text/xsl" href="/static/oaipmh/oai2.xsl"?>' in response.content
    transform = etree.XSLT(etree.parse(finders.find("oaipmh/oai2.xsl")))
    html = str(transform(etree.fromstring(response.content)))
    assert ident(record) in html and record.title in html


# --- ListMetadataFormats, ListSets ---------------------------------------------------------------


def test_list_metadata_formats(client, repository_records):
    root = oai(client, verb="ListMetadataFormats")
    prefixes = root.xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "oai_datacite", "datacite", "marcxml"]
    deleted = repository_records["deleted"][0]
    per_item = oai(client, verb="ListMetadataFormats", identifier=ident(deleted))
    assert per_item.xpath("//o:metadataPrefix/text()", namespaces=NS) == prefixes


@pytest.mark.parametrize("which", ["unknown", "never_public", "foreign"])
def test_list_metadata_formats_of_an_unknown_item(client, repository_records, which):
    identifier = {
        "unknown": oai_identifier("zzzzz-zzzzz"),
        "never_public": ident(repository_records["never_public"]),
        "foreign": f"oai:elsewhere.org:{repository_records['article'].pk}",
    }[which]
    assert error_codes(oai(client, verb="ListMetadataFormats", identifier=identifier)) == ["idDoesNotExist"]


def test_list_sets_and_its_errors(client):
    root = oai(client, verb="ListSets")
    assert root.xpath("//o:setSpec/text()", namespaces=NS) == ["openaire", "openaire_data"]
    assert error_codes(oai(client, verb="ListSets", resumptionToken="whatever")) == ["badResumptionToken"]
    OAISet.objects.all().delete()
    assert error_codes(oai(client, verb="ListSets")) == ["noSetHierarchy"]


# --- GetRecord -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite", "datacite", "marcxml"])
def test_get_record_in_every_format(client, repository_records, prefix):
    record = repository_records["article"]
    root = oai(client, verb="GetRecord", identifier=ident(record), metadataPrefix=prefix)
    assert identifiers(root) == [ident(record)]
    assert record.title in "".join(root.find(".//o:metadata", NS).itertext())


def test_deleted_and_restricted_records_are_deleted_headers_without_metadata(client, repository_records):
    for record in repository_records["deleted"]:
        root = oai(client, verb="GetRecord", identifier=ident(record), metadataPrefix="oai_dc")
        assert deleted_identifiers(root) == [ident(record)]
        assert root.find(".//o:metadata", NS) is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"identifier": "oai:127.0.0.1:zzzzz-zzzzz", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"identifier": "not-an-oai-identifier", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"identifier": "NEVER", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"identifier": "ARTICLE", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ],
)
def test_get_record_errors(client, repository_records, params, code):
    replacements = {"NEVER": repository_records["never_public"], "ARTICLE": repository_records["article"]}
    if params["identifier"] in replacements:
        params = params | {"identifier": ident(replacements[params["identifier"]])}
    assert error_codes(oai(client, verb="GetRecord", **params)) == [code]


# --- ListIdentifiers / ListRecords -------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_a_harvest_returns_exactly_the_public_records_and_deleted_headers(
    client, repository_records, verb, settings
):
    settings.OAI_PAGE_SIZE = 2
    pages, found = harvest(client, verb, metadataPrefix="oai_dc")
    public = {ident(r) for r in repository_records["public"]}
    deleted = {ident(r) for r in repository_records["deleted"]}
    assert sorted(found) == sorted(public | deleted)  # no duplicates, nothing missing
    assert {i for p in pages for i in deleted_identifiers(p)} == deleted
    assert ident(repository_records["never_public"]) not in found
    tokens_ = [token_of(p) for p in pages]
    assert [t.get("cursor") for t in tokens_] == ["0", "2", "4"]
    assert {t.get("completeListSize") for t in tokens_} == {"5"}
    assert all(t.get("expirationDate") for t in tokens_[:-1])
    last = tokens_[-1]
    assert (last.text or "") == "" and last.get("expirationDate") is None


def test_no_extra_empty_page_when_the_total_is_a_multiple_of_the_page_size(client, user, settings):
    settings.OAI_PAGE_SIZE = 2
    for _ in range(4):
        publish(user)
    pages, found = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc")
    assert len(pages) == 2 and len(found) == 4
    assert (token_of(pages[-1]).text or "") == ""


def test_a_list_that_fits_one_page_has_no_token(client, user):
    publish(user)
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert token_of(root) is None


def test_token_expiration_date_follows_the_setting(client, user, settings):
    settings.OAI_PAGE_SIZE = 1
    settings.OAI_RESUMPTION_TOKEN_DAYS = 3
    publish(user)
    publish(user)
    token = token_of(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    expires = datetime.strptime(token.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=3))) < timedelta(seconds=10)


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_sets_select_their_members(client, repository_records, verb):
    _, found = harvest(client, verb, metadataPrefix="oai_dc", set="openaire")
    assert found == [ident(repository_records["article"])]
    _, found = harvest(client, verb, metadataPrefix="oai_dc", set="openaire_data")
    expected = {ident(r) for r in [*repository_records["datasets"], *repository_records["deleted"]]}
    assert set(found) == expected
    assert error_codes(oai(client, verb=verb, metadataPrefix="oai_dc", set="nosuchset")) == ["noRecordsMatch"]


def _stamp(record_id: str, moment: datetime) -> None:
    OAIItem.objects.filter(record_id=record_id).update(datestamp=moment)
    OAISetMembership.objects.filter(record_id=record_id).update(datestamp=moment)


def test_from_and_until_at_day_and_second_granularity(client, user):
    early, middle, late = (publish(user) for _ in range(3))
    _stamp(early.pk, datetime(2024, 1, 1, 23, 59, 59, 500000, tzinfo=UTC))
    _stamp(middle.pk, datetime(2024, 1, 2, 10, 0, 0, 250000, tzinfo=UTC))
    _stamp(late.pk, datetime(2024, 1, 3, 0, 0, 0, tzinfo=UTC))

    def found(**params):
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **params)
        return identifiers(root) if not error_codes(root) else error_codes(root)

    assert found(**{"from": "2024-01-02"}) == [ident(middle), ident(late)]
    assert found(until="2024-01-02") == [ident(early), ident(middle)]
    assert found(**{"from": "2024-01-02", "until": "2024-01-02"}) == [ident(middle)]
    assert found(**{"from": "2024-01-02T10:00:00Z", "until": "2024-01-02T10:00:00Z"}) == [ident(middle)]
    assert found(until="2024-01-01T23:59:59Z") == [ident(early)]
    assert found(**{"from": "2024-01-02T10:00:01Z", "until": "2024-01-02T23:59:59Z"}) == ["noRecordsMatch"]
    assert found(until="2000-01-01") == ["noRecordsMatch"]


def test_an_empty_repository_has_no_records_to_match(client):
    for verb in ("ListIdentifiers", "ListRecords"):
        assert error_codes(oai(client, verb=verb, metadataPrefix="oai_dc")) == ["noRecordsMatch"]


def test_an_unknown_prefix_cannot_be_disseminated(client, user):
    publish(user)
    assert error_codes(oai(client, verb="ListRecords", metadataPrefix="mods")) == ["cannotDisseminateFormat"]


# --- resumption tokens -----------------------------------------------------------------------------


@pytest.fixture
def first_token(client, user, settings):
    settings.OAI_PAGE_SIZE = 1
    publish(user)
    publish(user)
    return token_of(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")).text


def test_a_tampered_token_is_bad(client, first_token):
    tampered = first_token[:-3] + ("AAA" if not first_token.endswith("AAA") else "BBB")
    response = client.get("/oai2d", {"verb": "ListIdentifiers", "resumptionToken": tampered})
    assert response.status_code == 200
    assert error_codes(assert_valid("oai-pmh", response.content)) == ["badResumptionToken"]


def test_a_token_of_another_verb_is_bad(client, first_token):
    assert error_codes(oai(client, verb="ListRecords", resumptionToken=first_token)) == ["badResumptionToken"]


def test_an_expired_token_is_bad(client, first_token):
    state = tokens.decode(first_token, verb="ListIdentifiers")
    expired = tokens.encode(state, expires=datetime.now(UTC) - timedelta(seconds=1))
    assert error_codes(oai(client, verb="ListIdentifiers", resumptionToken=expired)) == ["badResumptionToken"]


def test_a_token_signed_with_another_key_is_bad(client, first_token, settings):
    payload = signing.loads(first_token, salt=tokens.SALT)
    foreign = signing.dumps(payload, key="another-repository-secret", salt=tokens.SALT, compress=True)
    assert error_codes(oai(client, verb="ListIdentifiers", resumptionToken=foreign)) == ["badResumptionToken"]


def test_a_token_outlives_its_page(client, first_token):
    root = oai(client, verb="ListIdentifiers", resumptionToken=first_token)
    assert len(identifiers(root)) == 1 and error_codes(root) == []
    again = oai(client, verb="ListIdentifiers", resumptionToken=first_token)  # stateless: replayable
    assert identifiers(again) == identifiers(root)


def test_changes_during_a_harvest_are_not_lost(client, user, settings):
    settings.OAI_PAGE_SIZE = 2
    records = [publish(user, valid_document(title=f"Record number {n}")) for n in range(4)]
    page = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = identifiers(page)
    newcomer = publish(user)
    while (token := token_of(page)) is not None and (token.text or ""):
        page = oai(client, verb="ListIdentifiers", resumptionToken=token.text)
        seen += identifiers(page)
    assert set(seen) == {ident(r) for r in [*records, newcomer]}


def test_identify_leaves_out_the_oai_identifier_description_for_an_ip_host(client, settings):
    settings.OAI_ID_HOST = "127.0.0.1"  # oai-identifier.xsd wants a domain name
    identify = oai(client, verb="Identify").find("o:Identify", NS)
    assert identify.find("o:description", NS) is None


# --- rendered metadata cache -------------------------------------------------------------------------


def test_metadata_is_cached_per_revision_and_never_served_stale(client, user):
    record = publish(user, valid_document(title="First title of this record"))
    params = {"verb": "GetRecord", "identifier": ident(record), "metadataPrefix": "oai_dc"}
    oai(client, **params)
    cached = OAIMetadata.objects.get(record_id=record.pk, prefix="oai_dc")
    assert cached.revision_id == record.revision_id and "First title" in cached.xml
    OAIMetadata.objects.filter(pk=cached.pk).update(xml=cached.xml.replace("First title", "Cached title"))
    assert "Cached title" in "".join(oai(client, **params).itertext())  # served from the cache
    draft = services.record_edit(actor=user, record_id=record.pk)
    document = dict(draft.json)
    document["metadata"] = dict(document["metadata"], title="Second title of this record")
    services.draft_update(actor=user, draft_id=draft.pk, data=document)
    services.draft_publish(actor=user, draft_id=draft.pk)
    text = "".join(oai(client, **params).itertext())
    assert "Second title" in text and "Cached title" not in text
    assert OAIMetadata.objects.get(record_id=record.pk, prefix="oai_dc").revision_id == record.revision_id + 1


def test_a_deleted_record_is_never_served_from_the_cache(client, user, admin_user):
    record = publish(user)
    oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert deleted_identifiers(root) == [ident(record)] and root.find(".//o:metadata", NS) is None


def test_oai_rebuild_empties_the_cache(client, user):
    publish(user)
    oai(client, verb="ListRecords", metadataPrefix="datacite")
    assert OAIMetadata.objects.exists()
    call_command("oai_rebuild", verbosity=0)
    assert not OAIMetadata.objects.exists()


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite", "datacite", "marcxml"])
def test_a_page_from_the_cache_equals_the_freshly_rendered_one(client, user, prefix):
    """Cached payloads are spliced in as bytes: same document, still valid, escapes intact."""
    publish(user, valid_document(title='Fish & chips <not a tag> "quoted" ünïcode ✓'))
    publish(user, valid_document(title="splice-00000000-0. looks like a marker"))
    assert not OAIMetadata.objects.filter(prefix=prefix).exists()
    fresh = oai(client, verb="ListRecords", metadataPrefix=prefix)  # renders and stores
    assert OAIMetadata.objects.filter(prefix=prefix).count() == 2
    cached = oai(client, verb="ListRecords", metadataPrefix=prefix)  # spliced from the cache
    for root in (fresh, cached):
        root.find("o:responseDate", NS).text = ""
    assert etree.tostring(cached, method="c14n") == etree.tostring(fresh, method="c14n")
    assert "Fish & chips <not a tag>" in "".join(cached.itertext())


@pytest.mark.parametrize("in_set", [False, True])
def test_pages_split_inside_a_group_of_items_sharing_one_datestamp(client, user, settings, in_set):
    """The keyset (datestamp, id) breaks ties by id: no gap, no duplicate, across several stamps."""
    settings.OAI_PAGE_SIZE = 3
    records = [publish(user) for _ in range(11)]
    stamps = [datetime(2024, 5, 1, tzinfo=UTC)] * 5 + [datetime(2024, 5, 2, tzinfo=UTC)] * 6
    for record, stamp in zip(records, stamps, strict=True):
        OAIItem.objects.filter(record_id=record.pk).update(datestamp=stamp)
        OAISetMembership.objects.filter(record_id=record.pk).update(datestamp=stamp)
    params = {"metadataPrefix": "oai_dc", **({"set": "openaire_data"} if in_set else {})}
    pages, found = harvest(client, "ListRecords", **params)
    assert len(pages) == 4
    expected = sorted(records, key=lambda r: (stamps[records.index(r)], r.pk))
    assert found == [ident(r) for r in expected]


# --- rendering ahead of harvests (docs/adr/0015) ------------------------------------------------


def test_oai_render_fills_the_cache_for_readable_records_only(client, repository_records):
    OAIMetadata.objects.all().delete()
    output = StringIO()
    call_command("oai_render", "--prefix", "oai_dc", "--prefix", "datacite", verbosity=0, stdout=output)
    public = sorted(r.pk for r in repository_records["public"])
    for prefix in ("oai_dc", "datacite"):
        cached = OAIMetadata.objects.filter(prefix=prefix)
        assert sorted(cached.values_list("record_id", flat=True)) == public  # not deleted, not restricted
    assert not OAIMetadata.objects.filter(prefix="marcxml").exists()
    assert "oai_dc: 3 records rendered." in output.getvalue()
    again = StringIO()
    call_command("oai_render", "--prefix", "oai_dc", verbosity=0, stdout=again)
    assert "oai_dc: 0 records rendered." in again.getvalue()  # only what is missing or stale
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert len(root.findall(".//o:metadata", NS)) == 3
    assert OAIMetadata.objects.filter(prefix="oai_dc").count() == 3  # served from the cache


def test_oai_render_writes_the_cache_in_harvest_order_across_batches(user, monkeypatch):
    """Rows are stored as a harvest reads them, (datestamp, id), not in id order (docs/adr/0020);
    the keyset carries from batch to batch and a stale row is rendered again."""
    import oaipmh.services

    monkeypatch.setattr(oaipmh.services, "BATCH", 2)
    records = [publish(user, valid_document(title=f"Record {n}")) for n in range(7)]
    # datestamps against the id order, two items sharing one (the tie is broken by id)
    by_id = sorted(records, key=lambda r: r.pk)
    for n, record in enumerate(by_id):
        stamp = datetime(2024, 5, 10 - min(n, 5), tzinfo=UTC)
        OAIItem.objects.filter(record_id=record.pk).update(datestamp=stamp)
    OAIMetadata.objects.all().delete()
    call_command("oai_render", "--prefix", "oai_dc", verbosity=0, stdout=StringIO())
    harvest_order = list(
        OAIItem.objects.order_by("datestamp", "record_id").values_list("record_id", flat=True)
    )
    assert harvest_order != sorted(harvest_order)  # the two orders differ, or the test shows nothing
    stored = list(
        OAIMetadata.objects.filter(prefix="oai_dc").order_by("pk").values_list("record_id", flat=True)
    )
    assert stored == harvest_order
    OAIMetadata.objects.filter(record_id=by_id[0].pk).update(revision_id=0, xml="<stale/>")
    output = StringIO()
    call_command("oai_render", "--prefix", "oai_dc", verbosity=0, stdout=output)
    assert "oai_dc: 1 records rendered." in output.getvalue()
    assert "<stale/>" not in OAIMetadata.objects.get(record_id=by_id[0].pk).xml


def test_oai_render_refuses_an_unknown_format():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("oai_render", "--prefix", "nope", verbosity=0)


def test_publishing_renders_the_metadata_in_the_background(
    user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from oaipmh.tasks import render_records_metadata

    settings.OAI_PRERENDER_FORMATS = ["oai_dc", "datacite"]
    monkeypatch.setattr(render_records_metadata, "delay", render_records_metadata)  # the worker, inline
    with django_capture_on_commit_callbacks(execute=True):
        record = publish(user, valid_document(title="Rendered ahead"))
        hidden = publish(user, restricted_document(title="Never public"))
    cached = OAIMetadata.objects.filter(record_id=record.pk)
    assert sorted(cached.values_list("prefix", flat=True)) == ["datacite", "oai_dc"]
    assert {row.revision_id for row in cached} == {record.revision_id}
    assert "Rendered ahead" in cached.get(prefix="oai_dc").xml
    assert not OAIMetadata.objects.filter(record_id=hidden.pk).exists()
