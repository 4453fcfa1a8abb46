"""The comment form: its text, and (for a new one) what it is on or which comment it
answers, both checked against the day it is posted to."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import comments
from ..models import Comment
from .base import TeamScopedForm, parse_id


class CommentForm(TeamScopedForm):
    # "" for the day, "question:12" for an item; and a top-level comment's id to reply to.
    target = forms.CharField(required=False, widget=forms.HiddenInput)
    parent = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"body": {"required": _("Write something to post.")}}

    def __init__(self, *args, day, **kwargs):
        super().__init__(*args, team=day.team, **kwargs)
        self.day = day
        if self.instance.pk is not None:  # an edit: only the text changes
            del self.fields["target"], self.fields["parent"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write something to post."), code="required")
        return body

    def clean_target(self) -> tuple[str, int | None]:
        value = self.cleaned_data["target"].strip()
        if not value:
            return "", None
        kind, _sep, pk = value.partition(":")
        pk = parse_id(pk)
        if pk is None or not comments.target_exists(self.day, kind, pk):
            # A teammate deleted the item while this was typed: posting again comments
            # on the day, with the text kept.
            self.data = self.data.copy()
            self.data["target"] = ""
            raise forms.ValidationError(
                _(
                    "The item this comment was on is no longer in this day. Post it again "
                    "to comment on the day instead."
                ),
                code="gone",
            )
        return kind, pk

    def clean_parent(self) -> Comment | None:
        pk = parse_id(self.cleaned_data["parent"])
        if not self.cleaned_data["parent"]:
            return None
        parent = (
            Comment.objects.filter(day=self.day, pk=pk, parent=None, deleted_at=None).first()
            if pk is not None
            else None
        )
        if parent is None:
            self.data = self.data.copy()
            self.data["parent"] = ""
            raise forms.ValidationError(
                _("The comment you answered is no longer there. Post again to comment on its own."),
                code="gone",
            )
        return parent
