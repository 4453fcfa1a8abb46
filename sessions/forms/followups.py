"""Forms for follow-ups: resolving one, answering for the mentor, filtering the list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Membership

MAX_RESOLUTION = 10000  # Resolvable.resolution's limit


def _textarea(placeholder) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 2, "placeholder": placeholder})


class ResolveForm(forms.Form):
    """How a follow-up was resolved. A question's resolution is its follow-up answer,
    so it is required; an action item may simply be done, so there it is optional.

    Each item on a page has its own form: `auto_id` carries the item so the ids do not
    clash, while the field keeps its plain name for posts without JavaScript.
    """

    resolution = forms.CharField(
        label=_("Resolution"),
        max_length=MAX_RESOLUTION,
        required=False,
        widget=_textarea(_("What was found out, or what was done (markdown)")),
    )

    def __init__(self, *args, kind: str, item_id: int | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"id_%s_{kind}_{item_id or 'new'}")
        super().__init__(*args, **kwargs)
        if kind == "question":
            field = self.fields["resolution"]
            field.required = True
            field.label = _("Follow-up answer")
            field.error_messages["required"] = _("Write the answer that resolves this question.")


class MentorAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Mentor's answer"),
        max_length=MAX_RESOLUTION,
        error_messages={"required": _("Write an answer first.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, item_id: int | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"id_%s_mentor_{item_id or 'new'}")
        super().__init__(*args, **kwargs)


class FollowUpFilterForm(forms.Form):
    """The list's filters (?owner=&kind=&state=); anything invalid falls back to all."""

    owner = forms.ModelChoiceField(
        label=_("Owner / asked by"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Everyone"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), ("question", _("Questions")), ("action", _("Action items"))],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("resolved", _("Resolved"))],
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team.memberships.order_by(
            "-is_active", "rotation_order", "display_name"
        )

    def filters(self) -> dict:
        """The valid filters; a missing or invalid one means "all" ("open" for the state)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "owner": data.get("owner"),
            "kind": data.get("kind") or None,
            "state": data.get("state") or "open",
        }


def attach_resolve_forms(items, *, can_write: bool):
    """Give each open follow-up (followups.FollowUp) its resolve form, for writers; a
    reopened item's form starts from its earlier resolution. Returns `items`."""
    for f in items:
        f.form = (
            ResolveForm(kind=f.kind, item_id=f.pk, initial={"resolution": f.item.resolution})
            if can_write and not f.is_resolved
            else None
        )
    return items
