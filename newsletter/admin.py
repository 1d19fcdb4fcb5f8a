import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from publishing.admin_tools import EditorAssets, LanguageVersionInline
from publishing.languages import is_supported

from . import assembly, sending
from .mail import PREFERENCES_MARK, UNSUBSCRIBE_MARK, letter_message, message_id, render_letter
from .models import Delivery, Letter, LetterVersion, Subscriber
from .portability import subscriber_rows
from .tasks import start_sending

# The refusals a letter's page lists (the count shows them all).
REFUSALS_SHOWN = 50


class Echo:
    """A file whose writes are handed back, for a streamed CSV."""

    def write(self, value: str) -> str:
        return value


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language_display", "confirmed_at"]
    list_filter = ["confirmed_at", "themes"]
    search_fields = ["email"]
    filter_horizontal = ["themes"]
    date_hierarchy = "confirmed_at"
    actions = ["export_csv"]

    @admin.action(description=gettext_lazy("Export the selected subscribers (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset) -> StreamingHttpResponse:
        writer = csv.writer(Echo())
        rows = (writer.writerow(row) for row in subscriber_rows(queryset))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        return response


class LetterVersionInline(LanguageVersionInline):
    model = LetterVersion
    fields = ["language", "subject", "body"]

    def view_on_site(self, version) -> None:
        return None


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    inlines = [LetterVersionInline]
    list_display = ["__str__", "status", "sent_count", "waiting_count", "failed_count", "created_at", "finished_at"]
    list_filter = ["status"]
    fields = [
        "original_language",
        "themes",
        "status",
        "progress",
        "refusals",
        "relay_problem",
        "started_at",
        "finished_at",
    ]
    readonly_fields = ["status", "progress", "refusals", "relay_problem", "started_at", "finished_at"]
    filter_horizontal = ["themes"]
    change_form_template = "admin/newsletter/letter/change_form.html"
    change_list_template = "admin/newsletter/letter/change_list.html"

    class Media(EditorAssets):
        pass

    def get_queryset(self, request: HttpRequest):
        pending = Q(deliveries__status__in=Delivery.PENDING)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("versions")
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
                waiting_count=Count("deliveries", filter=pending),
                failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
            )
        )

    @admin.display(description=gettext_lazy("sent"), ordering="sent_count")
    def sent_count(self, letter: Letter) -> int:
        return letter.sent_count  # type: ignore[attr-defined]  # get_queryset's annotation

    @admin.display(description=gettext_lazy("waiting"), ordering="waiting_count")
    def waiting_count(self, letter: Letter) -> int:
        return letter.waiting_count  # type: ignore[attr-defined]  # get_queryset's annotation

    @admin.display(description=gettext_lazy("refused"), ordering="failed_count")
    def failed_count(self, letter: Letter) -> int:
        return letter.failed_count  # type: ignore[attr-defined]  # get_queryset's annotation

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, letter: Letter) -> str:
        if letter.status == Letter.Status.DRAFT:
            return _("Not sent yet.")
        return _("sent: %(sent)d · waiting: %(waiting)d · refused: %(failed)d") % letter.progress()

    @admin.display(description=gettext_lazy("refused addresses"))
    def refusals(self, letter: Letter) -> str:
        refused = letter.deliveries.filter(status=Delivery.Status.FAILED).select_related("subscriber")[:REFUSALS_SHOWN]
        if not refused:
            return "-"
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            ((d.subscriber.email if d.subscriber else _("(unsubscribed since)"), d.error) for d in refused),
        )

    def has_change_permission(self, request: HttpRequest, obj: Letter | None = None) -> bool:
        # A letter that went out is a record: it is no longer edited.
        if obj is not None and obj.status != Letter.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self):
        return [
            path("assemble/", self.admin_site.admin_view(self.assemble_view), name="newsletter_letter_assemble"),
            path(
                "<int:pk>/preview/<str:language>/",
                self.admin_site.admin_view(self.preview_view),
                name="newsletter_letter_preview",
            ),
            path("<int:pk>/test/", self.admin_site.admin_view(self.test_view), name="newsletter_letter_test"),
            path("<int:pk>/send/", self.admin_site.admin_view(self.send_view), name="newsletter_letter_send"),
            *super().get_urls(),
        ]

    def _letter(self, request: HttpRequest, pk: int, permission: str = "view") -> Letter:
        letter = get_object_or_404(Letter.objects.prefetch_related("versions"), pk=pk)
        allowed = (
            self.has_view_permission(request, letter) if permission == "view" else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        return letter

    def preview_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The letter as a reader of `language` receives it (its text part with ?format=text)."""
        letter = self._letter(request, pk)
        if not is_supported(language):
            raise Http404
        version, fallback = letter.version_for([language])
        if version is None:
            raise Http404
        rendered = render_letter(version, language, fallback)
        if request.GET.get("format") == "text":
            return HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
        return HttpResponse(rendered.html.replace(UNSUBSCRIBE_MARK, "#").replace(PREFERENCES_MARK, "#"))

    @staticmethod
    def _back(letter: Letter) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:newsletter_letter_change", args=[letter.pk]))

    def test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every version of the letter to the organiser's own address, now."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        letter = self._letter(request, pk, "send")
        assert request.user.is_authenticated  # admin_view lets in active staff only
        if not request.user.email:
            self.message_user(
                request, _("Your account has no email address: add one to receive test letters."), messages.ERROR
            )
            return self._back(letter)
        relay = sending.Relay()
        try:
            for version in letter.all_versions():
                rendered = render_letter(version, version.language, fallback=False)
                message = letter_message(
                    rendered,
                    request.user.email,
                    token="0.test",  # noqa: S106 (a link to no subscriber)
                    reader_language=version.language,
                    message_id_value=message_id(letter.pk, 0),
                )
                relay.send(message, request.user.email)
        except (sending.RelayUnavailable, sending.Refused) as error:
            self.message_user(request, _("The test letter was not sent: %(error)s") % {"error": error}, messages.ERROR)
        else:
            self.message_user(request, _("Test letter sent to %(email)s.") % {"email": request.user.email})
        finally:
            relay.close()
        return self._back(letter)

    def send_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A page saying how many will receive it, and its button."""
        letter = self._letter(request, pk, "send")
        if letter.status != Letter.Status.DRAFT:
            self.message_user(request, _("This letter has been sent already."), messages.WARNING)
            return self._back(letter)
        if not letter.all_versions():
            self.message_user(request, _("Write the letter before sending it."), messages.ERROR)
            return self._back(letter)
        if request.method == "POST":
            count = start_sending(letter)
            self.message_user(
                request,
                ngettext(
                    "The letter is going out to %(count)d subscriber.",
                    "The letter is going out to %(count)d subscribers.",
                    count,
                )
                % {"count": count},
            )
            return self._back(letter)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "letter": letter,
            "count": Subscriber.objects.for_letter(letter).count(),
            "title": _("Send the letter"),
        }
        return render(request, "admin/newsletter/letter/send.html", context)

    def assemble_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        letter = assembly.assemble()
        if letter is None:
            self.message_user(request, _("Nothing was published since the last letter."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:newsletter_letter_changelist"))
        self.message_user(request, _("A letter was written from what was published since the last one: read it over."))
        return self._back(letter)
