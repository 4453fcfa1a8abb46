"""Invitations: links shown in full, the team's reusable join link, invitations by e-mail.

Who may call each URL is in the permission matrix (tests/test_permissions.py) and the
URL registry (tests/test_url_registry.py); here, what each does for the people allowed.
"""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions import invitations, services
from sessions.models import Invitation, JoinLink, Membership

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"peer:{name}", kwargs=kwargs)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def link(team, team_admin):
    return JoinLink.objects.create(team=team, role="member", created_by=team_admin)


def join_url(link) -> str:
    return url("join", token=link.token)


# --- the members page -------------------------------------------------------------------


def test_the_members_page_shows_each_open_invitation_in_full_with_a_copy_button(
    team, team_admin, as_admin
):
    invitation = Invitation.objects.create(team=team, role="member", email="a@example.com")
    content = as_admin.get(url("members", team="alpha")).content.decode()
    full = f"http://testserver/invite/{invitation.token}/"
    assert f'<code class="copy-link-text" id="invite-{invitation.token}">{full}</code>' in content
    assert f'data-copy-target="invite-{invitation.token}"' in content
    assert 'class="copy-link-status" role="status"' in content
    assert "a@example.com" in content
    assert "js/copy.js" in content
    assert '<input class="copy"' not in content  # the old cut-off input is gone


def test_members_and_observers_see_no_invitation_forms_or_links(team, as_member, as_observer):
    Invitation.objects.create(team=team, role="member")
    JoinLink.objects.create(team=team)
    for client in (as_member, as_observer):
        content = client.get(url("members", team="alpha")).content.decode()
        assert "copy-link" not in content
        assert "/join/" not in content and "/invite/" not in content
        assert "js/copy.js" not in content


def test_the_members_page_query_count_does_not_grow_with_invitations(
    team, team_admin, as_admin, django_assert_max_num_queries
):
    """Session, user, membership with team, roster, invitations (with their bound
    member), the join link: a fixed number however many invitations are open."""
    for n in range(8):
        named = MembershipFactory(team=team, user=None, display_name=f"이름{n}")
        Invitation.objects.create(team=team, member=named if n % 2 else None, email=f"{n}@x.kr")
    JoinLink.objects.create(team=team)
    with django_assert_max_num_queries(8):
        response = as_admin.get(url("members", team="alpha"))
    assert response.content.decode().count('class="copy-link-text"') == 9


# --- the join link: an admin makes and revokes it -------------------------------------------


def test_an_admin_makes_a_join_link_with_an_expiry(team, team_admin, as_admin):
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    response = as_admin.post(
        url("join_link_create", team="alpha"),
        {"join-role": "observer", "join-expires_on": tomorrow.isoformat()},
    )
    assert response.status_code == 302
    link = JoinLink.objects.get(team=team)
    assert (link.role, link.created_by, link.uses) == ("observer", team_admin, 0)
    assert link.works_until == tomorrow
    # It expires when that day ends in the team's time zone (Seoul).
    assert link.expires_at == datetime.datetime.combine(
        tomorrow + datetime.timedelta(days=1), datetime.time(0), tzinfo=team.tz
    )
    content = as_admin.get(url("members", team="alpha")).content.decode()
    assert f"http://testserver/join/{link.token}/" in content
    assert tomorrow.isoformat() in content


def test_a_join_link_without_an_expiry_works_until_revoked(team, as_admin):
    as_admin.post(url("join_link_create", team="alpha"), {"join-role": "member"})
    link = JoinLink.objects.get(team=team)
    assert link.expires_at is None and link.is_open


def test_a_new_join_link_revokes_the_old_one(team, link, as_admin):
    as_admin.post(url("join_link_create", team="alpha"), {"join-role": "member"})
    link.refresh_from_db()
    assert link.is_revoked
    assert JoinLink.objects.open().filter(team=team).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"join-role": "admin"}, "role"),  # a link anyone may pass on never makes admins
        ({"join-role": "member", "join-expires_on": "2020-01-01"}, "expires_on"),
        ({"join-role": "member", "join-expires_on": "내일"}, "expires_on"),
        ({"join-role": "member", "join-expires_on": "2999-01-01"}, "expires_on"),
    ],
)
def test_a_bad_join_link_is_refused_beside_its_field(body, field, team, as_admin):
    response = as_admin.post(url("join_link_create", team="alpha"), body)
    assert response.status_code == 200
    form = response.context["join_form"]
    assert field in form.errors
    assert f'name="join-{field}"' in response.content.decode()
    assert not JoinLink.objects.exists()


