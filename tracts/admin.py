from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from publishing.admin_tools import LanguageFilter, LanguageVersionInline, PreviewAdmin, YearFilter
from publishing.editor import VERSION_TITLES
from publishing.html import clean_rich_text
from publishing.languages import is_supported
from publishing.models import PDFRenderFailure
from publishing.pdf.store import PDFPlan
from publishing.tasks import schedule_pdf_renders, worker_delay
from publishing.translation_admin import TranslationInlineMixin, TranslationStatusAdminMixin

from .models import FIRST_PAGE_PICTURE_FORMAT, POSTER_PICTURE_FORMAT, Tract, TractPDF, TractVersion
from .printing import (
    MAX_LEAFLET_PAGES,
    PRINT_FORMATS,
    PrintFormat,
    current_fingerprint,
    current_records,
    ensure_tract_pdf,
    fill_warning,
    leaflet_page_counts,
    small_pictures,
)
from .views import render_tract_page, resolve_pdf_request

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class TractVersionInline(TranslationInlineMixin, LanguageVersionInline):
    model = TractVersion
    fields = ["language", "title", "subtitle", "body", "contact", "summary"]


class LayoutSelect(AdminRadioSelect):
    """The leaflet layouts as small pictures of a page, to choose by sight."""

    option_template_name = "admin/tracts/tract/layout_option.html"

    def create_option(self, name, value, *args, **kwargs) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        return option | {"thumbnail": f"collectif/layouts/{value}.svg"}


