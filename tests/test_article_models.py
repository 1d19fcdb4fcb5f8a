import pytest
from django.core.exceptions import ValidationError
from django.utils.text import Truncator

from articles.models import Article, ArticleVersion, FurtherReading
from articles.text import link_notes, mark_attributions
from publishing.html_text import plain_text

pytestmark = pytest.mark.django_db


def test_published_and_fallback_rules_are_the_tracts_ones(make_article):
    visible = make_article("visible", {"fr": {"title": "Original"}, "en": {"title": "English"}})
    make_article("brouillon", status="draft")
    assert list(Article.objects.published()) == [visible]
    article = Article.objects.with_versions().get(pk=visible.pk)
    assert article.version_for("en").title == "English"
    assert article.version_for("ar").title == "Original"


def test_body_keeps_tables_figures_and_quotes_but_not_scripts(make_article):
    version = make_article().versions.get()
    version.body = (
        "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td onclick='x()'>1</td></tr></tbody></table>"
        '<figure><img src="/media/images/a.jpg" alt="Une grille"><figcaption>Légende</figcaption></figure>'
        "<blockquote><p>Citation</p><p>— Une source</p></blockquote><script>alert(1)</script>"
        '<figure><img src="https://tracker.example/x.gif" alt="pisteur"></figure>'
    )
    version.save()
    version.refresh_from_db()
    assert "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>" in version.body
    assert '<img src="/media/images/a.jpg" alt="Une grille"><figcaption>Légende</figcaption>' in version.body
    assert "<script" not in version.body and "onclick" not in version.body and "tracker" not in version.body


def test_pictures_need_a_description(make_article):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("images/inconnue.jpg", ContentFile(b"a stored file, not in the image records"))
    version = make_article().versions.get()
    version.body = '<figure><img src="/media/images/inconnue.jpg"></figure>'
    with pytest.raises(ValidationError, match="description"):
        version.full_clean()
    version.body = '<figure><img src="/media/images/inconnue.jpg" alt="Une grille"></figure>'
    version.full_clean()


def test_excerpt_reading_time_and_word_count(make_article):
    words = " ".join(["mot"] * 500)
    version = make_article(versions={"fr": {"body": f"<p>Premier[^1] {words}</p>"}}).versions.get()
    assert version.word_count == 501
    assert version.reading_minutes == 3
    excerpt = version.get_excerpt()
    assert excerpt.startswith("Premier mot") and excerpt.endswith("…") and "[^1]" not in excerpt
    version.excerpt = "Un résumé écrit à la main."
    assert version.get_excerpt() == "Un résumé écrit à la main."


@pytest.mark.parametrize(
    ("body", "queries"),
    [
        ("".join(f"<p>Paragraphe {n} : un mot et l&#39;autre.</p>" for n in range(3000)), 0),
        ("<p>Court.</p>", 0),
        # A long body whose start holds no words: the card loads the rest.
        (f'<figure><img src="/media/p.jpg" alt="{"x" * 3000}"></figure><p>{"mot " * 50}</p>', 1),
    ],
)
def test_cards_load_the_start_of_the_body_and_make_the_same_excerpt(
    make_article, django_assert_num_queries, body, queries
):
    article = make_article("long", {"fr": {"body": body}})
    card = Article.objects.for_cards().get(pk=article.pk).all_versions()[0]
    assert "body" in card.get_deferred_fields()
    assert len(card.body_start) <= 2001
    with django_assert_num_queries(queries):
        excerpt = card.get_excerpt()
    assert excerpt == ArticleVersion.objects.get(pk=card.pk).get_excerpt()


def test_cards_take_a_versions_queryset_as_every_publications_do(make_article, django_assert_num_queries):
    # PublicationQuerySet.for_cards(versions=…) is how a list loads more with
    # its cards (TractQuerySet.with_a5_renders does); articles took no versions=.
    article = make_article("avec-auteurs", {"fr": {"body": "<p>Un texte.</p>"}}, authors=["Une autrice"])
    versions = Article.objects.card_versions("body")
    card = Article.objects.for_cards(versions=versions).get(pk=article.pk)
    with django_assert_num_queries(0):
        version = card.all_versions()[0]
        assert "body" not in version.get_deferred_fields()
        assert version.body == "<p>Un texte.</p>"
        assert [author.name for author in card.authors.all()] == ["Une autrice"]


def test_a_cards_excerpt_reads_only_the_start_of_a_long_body_and_says_the_same():
    paragraphs = "".join(f"<p>Paragraphe {n} : <strong>mot</strong> et l&#39;autre mot.</p>" for n in range(2000))
    version = ArticleVersion(language="fr", body=f"<h2>Titre</h2>{paragraphs}")
    assert version.opening_text() != plain_text(version.body)  # the start only
    assert plain_text(version.body).startswith(version.opening_text())
    assert version.get_excerpt().startswith("Titre Paragraphe 0 : mot et l'autre mot.")
    # A start made only of a long picture: the whole body.
    picture = f'<figure><img src="/media/p.jpg" alt="{"x" * 4000}"></figure>'
    version.body = f"{picture}<p>{'mot ' * 50}</p>"
    assert version.get_excerpt() == Truncator(plain_text(version.body)).words(40, truncate="…")


def test_notes_are_linked_both_ways():
    body, notes = link_notes(
        "<p>Un[^1] deux[^2] encore[^1] et[^9]</p>", "<ol><li><p>Première note.</p></li><li>Seconde.</li></ol>"
    )
    assert '<sup class="note-ref" id="note-ref-1"><a href="#note-1">1</a></sup>' in body
    assert '<sup class="note-ref" id="note-ref-2"><a href="#note-2">2</a></sup>' in body
    assert body.count('id="note-ref-1"') == 1  # the second call has no duplicate id
    assert "[^9]" in body  # no such note: left as written
    assert [(n.number, str(n.html)) for n in notes] == [(1, "<p>Première note.</p>"), (2, "Seconde.")]


@pytest.mark.parametrize(
    "quote, source",
    [
        ("<blockquote><p>Les mots.</p><p>— Un syndicat</p></blockquote>", "— Un syndicat"),
        ("<blockquote><p>Les mots.\n— Un témoignage</p></blockquote>", "— Un témoignage"),
        ("<blockquote><p>Les mots.</p><p>(Rapport, 2026)</p></blockquote>", "(Rapport, 2026)"),
    ],
)
def test_attribution_is_set_apart(quote, source):
    html = mark_attributions(quote)
    assert f'<footer class="attribution">{source}</footer></blockquote>' in html
    assert "<p>Les mots." in html


def test_quote_without_attribution_is_unchanged():
    quote = "<blockquote><p>Seulement des mots.</p></blockquote>"
    assert mark_attributions(quote) == quote


def test_further_reading_points_to_exactly_one_place(make_article, make_tract):
    article, other = make_article("a"), make_article("b")
    tract = make_tract("t")
    with pytest.raises(ValidationError):
        FurtherReading(article=article).clean()
    with pytest.raises(ValidationError):
        FurtherReading(article=article, linked_article=other, linked_tract=tract).clean()
    with pytest.raises(ValidationError, match="title"):
        FurtherReading(article=article, url="https://example.org/").clean()
    with pytest.raises(ValidationError):
        FurtherReading(article=article, linked_article=article).clean()
    FurtherReading(article=article, linked_tract=tract).clean()
    FurtherReading(article=article, url="https://example.org/", title="Un rapport").clean()


def test_one_version_per_language(make_article):
    from django.db import IntegrityError

    article = make_article()
    with pytest.raises(IntegrityError):
        ArticleVersion.objects.create(article=article, language="fr", title="Doublon")
