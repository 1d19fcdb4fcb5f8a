"""The printable A4 PDF of an article."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from collectif import pdf
from collectif.languages import text_direction
from collectif.models import SiteSettings

from .models import ArticleVersion
from .text import render_body


def article_print_html(version: ArticleVersion) -> str:
    """The HTML document WeasyPrint turns into the article's PDF."""
    article = version.article
    body, notes = render_body(version.body, version.notes, print_version=True)
    with translation.override(version.language):
        return render_to_string(
            "articles/print/article.html",
            {
                "article": article,
                "version": version,
                "body": body,
                "notes": notes,
                "direction": text_direction(version.language),
                "site_name": SiteSettings.load().site_name,
                "online_url": settings.SITE_URL + version.get_absolute_url(),
            },
        )


def article_pdf_plan(version: ArticleVersion) -> pdf.PDFPlan:
    html = article_print_html(version)
    return pdf.PDFPlan(
        etag=pdf.fingerprint("article", html),
        filename=f"{version.article.slug}-{version.language}.pdf",
        render=lambda: pdf.render_pdf(html, variant=pdf.ACCESSIBLE_VARIANT),
    )


def ensure_article_pdf(version: ArticleVersion) -> pdf.PDFPlan:
    """Make sure the article's PDF is stored (rendering it at most once)."""
    plan = article_pdf_plan(version)
    pdf.ensure_stored(plan)
    return plan
