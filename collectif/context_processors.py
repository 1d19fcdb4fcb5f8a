from django.http import HttpRequest
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject

from collectif.languages import language_codes, native_name, text_direction
from collectif.models import SiteSettings


def _language_links(request: HttpRequest) -> list[dict]:
    """This same page in each interface language, for the switcher."""
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code in language_codes():
        url = translate_url(request.path, code)
        links.append(
            {
                "code": code,
                "name": native_name(code),
                "url": f"{url}?{query}" if query else url,
                "current": code == getattr(request, "LANGUAGE_CODE", None),
            }
        )
    return links


def site(request: HttpRequest) -> dict:
    """What the shared layout needs on every page (loaded only if a page uses it)."""
    return {
        "interface_direction": text_direction(getattr(request, "LANGUAGE_CODE", "fr")),
        "site_settings": SimpleLazyObject(SiteSettings.load),
        "language_links": SimpleLazyObject(lambda: _language_links(request)),
        "footer_pages": SimpleLazyObject(lambda: _footer_pages(request)),
    }


def _footer_pages(request: HttpRequest) -> list:
    # The website app registers the editable pages; the layout only needs
    # their titles in the visitor's language.
    from django.apps import apps

    page_model = apps.get_model("website", "Page")
    language = getattr(request, "LANGUAGE_CODE", "fr")
    pages = page_model.objects.published().filter(in_footer=True).prefetch_related("versions")
    return [(page, version) for page in pages if (version := page.version_for(language))]
