from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collectif.admin_tools import LanguageFilter, LanguageVersionInline, PreviewAdmin, YearFilter

from .models import Tract, TractPDF, TractVersion
from .printing import MAX_LEAFLET_PAGES, PRINT_FORMATS, ensure_tract_pdf, tract_pdf_plan
from .tasks import schedule_pdf_renders
from .views import render_tract_page, resolve_pdf_request


class TractVersionInline(LanguageVersionInline):
    model = TractVersion
    fields = ["language", "title", "subtitle", "body", "contact"]


@admin.register(Tract)
class TractAdmin(PreviewAdmin):
    inlines = [TractVersionInline]
    list_display = ["__str__", "date", "status", "published_at", "languages", "preview_links"]
    actions = ["render_pdfs"]
    list_filter = ["status", LanguageFilter, "themes", YearFilter]
    search_fields = ["slug", "versions__title", "versions__subtitle"]
    date_hierarchy = "date"
    filter_horizontal = ["themes"]
    readonly_fields = ["preview_links", "pdf_status"]
    fieldsets = [
        (None, {"fields": ["slug", "date", "original_language", "themes"]}),
        (_("Publication"), {"fields": ["status", "published_at", "preview_links"]}),
        (_("Print"), {"fields": ["show_qr_code", "legal_footer", "pdf_status"]}),
    ]

    unsaved_message = _("Save the tract to preview it.")
    preview_pdf_route = "<int:pk>/preview/<str:language>/<slug:print_format>.pdf"

    @admin.display(description=_("PDFs"))
    def pdf_status(self, tract: Tract) -> str:
        """Each version's PDFs: ready or waiting for the worker, and how many pages."""
        if not tract.pk:
            return "—"
        records = {(r.version_id, r.print_format): r for r in TractPDF.objects.filter(version__tract=tract)}
        rows = []
        for version in tract.all_versions():
            cells = []
            for print_format in PRINT_FORMATS.values():
                record = records.get((version.pk, print_format.name))
                if record is None or record.etag != tract_pdf_plan(version, print_format).etag:
                    cells.append(format_html("{}: {}", print_format.name, _("waiting")))
                elif record.page_count > MAX_LEAFLET_PAGES:
                    cells.append(
                        format_html(
                            '<strong class="errornote">{}: {}</strong>',
                            print_format.name,
                            _("%(count)d pages, too long") % {"count": record.page_count},
                        )
                    )
                else:
                    cells.append(
                        format_html("{}: {} ✓", print_format.name, _("%(count)d p.") % {"count": record.page_count})
                    )
            rows.append(
                format_html(
                    "<li><b>{}</b> — {}</li>", version.language, format_html_join(" · ", "{}", ((c,) for c in cells))
                )
            )
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((row,) for row in rows)))

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
        # The A5 leaflet is rendered right away, so that an overflow is told
        # now rather than discovered on paper; the other formats follow in
        # the background.
        a5 = PRINT_FORMATS["a5"]
        for version in tract.all_versions():
            ensure_tract_pdf(version, a5)
            pages = TractPDF.objects.get(version=version, print_format=a5.name).page_count
            if pages > MAX_LEAFLET_PAGES:
                messages.warning(
                    request,
                    _(
                        "The %(language)s version takes %(pages)d pages in A5: a tract is one sheet, "
                        "front and back. Shorten the text or print it in A4."
                    )
                    % {"language": version.get_language_display(), "pages": pages},
                )
        schedule_pdf_renders(tract)

    def preview_pdf_url(self, tract: Tract, version: TractVersion, print_format: str = "a5") -> str:
        return reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, print_format])

    def render_preview(self, request: HttpRequest, tract: Tract) -> HttpResponse:
        return render_tract_page(
            request,
            tract,
            preview=True,
            pdf_url=lambda version, print_format, verso: (
                self.preview_pdf_url(tract, version, print_format) + (f"?verso={verso}" if verso else "")
            ),
        )

    def preview_pdf_plan(self, request: HttpRequest, tract: Tract, version: TractVersion, print_format: str):
        chosen_format, verso = resolve_pdf_request(tract, version, print_format, request.GET.get("verso"))
        return ensure_tract_pdf(version, chosen_format, verso)
