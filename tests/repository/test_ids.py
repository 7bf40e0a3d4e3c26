"""Row ids in paths and bodies: anything but 1-18 ASCII digits is "not found", never a 500."""

from __future__ import annotations

import pytest

from repository.ids import parse_row_id


@pytest.mark.parametrize("value", ["7", 7, "000123"])
def test_row_ids_parse(value):
    assert parse_row_id(value) == int(value)


@pytest.mark.parametrize("value", ["", "²", "١٢", "-1", "1.0", "9" * 19, True, None, 1.5, [1]])
def test_non_ids_are_none(value):
    assert parse_row_id(value) is None


@pytest.mark.django_db
@pytest.mark.parametrize("user_id", ["²", "9" * 19, "99999999999999999999"])
def test_user_lookup_with_a_strange_id_is_a_404(owner_client, user_id):
    assert owner_client.get(f"/api/users/{user_id}").status_code == 404
