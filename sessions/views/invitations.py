"""Invitations: one-time links, the team's reusable join link, invitations by e-mail,
and the pages where people accept them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import invitations, services
from ..access import get_team_for
from ..forms.accounts import NAME_TAKEN
from ..forms.invitations import (
    AcceptInvitationForm,
    EmailInvitationForm,
    InvitationForm,
    JoinForm,
    JoinLinkForm,
)
from ..models import Invitation, JoinLink, Membership
from . import teams


def with_links(request, rows):
    """The rows (invitations or join links), each with `.link`, its address in full."""
    return [with_link(request, row) for row in rows]


def with_link(request, row):
    if row is not None:
        name = "peer:join" if isinstance(row, JoinLink) else "peer:invitation_accept"
        row.link = request.build_absolute_uri(reverse(name, args=[row.token]))
    return row


# --- an admin's side: on the members page ----------------------------------------------------


@login_required
@require_POST
def invitation_create(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = InvitationForm(request.POST, team=team)
    if form.is_valid():
        invitation = form.save(commit=False)
        invitation.team = team
        invitation.created_by = request.user
        invitation.save()
        messages.success(request, _("Invitation link created. Share it with your teammate."))
    else:
        messages.error(request, _("The invitation could not be created."))
    return redirect("peer:members", team=team.slug)


@login_required
@require_POST
def invitation_send(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = EmailInvitationForm(request.POST, prefix="email")
    if not form.is_valid():
        return teams.render_members(request, team, membership, email_form=form)
    # Sent here, in the request, rather than by a background task: at most
    # MAX_ADDRESSES messages over one connection, and the admin learns at once which
    # went out (a refused one's link stays on this page to pass on by hand).
    report = invitations.send_invitations(
        team,
        addresses=form.cleaned_data["addresses"],
        role=form.cleaned_data["role"],
        created_by=request.user,
        link_for=lambda invitation: with_link(request, invitation).link,
    )
    if report.sent:
        messages.success(
            request,
            ngettext(
                "Invitation sent to %(list)s.", "Invitations sent to %(list)s.", len(report.sent)
            )
            % {"list": ", ".join(report.sent)},
        )
    if report.already_members:
        messages.info(
            request,
            _("Already in the team, not invited: %(list)s.")
            % {"list": ", ".join(report.already_members)},
        )
    if report.failed:
        messages.error(
            request,
            _(
                "The e-mail to %(list)s could not be sent. Their links are listed under "
                "open invitations: copy them and pass them on yourself."
            )
            % {"list": ", ".join(report.failed)},
        )
    return redirect("peer:members", team=team.slug)


@login_required
@require_POST
def join_link_create(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = JoinLinkForm(request.POST, team=team, prefix="join")
    if not form.is_valid():
        return teams.render_members(request, team, membership, join_form=form)
    invitations.create_join_link(
        team, role=form.cleaned_data["role"], expires_at=form.expires_at, created_by=request.user
    )
    messages.success(request, _("Join link created. Anyone with it can join the team."))
    return redirect("peer:members", team=team.slug)


@login_required
@require_POST
def join_link_revoke(request, team):
    team, membership = get_team_for(request, team, admin=True)
    if invitations.revoke_join_link(team):
        messages.success(request, _("Join link revoked: it no longer works."))
    return redirect("peer:members", team=team.slug)


# --- the invitee's side --------------------------------------------------------------------


def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("team", "member"), token=token)
    if not request.user.is_authenticated:
        return render(request, "peer/invitation.html", {"invitation": invitation})
    if not invitation.is_open:
        return render(request, "peer/invitation.html", {"invitation": invitation, "used": True})
    former = Membership.objects.filter(
        team=invitation.team, user=request.user, is_active=False
    ).first()
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"display_name": services.display_name_for(request.user)},
    )
    # The name is chosen only by someone new to the team: an invitation bound to a
    # member joins under that member's name, a former member under their old one.
    chooses_name = not invitation.member_id and former is None
    if request.method == "POST" and (not chooses_name or form.is_valid()):
        name = form.cleaned_data["display_name"] if chooses_name else ""
        try:
            services.accept_invitation(invitation, user=request.user, display_name=name)
        except services.InvitationError:
            form.add_error(
                "display_name" if chooses_name else None,
                _("This name is taken in the team, or the invitation can no longer be used."),
            )
        else:
            messages.success(request, _("Welcome to %(team)s!") % {"team": invitation.team.name})
            return redirect("peer:team", team=invitation.team.slug)
    return render(
        request,
        "peer/invitation.html",
        {"invitation": invitation, "form": form, "former": former},
    )


def join(request, token):
    """The team's join link: log in or sign up first, then choose a name and join. A
    revoked or expired link says so; someone already in the team goes to its page."""
    link = get_object_or_404(JoinLink.objects.select_related("team"), token=token)
    context = {"link": link}
    if not link.is_open:
        return render(request, "peer/join.html", context | {"closed": True})
    if not request.user.is_authenticated:
        return render(request, "peer/join.html", context)
    team = link.team
    former = Membership.objects.filter(team=team, user=request.user).first()
    if former is not None and former.is_active:
        messages.info(request, _("You are already a member of %(team)s.") % {"team": team.name})
        return redirect("peer:team", team=team.slug)
    form = JoinForm(
        request.POST or None,
        team=team,
        initial={"display_name": services.display_name_for(request.user)},
    )
    # A former member comes back under their old name: there is nothing to choose.
    if request.method == "POST" and (former is not None or form.is_valid()):
        name = form.cleaned_data.get("display_name", "") if former is None else ""
        try:
            invitations.join_by_link(link, user=request.user, display_name=name)
        except services.InvitationError as exc:
            if str(exc) == "name":
                form.add_error("display_name", NAME_TAKEN)
            else:  # revoked or expired since the page was opened
                link.refresh_from_db()
                return render(request, "peer/join.html", context | {"closed": True})
        else:
            messages.success(request, _("Welcome to %(team)s!") % {"team": team.name})
            return redirect("peer:team", team=team.slug)
    return render(request, "peer/join.html", context | {"form": form, "former": former})
