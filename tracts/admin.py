from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collectif.admin_tools import LanguageFilter, LanguageVersionInline, PublicationAdmin, YearFilter
from collectif.languages import is_supported
from collectif.translation_admin import TranslationInlineMixin, TranslationStatusAdminMixin
from collectif.views import stored_pdf_response

from .models import Tract, TractPDF, TractVersion
from .printing import MAX_LEAFLET_PAGES, PRINT_FORMATS, ensure_tract_pdf, tract_pdf_plan
from .tasks import schedule_pdf_renders
from .views import render_tract_page, resolve_pdf_request


class TractVersionInline(TranslationInlineMixin, LanguageVersionInline):
    model = TractVersion
    fields = ["language", "title", "subtitle", "body", "contact"]


@admin.register(Tract)
class TractAdmin(TranslationStatusAdminMixin, PublicationAdmin):
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

    @admin.display(description=_("preview"))
    def preview_links(self, tract: Tract) -> str:
        if not tract.pk:
            return _("Save the tract to preview it.")
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank">{}</a> (<a href="{}" target="_blank">PDF</a>)',
            (
                (
                    reverse("admin:tracts_tract_preview", args=[tract.pk, version.language]),
                    version.language,
                    reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, "a5"]),
                )
                for version in tract.all_versions()
            ),
        ) or format_html("{}", "—")

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
        tract = Tract.objects.with_versions().get(pk=form.instance.pk)
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

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview)
        preview_pdf = self.admin_site.admin_view(self.preview_pdf)
        return [
            path("<int:pk>/preview/<str:language>/", preview, name="tracts_tract_preview"),
            path(
                "<int:pk>/preview/<str:language>/<slug:print_format>.pdf",
                preview_pdf,
                name="tracts_tract_preview_pdf",
            ),
            *super().get_urls(),
        ]

    def _tract_for_preview(self, request: HttpRequest, pk: int) -> Tract:
        tract = get_object_or_404(Tract.objects.with_versions(), pk=pk)
        if not self.has_view_permission(request, tract):
            raise PermissionDenied
        return tract

    def preview(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The public page of a tract, drafts included, as the visitor will see it."""
        tract = self._tract_for_preview(request, pk)
        language = language if is_supported(language) else tract.original_language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return render_tract_page(
                request,
                tract,
                preview=True,
                pdf_url=lambda version, print_format, verso: (
                    reverse("admin:tracts_tract_preview_pdf", args=[tract.pk, version.language, print_format])
                    + (f"?verso={verso}" if verso else "")
                ),
            )

    def preview_pdf(self, request: HttpRequest, pk: int, language: str, print_format: str) -> HttpResponse:
        tract = self._tract_for_preview(request, pk)
        version = tract.version(language)
        if version is None:
            raise Http404
        chosen_format, verso = resolve_pdf_request(tract, version, print_format, request.GET.get("verso"))
        plan = ensure_tract_pdf(version, chosen_format, verso)
        return stored_pdf_response(request, plan.etag, plan.filename, public=False)
