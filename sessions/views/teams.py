"""Home, sign-up, team creation, settings, members and invitations."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import followups, schedule, services
from ..access import get_team_for
from ..forms.teams import (
    AcceptInvitationForm,
    InvitationForm,
    MemberForm,
    SignupForm,
    TeamForm,
)
from ..models import Day, Invitation, Membership
from .accounts import remember_current_language

RECENT_DAYS = 7
HOME_FOLLOW_UPS = 5  # a home card lists this many of the member's open items, then a link
DUTY_HORIZON = 10  # session dates ahead in which the home page looks for moderator duties


def home(request):
    if not request.user.is_authenticated:
        return render(request, "peer/landing.html")
    memberships = list(
        Membership.objects.filter(user=request.user, is_active=True)
        .select_related("team")
        .order_by("team__name")
    )
    for m in memberships:
        # Each team's own today: its calendar runs in its time zone.
        m.today = schedule.local_today(m.team)
        m.moderator_days = list(schedule.upcoming_duties(m, m.today, DUTY_HORIZON))
        m.presenting = schedule.upcoming_reviews(m, m.today)
        items = followups.open_for_member(m)  # one query
        m.open_items, m.open_more = items[:HOME_FOLLOW_UPS], max(len(items) - HOME_FOLLOW_UPS, 0)
        m.open_total = len(items)
    return render(request, "peer/home.html", {"memberships": memberships, "horizon": DUTY_HORIZON})


def signup(request):
    if request.user.is_authenticated:
        return redirect("peer:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        remember_current_language(user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        next_url = request.POST.get("next") or ""
        # A path on this site only: redirect() would take "home" for a view name.
        if next_url.startswith("/") and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(next_url)
        return redirect("peer:home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
def team_create(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = services.create_team(form, user=request.user)
        messages.success(request, _("Team created. Invite your teammates next."))
        return redirect("peer:members", team=team.slug)
    return render(request, "peer/team_form.html", {"form": form})


@login_required
def team_home(request, team):
    team, membership = get_team_for(request, team)
    days = list(Day.objects.for_team(team).with_counts()[: RECENT_DAYS + 1])
    today = schedule.local_today(team)
    current = next((d for d in days if d.date == today), days[0] if days else None)
    return render(
        request,
        "peer/team_home.html",
        {
            "team": team,
            "membership": membership,
            "current": current,
            "recent": [d for d in days if d != current][:RECENT_DAYS],
            "today": today,
            "has_today": any(d.date == today for d in days),
        },
    )


@login_required
def team_settings(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        team = form.save()  # one row
        messages.success(request, _("Settings saved."))
        return redirect("peer:team", team=team.slug)
    return render(
        request, "peer/team_settings.html", {"team": team, "membership": membership, "form": form}
    )


@login_required
def members(request, team):
    team, membership = get_team_for(request, team)
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied
        add_form = MemberForm(request.POST, team=team, prefix="add")
        if add_form.is_valid():
            add_form.save()  # one row
            messages.success(request, _("Member added."))
            return redirect("peer:members", team=team.slug)
    else:
        add_form = MemberForm(team=team, prefix="add")
    roster = team.memberships.select_related("user").order_by("rotation_order", "display_name")
    invitations = team.invitations.open().select_related("member") if membership.is_admin else []
    return render(
        request,
        "peer/members.html",
        {
            "team": team,
            "membership": membership,
            "roster": roster,
            "add_form": add_form,
            "invite_form": InvitationForm(team=team),
            "invitations": invitations,
        },
    )


@login_required
def member_edit(request, team, member):
    team, membership = get_team_for(request, team, admin=True)
    target = get_object_or_404(Membership, team=team, pk=member)
    form = MemberForm(request.POST or None, instance=target, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(form)
        except services.LastAdmin:
            form.add_error("role", _("A team needs at least one active admin."))
        else:
            messages.success(request, _("Member updated."))
            return redirect("peer:members", team=team.slug)
    return render(
        request,
        "peer/member_edit.html",
        {"team": team, "membership": membership, "target": target, "form": form},
    )


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


def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("team", "member"), token=token)
    if not request.user.is_authenticated:
        return render(request, "peer/invitation.html", {"invitation": invitation})
    if not invitation.is_open:
        return render(request, "peer/invitation.html", {"invitation": invitation, "used": True})
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"display_name": services.display_name_for(request.user)},
    )
    if request.method == "POST" and (invitation.member_id or form.is_valid()):
        name = form.cleaned_data["display_name"] if form.is_valid() else ""
        try:
            services.accept_invitation(invitation, user=request.user, display_name=name)
        except services.InvitationError:
            form.add_error(
                "display_name" if not invitation.member_id else None,
                _("This name is taken in the team, or the invitation can no longer be used."),
            )
        else:
            messages.success(request, _("Welcome to %(team)s!") % {"team": invitation.team.name})
            return redirect("peer:team", team=invitation.team.slug)
    return render(request, "peer/invitation.html", {"invitation": invitation, "form": form})
