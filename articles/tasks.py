"""Background renders of article PDFs (`manage.py db_worker` runs them)."""

from django.db import transaction
from django_tasks import task

from collectif.pdf import RenderFailed
from collectif.tasks import time_limit

from .models import Article
from .printing import ensure_article_pdf


@task()
def render_article_pdfs(article_id: int) -> int:
    """Store the PDF of every version; returns how many were made (failures are recorded)."""
    with time_limit():
        article = Article.objects.for_page().filter(pk=article_id).first()
        if article is None:
            return 0
        made = 0
        for version in article.all_versions():
            try:
                ensure_article_pdf(version)
            except RenderFailed:
                continue
            made += 1
        return made


def schedule_pdf_renders(article: Article) -> None:
    """Queue the renders once the transaction that changed the article is committed."""
    transaction.on_commit(lambda: render_article_pdfs.enqueue(article.pk))
