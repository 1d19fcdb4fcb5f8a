"""What the admin's rich-text editor asks the server: pictures, slugs, its own words.

Small JSON views for staff only (wrapped by the admin site, so logged-out
visitors are sent to the login page and every POST is CSRF-checked). They
keep no state and go through the same model checks as the admin's forms:
an upload here is stripped of its metadata exactly like one under "Images".
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

from publishing.languages import slug_from_title
from publishing.models import Image, ImageNotStored

# How the admin titles each version's block ("Version arabe" in French).
VERSION_TITLES = {
    "fr": _("French version"),
    "en": _("English version"),
    "es": _("Spanish version"),
    "ar": _("Arabic version"),
}
PICKER_PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100


def picture_data(image: Image) -> dict:
    """What the picker shows of a picture, and what the editor inserts."""
    return {
        "id": image.pk,
        "src": image.file.url,
        "thumbnail": image.sources()[0].url,
        "alt": image.alt_text,
        "caption": image.caption,
        "width": image.width,
        "height": image.height,
    }


@require_GET
def pictures(request: HttpRequest) -> JsonResponse:
    """Our pictures, newest first, those whose description or caption match `q`."""
    if not request.user.has_perm("collectif.view_image"):
        raise PermissionDenied
    query = " ".join(request.GET.get("q", "")[:MAX_QUERY_LENGTH].split())
    images = Image.objects.all()
    for word in query.split()[:5]:
        images = images.filter(Q(alt_text__icontains=word) | Q(caption__icontains=word) | Q(credit__icontains=word))
    return JsonResponse({"results": [picture_data(image) for image in images[:PICKER_PAGE_SIZE]]})


class PictureUploadForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit"]


@require_POST
def upload_picture(request: HttpRequest) -> JsonResponse:
    """A new picture from the editor's dialog; the same one uploaded again is reused."""
    if not request.user.has_perm("collectif.add_image"):
        raise PermissionDenied
    form = PictureUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": {field: list(errors) for field, errors in form.errors.items()}}, status=400)
    try:
        image = Image.existing_copy(form.cleaned_data["file"]) or form.save()
    except ImageNotStored as error:
        # A full disk: nothing was kept, and the dialog keeps what was typed.
        return JsonResponse({"errors": {"file": [str(error)]}}, status=507)
    return JsonResponse(picture_data(image), status=201)


@require_GET
def slug(request: HttpRequest) -> JsonResponse:
    """The web address part a title gives, in any script (for the slug field)."""
    return JsonResponse({"slug": slug_from_title(request.GET.get("title", "")[:300])})


class EditorCatalog(JavaScriptCatalog):
    """The editor's words in the organiser's language (django-prose-editor's
    catalogue and ours), and the addresses our editor extensions call."""

    packages = ["django_prose_editor"]

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        addresses = {
            "pictures": reverse("collectif_editor:pictures"),
            "upload": reverse("collectif_editor:upload"),
            "slug": reverse("collectif_editor:slug"),
            "media": settings.MEDIA_URL,
            "versionTitles": {code: str(title) for code, title in VERSION_TITLES.items()},
        }
        response.content += f"\nwindow.collectifEditor = {json.dumps(addresses)};\n".encode()
        return response


def urls() -> tuple[list, str, str]:
    """The editor's views under the admin's address, behind its login."""
    return (
        [
            path("pictures/", admin.site.admin_view(pictures), name="pictures"),
            path("pictures/upload/", admin.site.admin_view(upload_picture), name="upload"),
            path("slug/", admin.site.admin_view(slug), name="slug"),
            path("setup.js", admin.site.admin_view(EditorCatalog.as_view()), name="setup"),
        ],
        "collectif_editor",
        "collectif_editor",
    )
