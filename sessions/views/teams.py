"""Home, sign-up, team creation, settings and members (invitations: views/invitations.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import comments, followups, schedule, services
from ..access import get_team_for
from ..forms.invitations import EmailInvitationForm, InvitationForm, JoinLinkForm
from ..forms.teams import MemberForm, SignupForm, TeamForm
from ..models import Day, Membership
from . import invitations
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
    comments.attach_unseen_mentions(memberships)  # one query for all the teams
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
        return render_members(request, team, membership, add_form=add_form)
    return render_members(request, team, membership)


def render_members(request, team, membership, *, status: int = 200, **forms):
    """The members page; for an admin, with the forms to add and invite members. A form
    posted with errors (by this view or an invitation view) comes back in `forms`,
    shown with its errors and what was typed."""
    roster = team.memberships.select_related("user").order_by("rotation_order", "display_name")
    context = {"team": team, "membership": membership, "roster": roster}
    if membership.is_admin:
        context |= {
            "add_form": MemberForm(team=team, prefix="add"),
            "invite_form": InvitationForm(team=team),
            "join_form": JoinLinkForm(team=team, prefix="join"),
            "email_form": EmailInvitationForm(prefix="email"),
            # The one-time links not yet used, and the team's join link, if it has one.
            "invitations": invitations.with_links(
                request, team.invitations.open().select_related("member")
            ),
            "join_link": invitations.with_link(
                request, team.join_links.filter(revoked_at__isnull=True).first()
            ),
            **forms,
        }
    return render(request, "peer/members.html", context, status=status)


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
