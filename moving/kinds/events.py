"""The agenda's events moving in and out: one Markdown file per language,
and event.yaml beside them: times (in the event's own zone), recurrence
and changed occurrences, place, accessibility, related tracts and articles."""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from articles.models import Article
from events.models import Event, EventVersion, OccurrenceChange
from moving.adapter import PublicationAdapter
from moving.folders import ExportFolder, ImportFolder, SiteImportError
from moving.markdown import render_markdown
from publishing.models import Theme
from tracts.models import Tract

EVENT_FILE = "event.yaml"
# The event's own fields written as they are.
EVENT_FIELDS = (
    "all_day",
    "time_zone",
    "recurrence",
    "event_status",
    "place_name",
    "address",
    "online_url",
    "step_free",
    "sign_language",
    "interpretation",
    "childcare",
)


class EventAdapter(PublicationAdapter[Event, EventVersion]):
    name, folder = "event", "events"
    model, version_model = Event, EventVersion

    def exported(self):
        return super().exported().prefetch_related("changes", "related_tracts", "related_articles")

    def version_metadata(self, event: Event, version: EventVersion) -> dict:
        return {"summary": version.summary, "accessibility_notes": version.accessibility_notes}

    def export_files(self, event: Event, target: Path, site: ExportFolder) -> dict:
        site.write_yaml(EVENT_FILE, event_data(event), target)
        return {}

    def read_version(self, target: Path, file: Path, site: ImportFolder) -> None:
        metadata, body = site.read_markdown(file)
        data_file = target / EVENT_FILE
        data = site.read_yaml(EVENT_FILE, target)
        if not isinstance(data, dict) or "starts_at" not in data or "ends_at" not in data:
            raise SiteImportError(f"{data_file}: " + _("an event needs its start and end (starts_at, ends_at)."))
        event = self.publication_of(target.name)
        read_event_data(event, data, data_file)
        site.validated(event, data_file).save()
        event.themes.set(Theme.from_names([str(name) for name in metadata.get("themes") or []]))
        version = self.version_of(event, file.stem)
        version.title = str(metadata.get("title") or target.name)
        version.summary = str(metadata.get("summary") or "")
        version.accessibility_notes = str(metadata.get("accessibility_notes") or "")
        version.body = render_markdown(body) if body.strip() else ""
        version.full_clean(exclude=["event"])
        version.save()
        self.apply_publication(event, version, metadata)
        read_changes(event, data.get("changes") or [], data_file)

    def link(self, site: ImportFolder) -> None:
        """Related tracts and articles, once all publications are here."""
        for data_file in sorted((site.root / self.folder).glob(f"*/{EVENT_FILE}")):
            event = Event.objects.filter(slug=data_file.parent.name).first()
            data = site.read_yaml(data_file.name, data_file.parent)
            if event is None or not isinstance(data, dict):
                continue
            event.related_tracts.set(Tract.objects.filter(slug__in=[str(s) for s in data.get("related_tracts") or []]))
            event.related_articles.set(
                Article.objects.filter(slug__in=[str(s) for s in data.get("related_articles") or []])
            )


def event_data(event: Event) -> dict:
    """What an event is besides its texts: its times (in its zone), recurrence, place, links."""
    zone = event.zone
    changes = [
        {
            "original_start": change.original_start.astimezone(zone).isoformat(),
            "status": change.status,
            "removed": change.removed or None,
            "starts_at": change.starts_at.astimezone(zone).isoformat() if change.starts_at else None,
            "ends_at": change.ends_at.astimezone(zone).isoformat() if change.ends_at else None,
        }
        for change in event.changes.all()
    ]
    data = {
        "uid": event.uid,
        "sequence": event.sequence,
        "starts_at": event.starts_at.astimezone(zone).isoformat(),
        "ends_at": event.ends_at.astimezone(zone).isoformat(),
        **{name: getattr(event, name) for name in EVENT_FIELDS},
        "latitude": str(event.latitude) if event.latitude is not None else None,
        "longitude": str(event.longitude) if event.longitude is not None else None,
        "changes": [{key: value for key, value in change.items() if value is not None} for change in changes],
        "related_tracts": [tract.slug for tract in event.related_tracts.all()],
        "related_articles": [article.slug for article in event.related_articles.all()],
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def moment(value: object, file: Path) -> datetime.datetime:
    """A date and time with its zone, as event.yaml writes them."""
    try:
        found = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise SiteImportError(f"{file}: " + _("“%(value)s” is not a date and time.") % {"value": str(value)[:40]})
    return found


def read_event_data(event: Event, data: dict, file: Path) -> None:
    event.starts_at, event.ends_at = moment(data["starts_at"], file), moment(data["ends_at"], file)
    fields = {name: Event._meta.get_field(name) for name in EVENT_FIELDS}
    defaults = {name: field.get_default() for name, field in fields.items() if isinstance(field, models.Field)}
    for name in EVENT_FIELDS:
        setattr(event, name, type(defaults[name])(data.get(name, defaults[name])))
    event.latitude = data.get("latitude") or None
    event.longitude = data.get("longitude") or None
    uid = str(data.get("uid") or "")[:255]
    if uid and not Event.objects.filter(uid=uid).exclude(slug=event.slug).exists():
        event.uid = uid
    event.sequence = max(event.sequence, int(data.get("sequence") or 0))


def read_changes(event: Event, entries: list, file: Path) -> None:
    """The event's changed occurrences as the file lists them (the others go)."""
    changes = []
    for entry in entries:
        change = OccurrenceChange(
            event=event,
            original_start=moment(entry.get("original_start"), file),
            status=str(entry.get("status") or "cancelled"),
            removed=bool(entry.get("removed")),
            starts_at=moment(entry["starts_at"], file) if entry.get("starts_at") else None,
            ends_at=moment(entry["ends_at"], file) if entry.get("ends_at") else None,
        )
        try:
            change.full_clean(exclude=["event"])
            change.check_occurrence(event)
        except ValidationError as error:
            raise SiteImportError(f"{file}: {' '.join(error.messages)}")
        changes.append(change)
    event.changes.all().delete()
    OccurrenceChange.objects.bulk_create(changes)
    event.refresh_occurrences()


EVENTS = EventAdapter()
