"""Accounts: log in and out, change and reset a password through Django's email backend."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_and_logout(client):
    UserFactory(username="yuna", password="긴-비밀번호-1234")
    response = client.post(reverse("login"), {"username": "yuna", "password": "긴-비밀번호-1234"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_keeps_the_username_and_says_why(client):
    UserFactory(username="yuna", password="긴-비밀번호-1234")
    response = client.post(reverse("login"), {"username": "yuna", "password": "틀림"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="yuna"' in response.content.decode()


def test_changing_the_password(client):
    user = UserFactory(username="yuna", password="긴-비밀번호-1234")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "긴-비밀번호-1234",
            "new_password1": "새-비밀번호-5678",
            "new_password2": "새-비밀번호-5678",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("새-비밀번호-5678")


def test_resetting_the_password_by_email(client):
    user = UserFactory(username="yuna", email="yuna@example.org", password="긴-비밀번호-1234")
    response = client.post(reverse("password_reset"), {"email": "yuna@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)  # Django swaps the token into the session
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "새-비밀번호-5678", "new_password2": "새-비밀번호-5678"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("새-비밀번호-5678")


def test_an_htmx_save_after_the_session_ended_gets_401_not_the_login_page(client, day):
    # htmx would swap a followed login page over the form being edited.
    response = client.post(
        reverse(
            "peer:item_create",
            kwargs={"team": day.team.slug, "date": day.date, "kind": "question"},
        ),
        {"question": "로그아웃된 뒤 저장"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 401
    assert not response.content


def test_a_plain_request_is_still_sent_to_log_in(client, day):
    response = client.get(reverse("peer:day", kwargs={"team": day.team.slug, "date": day.date}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
