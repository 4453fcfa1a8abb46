"""Accounts: log in and out, sign up, the profile page (name, e-mail, language, names in
teams), and changing and resetting a password through Django's email backend."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from sessions.forms.accounts import EMAIL_TAKEN, NAME_TAKEN, TeamNameForm
from sessions.models import Invitation, Profile

from .factories import MembershipFactory, UserFactory

User = get_user_model()

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


# --- password reset: what a visitor can and cannot learn ------------------------------


def test_the_login_page_links_to_the_reset_in_korean(client):
    content = client.get(reverse("login")).content.decode()
    assert "비밀번호를 잊으셨나요?" in content
    assert reverse("password_reset") in content


def main(response) -> str:
    """The page's own content (the header's CSRF token differs from one page to the next)."""
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


def test_a_reset_asked_for_any_address_answers_the_same_and_mails_only_a_real_one(client):
    UserFactory(username="yuna", email="Yuna@Example.org")
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert not mail.outbox
    known = client.post(reverse("password_reset"), {"email": "yuna@example.org"}, follow=True)
    # The same page either way: it must not tell who has an account.
    assert unknown.redirect_chain == known.redirect_chain
    assert main(unknown) == main(known)
    assert [m.to for m in mail.outbox] == [["Yuna@Example.org"]]
    assert "비밀번호 재설정" in mail.outbox[0].subject
    assert "새 비밀번호를 설정하세요" in mail.outbox[0].body


def test_a_reset_link_lets_an_account_with_no_password_yet_set_one(client):
    # addmember makes such accounts: the reset link is how their owners get in.
    user = UserFactory(username="doyun", email="doyun@example.org")
    user.set_unusable_password()
    user.save()
    client.post(reverse("password_reset"), {"email": "doyun@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "새-비밀번호-5678", "new_password2": "새-비밀번호-5678"},
    )
    user.refresh_from_db()
    assert user.check_password("새-비밀번호-5678")


def test_an_inactive_account_gets_no_reset_mail(client):
    UserFactory(username="gone", email="gone@example.org", is_active=False)
    response = client.post(reverse("password_reset"), {"email": "gone@example.org"})
    assert response.status_code == 302
    assert not mail.outbox


# --- sign-up with an e-mail address --------------------------------------------------

SIGNUP = {"username": "newcomer", "password1": "긴-비밀번호-9876", "password2": "긴-비밀번호-9876"}


def test_sign_up_keeps_the_email_address(client):
    response = client.post(reverse("peer:signup"), {**SIGNUP, "email": " new@EXAMPLE.com "})
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").email == "new@example.com"


def test_sign_up_needs_an_email_address_and_keeps_what_was_typed(client):
    response = client.post(reverse("peer:signup"), {**SIGNUP, "email": "", "next": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert 'value="newcomer"' in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_sign_up_refuses_an_address_another_account_has_in_any_case(client):
    UserFactory(username="yuna", email="yuna@example.org")
    response = client.post(reverse("peer:signup"), {**SIGNUP, "email": "YUNA@example.org"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [str(EMAIL_TAKEN)]
    assert 'value="YUNA@example.org"' in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_sign_up_keeps_the_language_it_was_made_in(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("peer:signup"), {**SIGNUP, "email": "new@example.com"})
    assert Profile.objects.get(user__username="newcomer").language == "en"


def test_signing_up_through_an_invitation_link_joins_the_team(client, team):
    invitation = Invitation.objects.create(team=team, role="member")
    invite = reverse("peer:invitation_accept", kwargs={"token": invitation.token})
    assert client.get(invite).status_code == 200  # asks a visitor to log in or sign up
    response = client.post(
        reverse("peer:signup"), {**SIGNUP, "email": "new@example.com", "next": invite}
    )
    assert response["Location"] == invite
    response = client.post(invite, {"display_name": "새내기"})
    assert response["Location"] == reverse("peer:team", kwargs={"team": team.slug})
    member = team.memberships.get(display_name="새내기")
    assert member.user.email == "new@example.com"


# --- the profile page ------------------------------------------------------------------


def profile_body(user, **changes) -> dict:
    """What the page posts unchanged: the account's fields and each team's name."""
    body = {"first_name": user.first_name, "email": user.email, "language": "ko"}
    for m in user.memberships.filter(is_active=True):
        body[f"team-{m.pk}-display_name"] = m.display_name
    return {**body, **changes}


def test_the_profile_needs_a_login(anon):
    response = anon.get(reverse("peer:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = anon.post(reverse("peer:profile"), {"email": "x@example.com"})
    assert response["Location"].startswith(reverse("login"))


def test_the_profile_shows_the_account_and_its_teams(as_member, team_member, other_team):
    # Another team's membership, inactive: left out (the account no longer takes part).
    MembershipFactory(team=other_team, user=team_member, display_name="옛이름", is_active=False)
    response = as_member.get(reverse("peer:profile"))
    assert response.status_code == 200
    content = response.content.decode()
    membership = team_member.memberships.get(team__slug="alpha")
    assert f'value="{team_member.email}"' in content
    assert f'name="team-{membership.pk}-display_name"' in content
    assert 'value="이멤버"' in content and "알파팀" in content
    assert "옛이름" not in content
    assert reverse("password_change") in content


def test_the_profile_page_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # One for the memberships with their teams, however many teams the account is in.
    user = UserFactory()
    for _ in range(6):
        MembershipFactory(user=user)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("peer:profile")).status_code == 200


def test_saving_the_profile_changes_the_account_and_names_in_teams(as_member, team_member):
    membership = team_member.memberships.get()
    response = as_member.post(
        reverse("peer:profile"),
        profile_body(
            team_member,
            first_name="이새롬",
            email="saerom@Example.COM",
            language="en",
            **{f"team-{membership.pk}-display_name": "새롬"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("peer:profile")
    team_member.refresh_from_db()
    membership.refresh_from_db()
    assert (team_member.first_name, team_member.last_name) == ("이새롬", "")
    assert team_member.email == "saerom@example.com"
    assert membership.display_name == "새롬"
    assert Profile.objects.get(user=team_member).language == "en"
    # The language applies at once, from the page the save leads to.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = as_member.get(response["Location"])
    assert '<html lang="en">' in page.content.decode()
    assert "Profile saved." in page.content.decode()


def test_a_bad_email_keeps_what_was_typed_and_saves_nothing(as_member, team_member):
    membership = team_member.memberships.get()
    before = (team_member.first_name, team_member.email)
    response = as_member.post(
        reverse("peer:profile"),
        profile_body(
            team_member,
            first_name="바뀐이름",
            email="not an address",
            **{f"team-{membership.pk}-display_name": "바뀐팀이름"},
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    content = response.content.decode()
    assert 'value="not an address"' in content and 'value="바뀐팀이름"' in content
    team_member.refresh_from_db()
    membership.refresh_from_db()
    assert (team_member.first_name, team_member.email) == before
    assert membership.display_name == "이멤버"
    assert not Profile.objects.filter(user=team_member).exists()


def test_an_email_another_account_has_is_refused_in_any_case(as_member, team_member, team_admin):
    response = as_member.post(
        reverse("peer:profile"), profile_body(team_member, email=team_admin.email.upper())
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [str(EMAIL_TAKEN)]
    team_member.refresh_from_db()
    assert team_member.email != team_admin.email


def test_keeping_your_own_email_in_another_case_is_fine(as_member, team_member):
    response = as_member.post(
        reverse("peer:profile"), profile_body(team_member, email=team_member.email.upper())
    )
    assert response.status_code == 302


def test_a_name_taken_in_the_team_is_a_field_error_and_nothing_is_saved(
    as_member, team_member, team_admin
):
    membership = team_member.memberships.get()
    response = as_member.post(
        reverse("peer:profile"),
        profile_body(
            team_member,
            email="changed@example.com",
            **{f"team-{membership.pk}-display_name": "김관리"},  # the admin's name
        ),
    )
    assert response.status_code == 200
    team_form = response.context["team_forms"][0]
    assert team_form.errors["display_name"] == [str(NAME_TAKEN)]
    assert 'value="김관리"' in response.content.decode()
    membership.refresh_from_db()
    team_member.refresh_from_db()
    assert membership.display_name == "이멤버"
    assert team_member.email != "changed@example.com"


def test_an_empty_name_in_a_team_is_refused(as_member, team_member):
    membership = team_member.memberships.get()
    response = as_member.post(
        reverse("peer:profile"),
        profile_body(team_member, **{f"team-{membership.pk}-display_name": "   "}),
    )
    assert response.status_code == 200
    assert response.context["team_forms"][0].errors["display_name"]
    membership.refresh_from_db()
    assert membership.display_name == "이멤버"


def test_the_profile_cannot_rename_someone_else(as_member, team_member, team_admin):
    admin_membership = team_admin.memberships.get()
    as_member.post(
        reverse("peer:profile"),
        profile_body(team_member, **{f"team-{admin_membership.pk}-display_name": "가짜"}),
    )
    admin_membership.refresh_from_db()
    assert admin_membership.display_name == "김관리"


def test_a_name_taken_at_the_same_moment_is_a_field_error_not_a_500(
    as_member, team_member, team_admin, monkeypatch
):
    # The form's check passed, then a teammate took the name before the save.
    membership = team_member.memberships.get()
    monkeypatch.setattr(TeamNameForm, "clean_display_name", lambda self: "김관리")
    response = as_member.post(
        reverse("peer:profile"),
        profile_body(
            team_member,
            email="changed@example.com",
            **{f"team-{membership.pk}-display_name": "김관리"},
        ),
    )
    assert response.status_code == 200
    assert response.context["team_forms"][0].errors["display_name"]
    team_member.refresh_from_db()
    assert team_member.email != "changed@example.com"


# --- the account's language -------------------------------------------------------------


def test_logging_in_applies_the_accounts_language(client):
    user = UserFactory(username="yuna", password="긴-비밀번호-1234")
    Profile.objects.create(user=user, language="en")
    response = client.post(reverse("login"), {"username": "yuna", "password": "긴-비밀번호-1234"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(response["Location"])
    assert '<html lang="en">' in page.content.decode()


def test_logging_in_without_a_chosen_language_leaves_the_browsers(client):
    UserFactory(username="yuna", password="긴-비밀번호-1234")
    response = client.post(reverse("login"), {"username": "yuna", "password": "긴-비밀번호-1234"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_header_language_selector_is_remembered_for_the_account(as_member, team_member):
    response = as_member.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert Profile.objects.get(user=team_member).language == "en"


def test_the_language_selector_stores_nothing_for_a_visitor_or_a_bad_code(anon, as_member):
    anon.post(reverse("set_language"), {"language": "en", "next": "/"})
    as_member.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not Profile.objects.exists()