def test_an_admin_revokes_the_join_link(team, link, as_admin):
    response = as_admin.post(url("join_link_revoke", team="alpha"))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.is_revoked
    content = as_admin.get(url("members", team="alpha")).content.decode()
    assert link.token not in content
    assert 'name="join-role"' in content  # a new one can be made


def test_an_expired_join_link_is_shown_as_expired_with_the_form_for_a_new_one(team, link, as_admin):
    JoinLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    content = as_admin.get(url("members", team="alpha")).content.decode()
    assert link.token not in content
    assert 'class="notice notice-warn"' in content
    assert 'name="join-role"' in content


# --- the join link: someone opens it ----------------------------------------------------------


def test_an_anonymous_visitor_is_asked_to_sign_up_or_log_in_and_comes_back(link, anon):
    response = anon.get(join_url(link))
    content = response.content.decode()
    assert response.status_code == 200
    next_param = f"?next=/join/{link.token}/"
    assert f'href="/accounts/signup/{next_param}"' in content
    assert f'href="/accounts/login/{next_param}"' in content
    assert not Membership.objects.filter(display_name="새사람").exists()


def test_signing_up_through_the_join_link_and_joining(team, link, anon):
    response = anon.post(
        reverse("peer:signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "aVeryLongPassw0rd!",
            "password2": "aVeryLongPassw0rd!",
            "next": join_url(link),
        },
    )
    assert response.status_code == 302 and response["Location"] == join_url(link)
    page = anon.get(join_url(link))
    assert page.context["form"]["display_name"].value() == "newbie"
    response = anon.post(join_url(link), {"display_name": "신입생"})
    assert response.status_code == 302
    assert response["Location"] == url("team", team="alpha")
    member = Membership.objects.get(team=team, display_name="신입생")
    assert (member.user.username, member.role, member.is_active) == ("newbie", "member", True)
    link.refresh_from_db()
    assert link.uses == 1 and link.is_open  # reusable: it stays open


def test_the_link_serves_many_people_with_its_role(team, team_admin):
    link = JoinLink.objects.create(team=team, role="observer")
    for n in range(3):
        client = client_for(UserFactory(username=f"guest{n}"))
        assert client.post(join_url(link), {"display_name": f"손님{n}"}).status_code == 302
    joined = Membership.objects.filter(team=team, display_name__startswith="손님")
    assert sorted(joined.values_list("role", flat=True)) == ["observer"] * 3
    link.refresh_from_db()
    assert link.uses == 3


def test_a_taken_name_is_refused_beside_the_field_with_the_name_kept(team, team_member, link):
    client = client_for(UserFactory(username="newbie"))
    response = client.post(join_url(link), {"display_name": "이멤버"})
    assert response.status_code == 200
    errors = response.context["form"].errors["display_name"]
    assert errors
    assert 'value="이멤버"' in response.content.decode()
    assert Membership.objects.filter(team=team).count() == 2  # the admin and 이멤버
    link.refresh_from_db()
    assert link.uses == 0


def test_a_name_taken_at_the_last_moment_is_refused_too(team, team_member, link):
    """The form's check and the save race: the unique constraint still decides."""
    user = UserFactory(username="newbie")
    with pytest.raises(services.InvitationError, match="name"):
        invitations.join_by_link(link, user=user, display_name="이멤버")
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("name", ["", "   ", "이름\u202e", "이름\x00", "가" * 41])
def test_a_bad_name_is_refused_and_nothing_saved(name, team, link):
    user = UserFactory(username="newbie")
    response = client_for(user).post(join_url(link), {"display_name": name})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Membership.objects.filter(user=user).exists()


