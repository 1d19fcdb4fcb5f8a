"""Background renders of article PDFs (`manage.py db_worker` runs them)."""

from django.db import transaction
from django_tasks import task

from .models import Article
from .printing import ensure_article_pdf


@task()
def render_article_pdfs(article_id: int) -> int:
    article = Article.objects.for_page().filter(pk=article_id).first()
    if article is None:
        return 0
    for version in article.all_versions():
        ensure_article_pdf(version)
    return len(article.all_versions())


def schedule_pdf_renders(article: Article) -> None:
    """Queue the renders once the transaction that changed the article is committed."""
    transaction.on_commit(lambda: render_article_pdfs.enqueue(article.pk))