@admin.register(Tract)
class TractAdmin(TranslationStatusAdminMixin, PreviewAdmin):  # type: ignore[misc]  # Django merges both Media
    inlines = [TractVersionInline]
    list_display = ["__str__", "date", "status", "published_at", "languages", "preview_links"]
    actions = ["render_pdfs"]
    list_filter = ["status", LanguageFilter, "themes", YearFilter]
    search_fields = ["slug", "versions__title", "versions__subtitle"]
    date_hierarchy = "date"
    filter_horizontal = ["themes"]
    readonly_fields = ["preview_links", "pdf_status", "archived_original"]
    fieldsets = [
        (None, {"fields": ["slug", "date", "original_language", "themes"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links"]}),
        (
            _("Print"),
            {"fields": ["layout", "poster_text", "show_qr_code", "legal_footer", "pdf_status", "archived_original"]},
        ),
    ]

    unsaved_message = _("Save the tract to preview it.")

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "layout":
            kwargs["widget"] = LayoutSelect(attrs={"class": "radiolist inline"})
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    preview_pdf_route = "<int:pk>/preview/<str:language>/<slug:print_format>.pdf"

    @admin.display(description=_("PDFs"))
    def pdf_status(self, tract: Tract) -> "str | _StrPromise":
        """Each version's PDFs in plain words: pages, a picture of the first page, a link.

        While some are being made, the page asks again for this status now and
        then (static/collectif/admin.js), more rarely as time goes by.
        """
        if not tract.pk:
            return _("The PDFs are made once the tract is saved.")
        status, pending = self._pdf_status(tract)
        return format_html(
            '<div class="pdf-status" data-status-url="{}" data-pending="{}" aria-live="polite">{}</div>',
            reverse("admin:tracts_tract_pdf_status", args=[tract.pk]),
            "true" if pending else "false",
            status,
        )

    def _pdf_status(self, tract: Tract) -> tuple[str, bool]:
        """The status's HTML (`admin/tracts/tract/pdf_status.html`), and whether
        some PDF is still being made."""
        # A record of an older text means the current one is being rendered.
        records = {
            (record.version_id, record.print_format): record
            for record in current_records(tract.all_versions(), list(PRINT_FORMATS))
        }
        failures = self._render_failures(tract)
        versions = []
        for version in tract.all_versions():
            rows = [
                self._pdf_status_row(
                    tract, version, print_format, records.get((version.pk, print_format.name)), failures
                )
                for print_format in PRINT_FORMATS.values()
            ]
            first_page = records.get((version.pk, FIRST_PAGE_PICTURE_FORMAT))
            poster_page = records.get((version.pk, POSTER_PICTURE_FORMAT))
            versions.append(
                {
                    "title": VERSION_TITLES.get(version.language, version.get_language_display()),
                    "thumbnail_url": first_page.first_page_picture_url() if first_page else "",
                    "poster_thumbnail_url": poster_page.first_page_picture_url() if poster_page else "",
                    "rows": rows,
                }
            )
        pending = any(row["waiting"] for version in versions for row in version["rows"])
        waiting = worker_delay() if pending else None
        context = {
            "versions": versions,
            "thumbnail_alt": _("First page of the A5 leaflet"),
            "poster_thumbnail_alt": _("The A3 poster"),
            "worker_warning": _(
                "The PDF worker does not seem to be running: renders asked for %(minutes)d minutes ago are "
                "still waiting. Whoever runs the site should check it (manage.py db_worker)."
            )
            % {"minutes": int(waiting.total_seconds() // 60)}
            if waiting
            else "",
        }
        return render_to_string("admin/tracts/tract/pdf_status.html", context), pending

    def _pdf_status_row(
        self, tract: Tract, version: TractVersion, print_format: PrintFormat, record: TractPDF | None, failures: dict
    ) -> dict:
        """One format's line: its link, and what is known of its render, in words."""
        failure = failures.get((version.pk, print_format.name))
        row = {
            "url": reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, print_format.name]),
            "label": print_format.label,
            "description": print_format.description,
            "problem": False,
            "waiting": False,
        }
        state: str | _StrPromise
        if failure is not None:
            state, row["problem"] = _("this PDF failed to render: %(reason)s") % {"reason": failure.message}, True
        elif record is None:
            state, row["waiting"] = _("being made…"), True
        elif record.page_count > MAX_LEAFLET_PAGES and print_format.tiles is None:
            words = max(record.words_over, 1)
            state = _("%(count)d pages, too long: cut about %(words)d words") % {
                "count": record.page_count,
                "words": words,
            }
            row["problem"] = True
        else:
            state = ngettext("%(count)d page", "%(count)d pages", record.page_count) % {"count": record.page_count}
            if record.fill is not None:
                state = _("%(pages)s, last page %(fill)d%% full") % {"pages": state, "fill": round(record.fill * 100)}
            warning = fill_warning(record)
            if warning:
                state, row["problem"] = f"{state} · {warning}", True
        return row | {"state": state}

    def _render_failures(self, tract: Tract) -> dict:
        """{(version id, format name): failure} for the tract's PDFs that failed to render."""
        if not PDFRenderFailure.objects.exists():  # usually none: then no plan is needed to look for them
            return {}
        fingerprints = {
            (version.pk, print_format.name): current_fingerprint(version, print_format)
            for version in tract.all_versions()
            for print_format in PRINT_FORMATS.values()
        }
        found = {
            failure.fingerprint: failure
            for failure in PDFRenderFailure.objects.filter(fingerprint__in=fingerprints.values())
        }
        return {key: found[fingerprint] for key, fingerprint in fingerprints.items() if fingerprint in found}

    def pages(self, request: HttpRequest) -> JsonResponse:
        """How many pages the text being written takes in each format (the editor asks)."""
        if request.method != "POST":
            return JsonResponse({"error": "POST"}, status=405)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        data = request.POST
        language = data.get("language", "")
        # Never saved: the id 0, which no row has, lets the print template ask for its (no) themes.
        tract = Tract(pk=0, slug=data.get("slug", "")[:100] or "tract", show_qr_code=bool(data.get("show_qr_code")))
        version = TractVersion(
            tract=tract,
            language=language if is_supported(language) else tract.original_language,
            title=data.get("title", "")[:200],
            subtitle=data.get("subtitle", "")[:250],
            body=clean_rich_text(data.get("body", "")),
            contact=data.get("contact", "")[:2000],
        )
        return JsonResponse(
            {
                "formats": [
                    {
                        "name": print_format.name,
                        "label": str(print_format.label),
                        "pages": pages,
                        "too_long": pages > MAX_LEAFLET_PAGES,
                    }
                    for print_format, pages in leaflet_page_counts(version)
                ]
            }
        )

    @admin.action(description=_("Render the PDFs again"))
    def render_pdfs(self, request: HttpRequest, queryset) -> None:
        for tract in queryset:
            schedule_pdf_renders(tract)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "The PDFs of %(count)d tract will be rendered in the background.",
                "The PDFs of %(count)d tracts will be rendered in the background.",
                count,
            )
            % {"count": count},
        )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        tract = Tract.objects.for_page().get(pk=form.instance.pk)
        # Nothing is rendered here: a render inside the admin's transaction
        # held the database's write lock for 10-19 s. The worker renders after
        # commit; the PDF status below tells the outcome (overflows, words to
        # cut) as soon as it is known.
        for version in tract.all_versions():
            for picture in small_pictures(version):
                messages.warning(request, f"{version.get_language_display()}: {picture.message()}")
        schedule_pdf_renders(tract)

    @admin.display(description=_("archived PDF as imported"))
    def archived_original(self, tract: Tract) -> str:
        """The archived PDF as it was imported, its authors' metadata included: for staff only."""
        if not tract.archived_pdf_original:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:tracts_tract_archived_original", args=[tract.pk]),
            _("Download (with the metadata removed from the public copy)"),
        )

    def archived_original_file(self, request: HttpRequest, pk: int) -> FileResponse:
        tract = Tract.objects.filter(pk=pk).first()
        if tract is None or not tract.archived_pdf_original or not self.has_view_or_change_permission(request, tract):
            raise PermissionDenied
        response = FileResponse(tract.archived_pdf_original.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{tract.slug}-original.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    def pdf_status_fragment(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The PDF status of a tract, for the change page to follow the background renders."""
        tract = Tract.objects.for_page().filter(pk=pk).first()
        if tract is None or not self.has_view_or_change_permission(request, tract):
            raise PermissionDenied
        status, pending = self._pdf_status(tract)
        return JsonResponse({"html": status, "pending": pending})

    def get_urls(self):
        pages = self.admin_site.admin_view(self.pages)
        status = self.admin_site.admin_view(self.pdf_status_fragment)
        original = self.admin_site.admin_view(self.archived_original_file)
        return [
            path("<int:pk>/archived-original.pdf", original, name="tracts_tract_archived_original"),
            path("pages/", pages, name="tracts_tract_pages"),
            path("<int:pk>/pdf-status/", status, name="tracts_tract_pdf_status"),
            *super().get_urls(),
        ]

    def preview_pdf_url(self, tract: Tract, version: TractVersion, format_name: str = "a5") -> str:
        return reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, format_name])

    def render_preview(self, request: HttpRequest, tract: Tract) -> HttpResponse:
        return render_tract_page(
            request,
            tract,
            preview=True,
            pdf_url=lambda version, format_name, verso: (
                self.preview_pdf_url(tract, version, format_name) + (f"?verso={verso}" if verso else "")
            ),
            page_url=lambda version: reverse("admin:tracts_tract_preview", args=[tract.pk, version.language]),
        )

    def preview_pdf_plan(
        self, request: HttpRequest, tract: Tract, version: TractVersion, /, **url_arguments: str
    ) -> PDFPlan:
        """The PDF of `url_arguments["print_format"]` (see `preview_pdf_route`)."""
        # The address names the format; resolved, it is a PrintFormat.
        resolved, verso = resolve_pdf_request(tract, version, url_arguments["print_format"], request.GET.get("verso"))
        return ensure_tract_pdf(version, resolved, verso)
