"""Day templates at work: saving one as a new version, and a new day started from one.

The models are sessions/models/templates.py. A save writes a new version only when the
content changed (a rename or a new default changes the template alone); a day keeps the
version it was made from, so a day made before an edit is as it was.
"""

from django.db import transaction

from . import search_index
from .models import Day, DayTemplate, FreeSection, Team, TemplateVersion


def active(team: Team):
    """The team's templates to choose from, default first, each with its versions."""
    return DayTemplate.objects.filter(team=team, is_active=True).prefetch_related("versions")


def save(form, *, team: Team, user, template: DayTemplate | None = None) -> DayTemplate:
    """Save a valid TemplateForm as `template` (a new one if None): its name and whether
    it is the default, and its content as a new version if that changed."""
    with transaction.atomic():
        Team.objects.select_for_update(no_key=True).only("pk").get(pk=team.pk)
        if template is None:
            template = DayTemplate(team=team)
        template.name = form.cleaned_data["name"]
        template.is_default = form.cleaned_data["is_default"]
        if template.is_default:
            others = DayTemplate.objects.filter(team=team, is_default=True)
            others.exclude(pk=template.pk).update(is_default=False)
        template.save()
        content = {name: form.cleaned_data[name] for name in TemplateVersion.CONTENT}
        current = template.current
        if current is None or any(getattr(current, k) != v for k, v in content.items()):
            number = current.number + 1 if current else 1
            TemplateVersion.objects.create(
                template=template, number=number, created_by=user, **content
            )
        return template


def retire(template: DayTemplate) -> None:
    """Take a template out of the choices; the days made from it keep their version."""
    template.is_active = False
    template.is_default = False
    template.save(update_fields=["is_active", "is_default"])


def start(day: Day, template: DayTemplate | None) -> None:
    """Start a new day (saved, inside its creation's transaction) from the template's
    current version: its free sections, and the version kept on the day."""
    version = template.current if template else None
    if version is None:
        return
    day.template_version = version
    day.save(update_fields=["template_version"])
    sections = version.section_list()
    FreeSection.objects.bulk_create(
        FreeSection(day=day, position=n, heading=heading, body=body, version=1)
        for n, (heading, body) in enumerate(sections, start=1)
    )
    if sections:
        search_index.changed(day.pk, "section")  # bulk_create goes around save()


def item_start(kind_slug: str, day: Day) -> dict:
    """What a new item of the day starts with: a review, the template's outline."""
    version = day.template_version
    if kind_slug == "review" and version is not None and version.review_outline:
        return {"notes": version.review_outline}
    return {}