def test_joining_twice_makes_one_membership(team, link, team_member):
    client = client_for(UserFactory(username="newbie"))
    client.post(join_url(link), {"display_name": "신입생"})
    again = client.post(join_url(link), {"display_name": "다른이름"})
    assert again.status_code == 302 and again["Location"] == url("team", team="alpha")
    assert Membership.objects.filter(team=team, user__username="newbie").count() == 1
    # Opening it as a member goes straight to the team, and does not count.
    assert client.get(join_url(link)).status_code == 302
    assert client_for(team_member).get(join_url(link))["Location"] == url("team", team="alpha")
    link.refresh_from_db()
    assert link.uses == 1


def test_a_former_member_comes_back_under_their_old_name(team, link):
    user = UserFactory(username="returning")
    MembershipFactory(
        team=team, user=user, display_name="돌아온이", is_active=False, role="observer"
    )
    client = client_for(user)
    assert "돌아온이" in client.get(join_url(link)).content.decode()
    assert client.post(join_url(link), {}).status_code == 302
    member = Membership.objects.get(team=team, user=user)
    assert (member.display_name, member.is_active, member.role) == ("돌아온이", True, "member")


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_revoked_or_expired_link_shows_a_clear_page_and_joins_nobody(state, team, link, english):
    if state == "revoked":
        invitations.revoke_join_link(team)
    else:
        JoinLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    user = UserFactory(username="late")
    for client in (Client(), client_for(user)):
        response = client.get(join_url(link))
        assert response.status_code == 200
        assert f"This join link has been {state}" in response.content.decode() or (
            f"This join link has {state}" in response.content.decode()
        )
    response = client_for(user).post(join_url(link), {"display_name": "늦은사람"})
    assert response.status_code == 200
    assert "Ask an admin of the team for a new link" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_a_link_revoked_while_the_page_was_open_joins_nobody(team, link, english):
    user = UserFactory(username="late")
    client = client_for(user)
    assert client.get(join_url(link)).status_code == 200
    invitations.revoke_join_link(team)
    response = client.post(join_url(link), {"display_name": "늦은사람"})
    assert "This join link has been revoked" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_an_unknown_join_token_is_404(anon):
    assert anon.get("/join/no-such-token/").status_code == 404
    assert anon.get("/join/bad%00token/").status_code == 404


# --- one-time invitations keep working -------------------------------------------------------


def test_an_unbound_one_time_invitation_still_works_once(team, team_admin):
    invitation = Invitation.objects.create(team=team, role="observer", created_by=team_admin)
    first = client_for(UserFactory(username="first"))
    link = url("invitation_accept", token=invitation.token)
    assert first.post(link, {"display_name": "첫사람"}).status_code == 302
    second = client_for(UserFactory(username="second"))
    assert second.get(link).context["used"] is True
    assert second.post(link, {"display_name": "둘째"}).context["used"] is True
    assert not Membership.objects.filter(display_name="둘째").exists()


def test_a_former_member_accepts_an_invitation_under_their_old_name(team, team_admin):
    # As through the join link: no name to choose, and the page says which one it is.
    invitation = Invitation.objects.create(team=team, role="member", created_by=team_admin)
    user = UserFactory(username="returning")
    MembershipFactory(team=team, user=user, display_name="돌아온이", is_active=False)
    client = client_for(user)
    link = url("invitation_accept", token=invitation.token)
    page = client.get(link).content.decode()
    assert "돌아온이" in page and 'name="display_name"' not in page
    assert client.post(link, {}).status_code == 302
    member = Membership.objects.get(team=team, user=user)
    assert (member.display_name, member.is_active) == ("돌아온이", True)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


# --- invitations by e-mail -----------------------------------------------------------------


def send(client, addresses: str, role: str = "member"):
    return client.post(
        url("invitation_send", team="alpha"), {"email-addresses": addresses, "email-role": role}
    )


