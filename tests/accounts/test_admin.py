"""The user admin: users have an e-mail login and no username."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import user_create

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/accounts/user/add/"
PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture
def site_admin(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def add_user(client: Client, email: str, password1: str = PASSWORD, password2: str = PASSWORD):
    return client.post(
        ADD_URL, {"email": email, "full_name": "Grace Hopper", "password1": password1, "password2": password2}
    )


def test_add_form_asks_for_email_and_password_twice(site_admin):
    form = site_admin.get(ADD_URL).context["adminform"].form
    assert set(form.fields) == {"email", "full_name", "password1", "password2"}


def test_adding_a_user(site_admin, admin_user):
    response = add_user(site_admin, "Grace@Example.org")
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="grace@example.org")
    assert response["Location"] == f"/admin/accounts/user/{user.pk}/change/"
    assert user.check_password(PASSWORD) and user.full_name == "Grace Hopper"
    assert not (user.is_staff or user.is_superuser)
    assert site_admin.get(response["Location"]).status_code == 200
    assert Client().login(email="grace@example.org", password=PASSWORD)


@pytest.mark.parametrize(
    ("email", "password2", "field", "message"),
    [
        ("grace@example.org", "something-else-entirely", "password2", "didn’t match"),
        ("OWNER@example.org", PASSWORD, "email", "already exists"),
        ("not-an-address", PASSWORD, "email", "valid email"),
    ],
)
def test_add_form_errors_create_nobody(site_admin, user, email, password2, field, message):
    before = User.objects.count()
    response = add_user(site_admin, email, password2=password2)
    assert response.status_code == 200
    assert any(message in error for error in response.context["adminform"].form.errors[field])
    assert User.objects.count() == before


def test_add_form_applies_the_password_validators(site_admin):
    response = add_user(site_admin, "grace@example.org", password1="123", password2="123")
    assert response.status_code == 200 and "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="grace@example.org").exists()


def test_change_page_renders_and_saves(site_admin, user):
    url = f"/admin/accounts/user/{user.pk}/change/"
    page = site_admin.get(url)
    assert page.status_code == 200 and "owner@example.org" in page.content.decode()
    response = site_admin.post(
        url,
        {
            "email": "Owner@Example.org",
            "full_name": "Ada Lovelace",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.email, user.full_name, user.is_staff) == ("owner@example.org", "Ada Lovelace", True)
    assert user.check_password("correct-horse-battery")


def test_change_form_refuses_an_email_of_another_user_in_other_case(site_admin, user, other_user):
    response = site_admin.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": "STRANGER@example.org",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00",
        },
    )
    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors


def test_user_admin_is_for_staff_only(user):
    user_create(email="another@example.org", password=PASSWORD)
    for client in (Client(), _logged_in(user)):
        for url in ("/admin/accounts/user/", ADD_URL, f"/admin/accounts/user/{user.pk}/change/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
