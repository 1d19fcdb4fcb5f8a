"""Admin pieces that tracts, articles and pages share: language versions,
draft previews, filters."""

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Case, When
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path, reverse, reverse_lazy
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from publishing import files
from publishing.access import may_see_private
from publishing.languages import is_supported, language_choices, language_codes, slug_from_title
from publishing.models import ImageNotStored, PDFRenderFailure
from publishing.numbers import whole_number
from publishing.pdf.store import PDFPlan
from publishing.tasks import hold_until_first_renders
from publishing.views import stored_pdf_response

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    _ModelAdmin = admin.ModelAdmin[Any]  # the mixin's base for the type checker
else:
    _ModelAdmin = object


class LanguageVersionFormSet(BaseInlineFormSet):
    """One version per language, and one in the publication's original language."""

    def clean(self) -> None:
        # Before super().clean(): its unique check would otherwise answer
        # first, with a message naming the field rather than the rule.
        languages = [
            form.cleaned_data["language"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "language" in form.cleaned_data
        ]
        if len(languages) != len(set(languages)):
            raise ValidationError(_("Each language can have only one version."))
        super().clean()
        original = self.instance.original_language
        if languages and original not in languages:
            raise ValidationError(
                _("Write the version in the original language (%(language)s), or change the original language.")
                % {"language": self.instance.get_original_language_display()}
            )

    def missing_languages(self) -> list[str]:
        """The site's languages this publication has no version in yet, in order."""
        taken = {version.language for version in self.get_queryset()} if self.instance.pk else set()
        return [code for code in language_codes() if code not in taken]

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.pk:
            # Its publication is the one being edited: read without a query per version.
            setattr(form.instance, self.fk.name, self.instance)
        return form

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        # A new version's language: the original's on a new publication,
        # else the first language still missing.
        if index is not None and index >= self.initial_form_count():
            missing = self.missing_languages()
            offset = index - self.initial_form_count()
            if not self.instance.pk and self.instance.original_language in missing:
                missing.remove(self.instance.original_language)
                missing.insert(0, self.instance.original_language)
            if offset < len(missing):
                kwargs["initial"] = {"language": missing[offset], **kwargs.get("initial", {})}
        return kwargs

    @property
    def empty_form(self):
        form = super().empty_form
        if missing := self.missing_languages():
            form.initial.setdefault("language", missing[0])
        return form


class LanguageVersionInline(admin.StackedInline):
    formset = LanguageVersionFormSet
    extra = 0
    min_num = 1
    validate_min = True
    verbose_name = _("version")
    verbose_name_plural = _("versions in each language")

    def view_on_site(self, version) -> str | None:
        """A version's page exists once its publication is public (a draft's is a 404)."""
        return version.get_absolute_url() if version.publication.is_public else None

    def get_queryset(self, request: HttpRequest):
        # The languages in the order of settings.LANGUAGES, French first.
        order = Case(*(When(language=code, then=index) for index, code in enumerate(language_codes())))
        return super().get_queryset(request).order_by(order)


class EditorAssets:
    """What an admin page with our editor needs (as a ModelAdmin's Media):
    its words and addresses first, since the editor's modules read them."""

    js = [reverse_lazy("collectif_editor:setup"), "collectif/admin.js"]
    css = {"all": ["collectif/editor.css"]}


class PublicationForm(forms.ModelForm):
    """A blank slug is made from the title of the original-language version."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Left empty, it is made from the title (in any script).")

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug", "")
        if slug:
            return slug
        base = slug_from_title(self._original_title()) or "publication"
        model = self._meta.model
        others = model.objects.exclude(pk=self.instance.pk) if self.instance.pk else model.objects.all()
        candidate, number = base, 2
        while others.filter(slug=candidate).exists():
            candidate, number = f"{base[:95]}-{number}", number + 1
        return candidate

    def _original_title(self) -> str:
        """The title typed in the inline version of the original language (or the first one)."""
        original = self.data.get("original_language", "")
        titles = {}
        for key, value in self.data.items():
            if match := re.fullmatch(r"versions-(\d+)-title", key):
                titles[self.data.get(f"versions-{match[1]}-language", "")] = value
        return titles.get(original) or next(iter(titles.values()), "")


class WriteFailureKeepsTheForm(_ModelAdmin):
    """A save the disk could not hold (full, over quota) shows the form again,
    filled in, with a message in the organiser's language: never an error
    page, never a lost edit. The admin's transaction has rolled the rows
    back, and no write leaves a partial file (publishing/files.py)."""

    def write_failure_message(self, error: Exception) -> str | None:
        """What to tell the organiser about `error`, or None for an error that is a bug."""
        return files.disk_full_message() if files.is_disk_full(error) else None

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (OSError, DatabaseError, ImageNotStored) as error:
            message = self.write_failure_message(error)
            if message is None or request.method != "POST":
                raise
        # The same POST once more, refused by the form itself: it is shown
        # with what was typed (an upload is decoded once, see models._cleaned).
        request._collectif_write_failure = message  # type: ignore[attr-defined]  # read by get_form() below
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        message: str | None = getattr(request, "_collectif_write_failure", None)
        if message is None:
            return form
        refusal = message

        class NotWritten(form):  # type: ignore[misc,valid-type]  # the form the admin built, refused
            def clean(self) -> dict:
                super().clean()
                raise ValidationError(refusal)

        return NotWritten


class PublicationAdmin(WriteFailureKeepsTheForm, admin.ModelAdmin):
    """What the admins of tracts, articles and pages share: their versions, listed by language."""

    form = PublicationForm
    # The versions (title, subtitle, text) first: they are what one comes to write.
    change_form_template = "admin/collectif/versions_first_change_form.html"

    class Media(EditorAssets):
        pass

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("versions")

    def view_on_site(self, publication) -> str | None:
        """Only a publication visitors can see has a page on the site (a draft's is a 404)."""
        return publication.get_absolute_url() if getattr(publication, "is_public", True) else None

    @admin.display(description=_("languages"))
    def languages(self, publication) -> str:
        return ", ".join(version.language for version in publication.all_versions())


class PreviewAdmin(PublicationAdmin):
    """A publication's draft preview: its public page and its PDF, drafts
    included, for staff who may view it. Subclasses say how the page is
    rendered (`render_preview`), which PDF is shown (`preview_pdf_plan`) and
    where (`preview_pdf_route`, `preview_pdf_url`)."""

    preview_pdf_route = "<int:pk>/preview/<str:language>/document.pdf"
    unsaved_message: "str | _StrPromise"  # shown instead of the links before the first save

    def save_model(self, request: HttpRequest, publication, form, change: bool) -> None:
        was_public = change and type(publication).objects.filter(pk=publication.pk).published().exists()
        if hold_until_first_renders(publication, was_public):
            self.message_user(
                request,
                _("It will be public in a few seconds, once its PDF and share picture are ready."),
            )
        super().save_model(request, publication, form, change)

    def render_preview(self, request: HttpRequest, publication) -> HttpResponse:
        raise NotImplementedError

    def preview_pdf_plan(
        self, request: HttpRequest, publication: Any, version: Any, /, **url_arguments: str
    ) -> PDFPlan:
        """The plan (see publishing.pdf) of the PDF to show; may raise Http404."""
        raise NotImplementedError

    def preview_pdf_url(self, publication, version) -> str:
        return reverse(self._preview_url_name("preview_pdf"), args=[publication.pk, version.language])

    def _preview_url_name(self, kind: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{kind}"

    @admin.display(description=_("preview"))
    def preview_links(self, publication) -> "str | _StrPromise":
        if not publication.pk:
            return self.unsaved_message
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank">{}</a> (<a href="{}" target="_blank">PDF</a>)',
            (
                (
                    reverse(self._preview_url_name("preview"), args=[publication.pk, version.language]),
                    version.language,
                    self.preview_pdf_url(publication, version),
                )
                for version in publication.all_versions()
            ),
        ) or format_html("{}", "—")

    def preview_pdf_fingerprint(self, publication, version) -> str:
        """The fingerprint of the PDF a version's preview link leads to ("" to say nothing of it)."""
        return ""

    @admin.display(description=_("failed PDFs"))
    def pdf_failures(self, publication) -> str:
        """The versions whose PDF failed to render, and why (for the change page: one query)."""
        if not publication.pk or not PDFRenderFailure.objects.exists():  # usually none: no plan needed
            return format_html("{}", "—")
        fingerprints = {
            self.preview_pdf_fingerprint(publication, version): version for version in publication.all_versions()
        }
        failures = PDFRenderFailure.objects.filter(
            fingerprint__in=[fingerprint for fingerprint in fingerprints if fingerprint]
        )
        return format_html_join(
            "",
            '<p class="errornote">{}: {}</p>',
            (
                (
                    fingerprints[failure.fingerprint].language,
                    _("this PDF failed to render: %(reason)s") % {"reason": failure.message},
                )
                for failure in failures
            ),
        ) or format_html("{}", "—")

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<int:pk>/preview/<str:language>/", self.admin_site.admin_view(self.preview), name=f"{name}_preview"),
            path(self.preview_pdf_route, self.admin_site.admin_view(self.preview_pdf), name=f"{name}_preview_pdf"),
            *super().get_urls(),
        ]

    def publication_for_preview(self, request: HttpRequest, pk: int):
        if not may_see_private(request):  # the rule of every private file, whatever the admin's guards
            raise Http404
        publication = get_object_or_404(self.model.objects.for_page(), pk=pk)
        if not self.has_view_permission(request, publication):
            raise PermissionDenied
        return publication

    def preview(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The public page, drafts included, as the visitor will see it."""
        publication = self.publication_for_preview(request, pk)
        language = language if is_supported(language) else publication.original_language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return self.render_preview(request, publication)

    def preview_pdf(self, request: HttpRequest, pk: int, language: str, **url_arguments: str) -> HttpResponseBase:
        publication = self.publication_for_preview(request, pk)
        version = publication.version(language)
        if version is None:
            raise Http404
        plan = self.preview_pdf_plan(request, publication, version, **url_arguments)
        return stored_pdf_response(request, plan.fingerprint, plan.filename, public=False)


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        dates = model_admin.model.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in dates]

    def queryset(self, request, queryset):
        year = whole_number(self.value(), max_digits=4)
        return queryset.filter(date__year=year) if year else queryset


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return language_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(versions__language=value).distinct() if value else queryset
