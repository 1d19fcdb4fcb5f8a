from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from reversion_compare.admin import CompareVersionAdmin

from publishing.admin_tools import (
    LanguageFilter,
    LanguageVersionInline,
    PreviewAdmin,
    PublicationAdmin,
    YearFilter,
)
from publishing.pdf.store import PDFPlan
from publishing.tasks import schedule_pdf_renders
from publishing.translation_admin import TranslationInlineMixin, TranslationStatusAdminMixin

from .forms import PICKED, EventForm
from .models import Event, EventVersion, OccurrenceChange, in_zone
from .printing import POSTER_FORMATS, current_fingerprint, ensure_poster
from .templatetags.agenda import when
from .views import render_event_page

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# The poster a draft's preview shows.
PREVIEW_POSTER = POSTER_FORMATS["poster-a4"]

# Occurrences the change page lists, to check a rule at a glance.
LISTED_OCCURRENCES = 10


class EventVersionInline(TranslationInlineMixin, LanguageVersionInline):
    model = EventVersion
    fields = ["language", "title", "summary", "body", "accessibility_notes"]


class ChangesFormSet(BaseInlineFormSet):
    """An occurrence's times are typed in its event's time zone."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.pk:
            form.instance.event = self.instance  # the event being edited: no query per row
        return form

    def clean(self) -> None:
        super().clean()
        event = self.instance
        if not event.recurrence and self.data.get("repeats") in PICKED:
            return  # the picker's answers were refused: the event's form says why
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("original_start"):
                continue
            try:
                for name in ("original_start", "starts_at", "ends_at"):
                    if data.get(name):
                        setattr(form.instance, name, in_zone(data[name], event.time_zone))
            except forms.ValidationError:
                return  # the event's form says the zone is unknown
            try:
                form.instance.check_occurrence(event)
            except forms.ValidationError as error:
                form.add_error(None, error)


class OccurrenceChangeInline(admin.TabularInline):
    model = OccurrenceChange
    formset = ChangesFormSet
    fields = ["original_start", "status", "removed", "starts_at", "ends_at"]
    extra = 0
    verbose_name = _("change to one occurrence")
    verbose_name_plural = _("single occurrences cancelled, moved or left out")


# The ignore: mypy sees two incompatible Media; Django merges them, as for tracts.
@admin.register(Event)
class EventAdmin(TranslationStatusAdminMixin, CompareVersionAdmin, PreviewAdmin):  # type: ignore[misc]
    """Every save keeps a revision; “History” compares two of them and restores one."""

    form = EventForm
    inlines = [EventVersionInline, OccurrenceChangeInline]
    list_display = ["__str__", "starts_at", "event_status", "status", "published_at", "languages"]
    list_filter = ["status", "event_status", LanguageFilter, "themes", YearFilter]
    search_fields = ["slug", "versions__title", "place_name", "address"]
    date_hierarchy = "date"
    filter_horizontal = ["themes"]
    autocomplete_fields = ["related_tracts", "related_articles"]
    readonly_fields = ["rule_in_words", "listed_occurrences", "preview_links", "pdf_failures"]
    unsaved_message = _("Save the event to preview it.")
    preview_pdf_route = "<int:pk>/preview/<str:language>/poster.pdf"
    fieldsets = [
        (None, {"fields": ["slug", "original_language", "themes"]}),
        (_("When"), {"fields": ["starts_at", "ends_at", "all_day", "time_zone"]}),
        (
            _("Recurrence"),
            {
                # The picker (events/forms.py), then what it makes of the saved rule.
                "fields": [
                    "repeats",
                    "repeat_weekdays",
                    ("repeat_week", "repeat_weekday"),
                    "repeat_end",
                    "repeat_until",
                    "repeat_count",
                    "recurrence",
                    "rule_in_words",
                    "listed_occurrences",
                ],
                "classes": ["recurrence-picker"],
            },
        ),
        (_("Status"), {"fields": ["event_status"]}),
        (_("Where"), {"fields": ["place_name", "address", "latitude", "longitude", "online_url"]}),
        (_("Accessibility"), {"fields": ["step_free", "sign_language", "interpretation", "childcare"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links", "pdf_failures"]}),
        (_("Around the event"), {"fields": ["related_tracts", "related_articles"]}),
    ]
    formfield_overrides = {Event._meta.get_field("online_url").__class__: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("versions")

    def save_model(self, request: HttpRequest, event: Event, form, change: bool) -> None:
        # Not held back until its posters are rendered (PreviewAdmin's rule
        # for tracts, whose share picture is their first page).
        PublicationAdmin.save_model(self, request, event, form, change)

    def render_preview(self, request: HttpRequest, event: Event) -> HttpResponse:
        return render_event_page(
            request,
            event,
            preview=True,
            page_url=lambda version: reverse("admin:events_event_preview", args=[event.pk, version.language]),
        )

    def preview_pdf_plan(
        self, request: HttpRequest, event: Event, version: EventVersion, /, **url_arguments: str
    ) -> PDFPlan:
        return ensure_poster(version, PREVIEW_POSTER)

    def preview_pdf_fingerprint(self, event: Event, version: EventVersion) -> str:
        return current_fingerprint(version, PREVIEW_POSTER)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        schedule_pdf_renders(form.instance)  # posters and flyers, in the background

    @admin.display(description=_("in words"))
    def rule_in_words(self, event: Event) -> "str | _StrPromise":
        if not event.pk:
            return _("Said here once the event is saved.")
        if not event.recurrence:
            return _("Once, without repeating.")
        return capfirst(event.rule_in_words()) or _("Not in words: see its next occurrences.")

    @admin.display(description=_("next occurrences"))
    def listed_occurrences(self, event: Event) -> "str | _StrPromise":
        if not event.pk:
            return _("Listed here once the event is saved.")
        coming = event.occurrences.filter(ends_at__gte=timezone.now()).order_by("starts_at")[:LISTED_OCCURRENCES]
        rows = []
        for occurrence in coming:
            occurrence.event = event
            rows.append((when(occurrence), f" — {occurrence.banner}" if occurrence.banner else ""))
        if not rows:
            return _("None to come.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}{}</li>", rows))
