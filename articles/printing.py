"""The printable A4 PDF of an article."""

from collections.abc import Callable
from functools import partial

from publishing import pdf
from publishing.models import SiteSettings
from publishing.pdf import store
from publishing.pictures import ensure_whole_renditions

from .models import Article, ArticleVersion
from .text import render_body


def article_print_html(version: ArticleVersion) -> str:
    """The HTML document WeasyPrint turns into the article's PDF."""
    article = version.article
    body, notes = render_body(version.body, version.notes, print_version=True)
    return pdf.print_document(
        "articles/print/article.html",
        version,
        {"article": article, "body": body, "notes": notes},
        SiteSettings.load(),
    )


# The key of the article's one PDF among the version's kept fingerprints.
ARTICLE_FORMAT = "a4"


def article_pdf_filename(version: ArticleVersion) -> str:
    return f"{version.article.slug}-{version.language}.pdf"


def article_pdf_plan(version: ArticleVersion) -> store.PDFPlan:
    html = article_print_html(version)
    return store.PDFPlan(
        fingerprint=pdf.fingerprint("article", html),
        filename=article_pdf_filename(version),
        render=lambda: _render(html),
        source=store.PDFSource.of(version, ARTICLE_FORMAT),
    )


def _render(html: str) -> bytes:
    ensure_whole_renditions(html)  # a picture cut short is made again, never embedded
    return pdf.render_pdf(html, variant=pdf.ACCESSIBLE_VARIANT)


def current_fingerprint(version: ArticleVersion) -> str:
    """The fingerprint of the article's PDF as it is now: kept on the version."""
    kept = version.current_pdf_fingerprints()
    if kept is not None:
        return kept[ARTICLE_FORMAT]
    return version.keep_pdf_fingerprints({ARTICLE_FORMAT: article_pdf_plan(version).fingerprint})[ARTICLE_FORMAT]


def ensure_article_pdf(version: ArticleVersion) -> store.PDFPlan:
    """Make sure the article's PDF is stored (rendering it at most once)."""
    plan = article_pdf_plan(version)
    store.ensure_stored(plan)
    if version.current_pdf_fingerprints() is None:
        version.keep_pdf_fingerprints({ARTICLE_FORMAT: plan.fingerprint})
    return plan


class ArticlePDFs(store.PublicationPDFs):
    """The articles' PDF hook (`ArticleVersion.pdf_hook`): one A4 PDF per version."""

    def owners(self, sources: list[store.PDFSource]) -> dict[store.PDFSource, store.PDFOwner]:
        versions = ArticleVersion.objects.filter(pk__in={s.version_id for s in sources}).select_related("article")
        versions = versions.in_bulk()
        return {
            source: store.PDFOwner(
                source=source,
                is_public=version.article.is_public,
                filename=article_pdf_filename(version),
                current_fingerprint=partial(current_fingerprint, version),
                ensure_stored=partial(ensure_article_pdf, version),
            )
            for source in sources
            if (version := versions.get(source.version_id)) is not None and source.print_format == ARTICLE_FORMAT
        }

    def renders(self, article: Article) -> list[Callable[[], object]]:
        return [partial(ensure_article_pdf, version) for version in article.all_versions()]

    def fingerprints_in_use(self, article: Article) -> set[str]:
        return {current_fingerprint(version) for version in article.all_versions()}
