"""The communities REST API: create, read by id or slug, update, rename, delete/restore, logo, featured."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from communities.models import Community, SlugRedirect
from tests.communities.factories import add_member, client_for, make_community, new_user

pytestmark = pytest.mark.django_db


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


BODY = {
    "slug": "ocean-lab",
    "metadata": {
        "title": "Ocean Lab",
        "description": "Sea data",
        "curation_policy": "<p>Be <b>nice</b><script>alert(1)</script></p>",
        "page": "<h2>About</h2><img src=x onerror=alert(1)>",
        "type": {"id": "organization"},
        "website": "https://ocean.example.org",
        "organizations": [{"name": "Sea Institute"}],
        "funding": [{"funder": {"name": "EU"}, "award": {"number": "123"}}],
    },
    "access": {"visibility": "public", "review_policy": "open"},
}


def test_create_returns_the_community_and_makes_the_creator_owner(api_client):
    owner = new_user("owner")
    response = client_for(owner).post("/api/communities", BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "ocean-lab"
    assert body["metadata"]["curation_policy"] == "<p>Be <b>nice</b></p>"
    assert body["metadata"]["page"] == "<h2>About</h2>"
    assert body["access"] == {
        "visibility": "public",
        "members_visibility": "public",
        "member_policy": "open",
        "record_submission_policy": "open",
        "review_policy": "open",
    }
    assert response["ETag"] == '"1"'
    members = client_for(owner).get(f"/api/communities/{body['id']}/members").json()["hits"]["hits"]
    assert [(m["member"]["id"], m["role"]) for m in members] == [(str(owner.pk), "owner")]
    assert api_client.post("/api/communities", BODY, format="json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "featured"}, "slug"),
        ({"slug": None}, "slug"),
        ({"metadata": {"description": "no title"}}, "metadata.title"),
        ({"metadata": {"title": "x", "type": {"id": "club"}}}, "metadata.type.id"),
        ({"metadata": {"title": "x", "website": "javascript:alert(1)"}}, "metadata.website"),
        ({"metadata": {"title": "x", "colour": "red"}}, "metadata"),
        ({"metadata": {"title": "x", "organizations": "Sea"}}, "metadata.organizations"),
        ({"access": {"visibility": "secret"}}, "access.visibility"),
        ({"access": {"review_policy": "sometimes"}}, "access.review_policy"),
    ],
)
def test_bad_input_is_a_400_with_the_field_and_writes_nothing(change, field):
    client = client_for(new_user("owner"))
    response = client.post("/api/communities", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Community.objects.exists()


def test_slugs_are_unique_also_against_old_slugs():
    owner = new_user("owner")
    client = client_for(owner)
    first = client.post("/api/communities", BODY, format="json").json()
    assert client.post("/api/communities", BODY, format="json").status_code == 400
    client.post(f"/api/communities/{first['id']}/rename", {"slug": "sea-lab"}, format="json")
    taken = client.post("/api/communities", BODY, format="json")
    assert taken.status_code == 400 and taken.json()["errors"][0]["field"] == "slug"


def test_read_by_id_or_slug_and_old_slugs_redirect(api_client):
    owner = new_user("owner")
    community = make_community(owner, slug="ocean-lab")
    assert api_client.get(f"/api/communities/{community.pk}").json()["slug"] == "ocean-lab"
    assert api_client.get("/api/communities/ocean-lab").json()["id"] == str(community.pk)
    renamed = client_for(owner).post(
        f"/api/communities/{community.pk}/rename", {"slug": "sea-lab"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["slug"] == "sea-lab"
    moved = api_client.get("/api/communities/ocean-lab")
    assert moved.status_code == 301 and moved["Location"].endswith("/api/communities/sea-lab")
    assert api_client.get("/api/communities/nothing-here").status_code == 404
    # renaming back takes the old slug out of the redirects
    client_for(owner).post(f"/api/communities/{community.pk}/rename", {"slug": "ocean-lab"}, format="json")
    assert api_client.get("/api/communities/ocean-lab").status_code == 200
    assert list(SlugRedirect.objects.values_list("slug", flat=True)) == ["sea-lab"]


def test_restricted_communities_are_404_for_non_members(api_client):
    owner, reader = new_user("owner"), new_user("reader")
    community = make_community(owner, visibility="restricted")
    add_member(community, reader, "reader")
    url = f"/api/communities/{community.pk}"
    assert api_client.get(url).status_code == 404
    assert client_for(new_user("stranger")).get(url).status_code == 404
    assert client_for(reader).get(url).status_code == 200
    assert client_for(new_user("admin", is_admin=True)).get(url).status_code == 200
    assert api_client.get("/api/communities").json()["hits"]["total"] == 0
    assert client_for(reader).get("/api/communities").json()["hits"]["total"] == 1


@pytest.mark.parametrize(
    ("role", "update", "rename", "delete"),
    [
        ("owner", 200, 200, 204),
        ("manager", 200, 403, 403),
        ("curator", 403, 403, 403),
        ("reader", 403, 403, 403),
        (None, 403, 403, 403),
        ("admin", 200, 200, 204),
    ],
)
def test_settings_permission_matrix(role, update, rename, delete):
    owner = new_user("owner")
    community = make_community(owner, slug="lab")
    actor = owner if role == "owner" else new_user("actor", is_admin=role == "admin")
    if role in ("manager", "curator", "reader"):
        add_member(community, actor, role)
    client = client_for(actor)
    url = f"/api/communities/{community.pk}"
    body = {"metadata": {"title": "New title"}, "access": {"member_policy": "closed"}}
    response = client.put(url, body, format="json")
    assert response.status_code == update
    if update == 200:
        assert response.json()["metadata"] == {"title": "New title"}
        assert response.json()["access"]["member_policy"] == "closed"
        assert response.json()["access"]["review_policy"] == "closed"  # kept
    assert client.post(f"{url}/rename", {"slug": "lab-2"}, format="json").status_code == rename
    assert client.delete(url).status_code == delete


def test_update_checks_if_match():
    owner = new_user("owner")
    community = make_community(owner)
    client = client_for(owner)
    url = f"/api/communities/{community.pk}"
    stale = client.put(url, {"metadata": {"title": "x"}}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    assert (
        client.put(url, {"metadata": {"title": "x"}}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    )


def test_delete_leaves_a_tombstone_and_restore_brings_it_back(api_client):
    owner = new_user("owner")
    community = make_community(owner, slug="gone")
    client = client_for(owner)
    url = f"/api/communities/{community.pk}"
    assert client.delete(url, {"note": "spam"}, format="json").status_code == 204
    gone = api_client.get(url)
    assert gone.status_code == 410 and gone.json()["tombstone"]["note"] == "spam"
    assert api_client.get("/api/communities").json()["hits"]["total"] == 0
    assert client.delete(url).status_code == 403  # the owner sees it to restore it, nothing else
    assert client_for(new_user("x")).post(f"{url}/restore").status_code == 404
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200 and restored.json()["deletion_status"]["is_deleted"] is False
    assert client.post(f"{url}/restore").status_code == 409
    assert api_client.get(url).status_code == 200


def test_logo_upload_is_validated_and_served_safely(api_client, settings):
    settings.COMMUNITY_LOGO_MAX_BYTES = 10_000
    owner = new_user("owner")
    community = make_community(owner)
    client = client_for(owner)
    url = f"/api/communities/{community.pk}/logo"
    assert api_client.get(url).status_code == 404
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = client.put(url, svg, content_type="application/octet-stream")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "logo"
    html_as_png = client.put(url, b"\x89PNG\r\n\x1a\n<html>", content_type="image/png")
    assert html_as_png.status_code == 400
    too_big = client.put(url, png_bytes((400, 400)) + b"\0" * 10_000, content_type="image/png")
    assert too_big.status_code == 400 and "at most 10000 bytes" in str(too_big.json())
    stranger = client_for(new_user("x")).put(url, png_bytes(), content_type="image/png")
    assert stranger.status_code == 403
    assert client.put(url, png_bytes(), content_type="image/png").status_code == 200
    served = api_client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Cache-Control"] == "public, max-age=300"
    assert b"".join(served.streaming_content) == png_bytes()
    community.visibility = "restricted"
    community.save(update_fields=["visibility"])
    assert api_client.get(url).status_code == 404  # not a member
    private = client.get(url)
    assert private.status_code == 200 and private["Cache-Control"] == "private, max-age=300"
    community.visibility = "public"
    community.save(update_fields=["visibility"])
    assert client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404


def test_featured_communities_by_admins():
    owner, admin = new_user("owner"), new_user("admin", is_admin=True)
    community = make_community(owner)
    make_community(owner, visibility="restricted")
    url = f"/api/communities/{community.pk}/featured"
    assert client_for(owner).post(url, {}, format="json").status_code == 403
    entry = client_for(admin).post(url, {"start_date": "2020-01-01T00:00:00+00:00"}, format="json")
    assert entry.status_code == 201
    featured = client_for(owner).get("/api/communities/featured").json()
    assert [h["id"] for h in featured["hits"]["hits"]] == [str(community.pk)]
    later = client_for(admin).put(
        f"{url}/{entry.json()['id']}", {"start_date": "2999-01-01T00:00:00"}, format="json"
    )
    assert later.status_code == 200
    assert client_for(owner).get("/api/communities/featured").json()["hits"]["total"] == 0
    assert client_for(admin).put(f"{url}/999", {"start_date": "2020-01-01"}, format="json").status_code == 404
    assert client_for(admin).post(url, {"start_date": "tomorrow"}, format="json").status_code == 400
    assert client_for(admin).delete(f"{url}/{entry.json()['id']}").status_code == 204
    assert client_for(admin).get(url).json()["hits"]["total"] == 0


def test_listing_search_facets_and_user_communities():
    owner, other = new_user("owner"), new_user("other")
    make_community(owner, slug="ocean", title="Ocean Lab")
    make_community(other, slug="forest", title="Forest Group")
    body = client_for(owner).get("/api/communities?q=fores").json()
    assert [h["slug"] for h in body["hits"]["hits"]] == ["forest"]
    everything = client_for(owner).get("/api/communities?sort=title").json()
    assert [h["slug"] for h in everything["hits"]["hits"]] == ["forest", "ocean"]
    assert everything["aggregations"]["type"]["buckets"] == [
        {"key": "project", "doc_count": 2, "label": "project"}
    ]
    mine = client_for(owner).get("/api/user/communities").json()
    assert [h["slug"] for h in mine["hits"]["hits"]] == ["ocean"]
    assert client_for(owner).get("/api/communities?sort=nope").status_code == 400
