from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from publishing.languages import language_codes, native_name, open_graph_locale, text_direction
from publishing.models import SiteSettings


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
    language = getattr(request, "LANGUAGE_CODE", "fr")
    return {
        # Link previews and canonical links need whole addresses.
        "absolute_root": request.build_absolute_uri("/").rstrip("/"),
        "og_locale": open_graph_locale(language),
        "og_locale_alternates": [open_graph_locale(code) for code in language_codes() if code != language],
        "interface_direction": text_direction(getattr(request, "LANGUAGE_CODE", "fr")),
        "site_settings": SimpleLazyObject(SiteSettings.load),
        "language_links": SimpleLazyObject(lambda: _language_links(request)),
        "footer_pages": SimpleLazyObject(lambda: _footer_pages(request)),
        "menu": SimpleLazyObject(lambda: _menu(request)),
    }


def _footer_pages(request: HttpRequest) -> list:
    # The website app registers the editable pages; the layout only needs
    # their labels in the visitor's language (and the language of a label
    # that could not be translated).
    from django.apps import apps

    page_model = apps.get_model("website", "Page")
    language = getattr(request, "LANGUAGE_CODE", "fr")
    pages = page_model.objects.published().filter(in_footer=True).prefetch_related("versions")
    return [(page, *page.label_for(language)) for page in pages if page.versions.all()]


def _menu(request: HttpRequest) -> list[dict]:
    """The main menu; `current` is "page" on a section's own page, "true" inside it (aria-current)."""
    match = request.resolver_match
    items = [
        ("tracts", "tracts:archive", _("Tracts")),
        ("articles", "articles:index", _("Articles")),
        ("events", "events:index", _("Agenda")),
    ]
    menu = []
    for namespace, name, label in items:
        url = reverse(name)
        current = ""
        if match and match.namespace == namespace:
            current = "page" if request.path == url else "true"
        menu.append({"url": url, "label": label, "current": current})
    search_url = reverse("website:search")
    menu.append({"url": search_url, "label": _("Search"), "current": "page" if request.path == search_url else ""})
    return menu