def test_each_address_gets_its_own_one_time_invitation_by_e_mail(team, team_admin, as_admin):
    response = send(as_admin, "one@example.com\ntwo@example.com, three@example.org", "observer")
    assert response.status_code == 302
    sent = Invitation.objects.filter(team=team).order_by("pk")
    assert [i.email for i in sent] == ["one@example.com", "two@example.com", "three@example.org"]
    assert {i.role for i in sent} == {"observer"} and {i.created_by for i in sent} == {team_admin}
    assert len({i.token for i in sent}) == 3
    assert len(mail.outbox) == 3
    for message, invitation in zip(mail.outbox, sent, strict=True):
        assert message.to == [invitation.email]
        assert f"http://testserver/invite/{invitation.token}/" in message.body
        assert "알파팀" in message.subject and "김관리" in message.body
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    # The links are on the members page too, to copy.
    content = as_admin.get(url("members", team="alpha")).content.decode()
    assert all(i.token in content for i in sent)


def test_an_emailed_invitation_is_accepted_like_any_other(team, as_admin):
    send(as_admin, "friend@example.com")
    token = Invitation.objects.get(email="friend@example.com").token
    assert f"/invite/{token}/" in mail.outbox[0].body
    friend = client_for(UserFactory(username="friend"))
    assert (
        friend.post(url("invitation_accept", token=token), {"display_name": "친구"}).status_code
        == 302
    )
    assert Membership.objects.filter(
        team=team, display_name="친구", user__username="friend"
    ).exists()


def test_one_bad_address_sends_nothing_and_lists_it_beside_the_field(team, as_admin):
    typed = "ok@example.com\nnot-an-address, also@bad@example.com\nfine@example.org"
    response = send(as_admin, typed)
    assert response.status_code == 200
    errors = response.context["email_form"].errors["addresses"]
    assert "not-an-address" in errors[0] and "also@bad@example.com" in errors[0]
    assert "ok@example.com" not in errors[0]
    assert typed in response.content.decode()  # what was typed is kept
    assert not Invitation.objects.exists() and not mail.outbox


def test_too_many_addresses_at_once_are_refused(team, as_admin):
    many = "\n".join(f"person{n}@example.com" for n in range(invitations.MAX_ADDRESSES + 1))
    response = send(as_admin, many)
    assert response.context["email_form"].errors["addresses"]
    assert not Invitation.objects.exists() and not mail.outbox
    exactly = "\n".join(f"person{n}@example.com" for n in range(invitations.MAX_ADDRESSES))
    assert send(as_admin, exactly).status_code == 302
    assert len(mail.outbox) == invitations.MAX_ADDRESSES


@pytest.mark.parametrize("typed", ["", " ,\n ; ", "x" * 5001])
def test_no_addresses_or_a_flood_of_text_is_refused(typed, as_admin):
    response = send(as_admin, typed)
    assert response.status_code == 200
    assert response.context["email_form"].errors["addresses"]
    assert not Invitation.objects.exists() and not mail.outbox


def test_an_admin_role_cannot_be_sent(as_admin):
    response = send(as_admin, "x@example.com", "admin")
    assert "role" in response.context["email_form"].errors
    assert not Invitation.objects.exists()


def test_addresses_of_members_are_reported_not_invited(team, team_member, as_admin, english):
    # The same address twice, in other cases, is one address.
    response = send(as_admin, "ALPHA-MEMBER@example.com\nnew@example.com\nNew@Example.com")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@example.com"]
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("not invited: ALPHA-MEMBER@example.com" in m for m in shown)


def test_only_members_addresses_send_nothing_and_say_so(team, team_member, as_admin, english):
    response = send(as_admin, "alpha-member@example.com")
    assert response.status_code == 302
    assert not mail.outbox and not Invitation.objects.exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == ["Already in the team, not invited: alpha-member@example.com."]


def test_a_refused_e_mail_is_reported_and_its_link_kept(team, as_admin, settings, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    response = send(as_admin, "a@example.com\nb@example.com")
    assert response.status_code == 302
    assert Invitation.objects.count() == 2  # the links exist, to pass on by hand
    shown = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "a@example.com, b@example.com" in shown


def test_split_addresses_takes_lines_commas_and_semicolons_once_each():
    typed = " a@x.kr,b@x.kr;\n\n c@x.kr \r\nA@X.KR "
    assert invitations.split_addresses(typed) == ["a@x.kr", "b@x.kr", "c@x.kr"]
