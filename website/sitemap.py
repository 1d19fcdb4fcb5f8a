"""sitemap.xml: every published version, with its other languages as alternates."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from articles.models import Article
from tracts.models import Tract

from .models import Page


def sitemap(request: HttpRequest) -> HttpResponse:
    entries = []
    for model in (Tract, Article, Page):
        for publication in model.objects.published().with_versions():
            versions = publication.all_versions()
            alternates = [(v.language, request.build_absolute_uri(v.get_absolute_url())) for v in versions]
            for version in versions:
                entries.append(
                    {
                        "location": request.build_absolute_uri(version.get_absolute_url()),
                        "modified": version.updated_at,
                        "alternates": alternates if len(versions) > 1 else [],
                    }
                )
    xml = render_to_string("website/sitemap.xml", {"entries": entries})
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
