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
        self.item = None  # the item a new comment is on, once `target` is found
        if self.instance.pk is not None:  # an edit: only the text changes
            del self.fields["target"], self.fields["parent"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write something to post."), code="required")
        return body

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:  # a new comment: where it goes
            self._clean_where(data)
        return data

    def _clean_where(self, data: dict) -> None:
        """A reply goes on its parent's thread, whatever `target` says (a deleted item's
        thread takes replies too); otherwise `target` must be an item of this day. Where
        either is gone, the error says so and the next post goes on the day."""
        parent_id, target = data.pop("parent", ""), data.pop("target", "")
        data["parent"], data["target"] = None, ("", None)
        if parent_id:
            pk = parse_id(parent_id)
            found = Comment.objects.filter(day=self.day, pk=pk, parent=None, deleted_at=None)
            parent = found.first() if pk is not None else None
            if parent is not None:
                data["parent"] = parent
                data["target"] = (parent.target_kind, parent.target_id)
                return
            self.gone("parent")
            return
        if target:
            kind, _sep, pk = target.strip().partition(":")
            pk = parse_id(pk)
            self.item = comments.target_item(self.day, kind, pk) if pk is not None else None
            if self.item is None:
                self.gone("target")
                return
            data["target"] = (kind, pk)

    def gone(self, name: str) -> None:
        """Refuse, saying what went; the page posts again without it (on the day, or on its
        own), keeping the text."""
        self.data = self.data.copy()
        self.data[name] = ""
        self.add_error(name, forms.ValidationError(GONE[name], code="gone"))


GONE = {
    "target": _(
        "The item this comment was on is no longer in this day. Post it again "
        "to comment on the day instead."
    ),
    "parent": _("The comment you answered is no longer there. Post again to comment on its own."),
}
