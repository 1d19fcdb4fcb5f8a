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


# The key of the article's one PDF among the version's kept fingerprints.
ARTICLE_FORMAT = "a4"


def article_pdf_filename(version: ArticleVersion) -> str:
    return f"{version.article.slug}-{version.language}.pdf"


def article_pdf_plan(version: ArticleVersion) -> pdf.PDFPlan:
    html = article_print_html(version)
    return pdf.PDFPlan(
        fingerprint=pdf.fingerprint("article", html),
        filename=article_pdf_filename(version),
        render=lambda: pdf.render_pdf(html, variant=pdf.ACCESSIBLE_VARIANT),
    )


def current_fingerprint(version: ArticleVersion) -> str:
    """The fingerprint of the article's PDF as it is now: kept on the version."""
    kept = version.current_pdf_fingerprints()
    if kept is not None:
        return kept[ARTICLE_FORMAT]
    return version.keep_pdf_fingerprints({ARTICLE_FORMAT: article_pdf_plan(version).fingerprint})[ARTICLE_FORMAT]


def ensure_article_pdf(version: ArticleVersion) -> pdf.PDFPlan:
    """Make sure the article's PDF is stored (rendering it at most once)."""
    plan = article_pdf_plan(version)
    pdf.ensure_stored(plan)
    if version.current_pdf_fingerprints() is None:
        version.keep_pdf_fingerprints({ARTICLE_FORMAT: plan.fingerprint})
    return plan


def referenced_pdf_fingerprints() -> set[str]:
    """The current PDF of every article version (drafts included: staff preview them)."""
    return {
        current_fingerprint(version)
        for version in ArticleVersion.objects.select_related("article").order_by("pk").iterator(chunk_size=200)
    }
