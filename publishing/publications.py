"""What tracts and articles share: publication rules and language versions.

A publication (a tract, an article) has one version per language, a status
and a publication time; visitors see it only once published and its time
has come, and read it in their language or else in the original.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.fields.reverse_related import ManyToOneRel
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publishing import pdf
from publishing.html import RichTextField, check_html_bounds, clean_rich_text_fields
from publishing.languages import in_language_order, language_choices, native_name, open_graph_locale, text_direction
from publishing.models import Theme
from publishing.pdf import store
from publishing.search import config_for, index_version, unindex_version
from publishing.tasks import schedule_outdated_pdf_cleanup as schedule_cleanup_task

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

P = TypeVar("P", bound="Publication")

# The order of tracts and articles everywhere: lists, feeds, the admin.
NEWEST_FIRST = ["-date", "-published_at", "-pk"]


class PublicationQuerySet(models.QuerySet[P]):
    """The rules of publication, and what each kind of page loads with its publications."""

    def published(self) -> Self:
        """What a visitor may see: published, and its publication time has come."""
        return self.filter(status=Publication.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_versions(self) -> Self:
        return self.prefetch_related("versions")

    def for_page(self) -> Self:
        """What a tract's or an article's own page (and its print) shows: versions and themes."""
        return self.with_versions().prefetch_related("themes")

    def for_cards(self, *also: str, versions: "models.QuerySet[LanguageVersion] | None" = None) -> Self:
        """What a list of cards shows (archive, home, theme, feeds), newest first:
        versions without the long texts a card does not show (`also` names
        some of them to load all the same; `versions`, a `card_versions()`
        queryset with more prefetched, replaces them) and themes."""
        versions = self.card_versions(*also) if versions is None else versions
        return self.prefetch_related(models.Prefetch("versions", queryset=versions), "themes").newest_first()

    def card_versions(self, *also: str) -> "models.QuerySet[LanguageVersion]":
        """The versions as a card shows them: a list of 30 cards must not load
        90 bodies, search texts and vectors (see `LanguageVersion.not_on_cards`)."""
        version_model = self.model.version_model()
        deferred = [name for name in version_model.not_on_cards if name not in also]
        # Unordered: `all_versions()` puts them in the order of LANGUAGES, and
        # the versions' default order joins every publication to sort by date.
        return version_model._default_manager.defer(*deferred).annotate(**version_model.card_annotations()).order_by()

    def newest_first(self) -> Self:
        return self.order_by(*NEWEST_FIRST)

    def versions(self) -> "models.QuerySet[LanguageVersion]":
        """The language versions of these publications (for search). EXISTS per
        version: an IN list of every publication took milliseconds to build at
        10,000, for the few dozen versions a search shows."""
        link = self.model.version_link()
        return (
            self.model.version_model()
            ._default_manager.filter(Exists(self.filter(pk=OuterRef(link.attname))))
            .order_by()
        )

    def uses_theme(self) -> Exists:
        """For `Theme.objects.used_by()`: whether one of these publications has
        the theme. EXISTS per theme stops at the first one; a join or an IN
        list read every publication (milliseconds at 10,000)."""
        return Exists(self.filter(themes=OuterRef("pk")))

    def years(self) -> list[int]:
        """The years of these publications' dates, newest first (for filters).

        A loose index scan: the newest date, then the newest before the 1st
        of January of its year, and so on, one probe of the date index per
        year. DISTINCT over the year of every row read them all (5–9 ms at
        10,000 tracts on PostgreSQL). The queryset must filter its own table
        only (as `published()` does), not through a join.
        """
        query = self.filter(date__isnull=False).query
        if len(query.alias_map) > 1:
            raise ValueError("years() reads a queryset filtered on its own table only")
        connection = connections[self.db]
        try:
            where, params = query.get_compiler(connection=connection).compile(query.where)
        except EmptyResultSet:  # .none()
            return []
        date_field = self.model._meta.get_field("date")
        assert isinstance(date_field, models.DateField) and date_field.column  # for the types
        table = connection.ops.quote_name(self.model._meta.db_table)
        column = connection.ops.quote_name(date_field.column)
        if connection.vendor == "postgresql":
            year = "EXTRACT(YEAR FROM newest)::int"
            start_of_year = "make_date(EXTRACT(YEAR FROM years.newest)::int, 1, 1)"
        else:  # SQLite stores a date as 'YYYY-MM-DD' text
            year = "CAST(substr(newest, 1, 4) AS integer)"
            start_of_year = "substr(years.newest, 1, 4) || '-01-01'"
        sql = (
            f"WITH RECURSIVE years(newest) AS (SELECT MAX({column}) FROM {table} WHERE {where} "  # noqa: S608 (names from the model)
            f"UNION ALL SELECT (SELECT MAX({column}) FROM {table} WHERE {where} AND {column} < {start_of_year}) "
            f"FROM years WHERE newest IS NOT NULL) SELECT {year} FROM years WHERE newest IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *params])
            return [row[0] for row in cursor.fetchall()]

    def with_outdated_translations(self) -> Self:
        """Those with a translation made from an older revision of their original."""
        link = self.model.version_link()
        versions = self.model.version_model()._default_manager
        original_revision = versions.filter(
            **{link.name: OuterRef(link.name), "language": OuterRef(f"{link.name}__original_language")}
        ).values("revision")[:1]
        outdated = (
            versions.exclude(language=F(f"{link.name}__original_language"))
            .annotate(original_revision=Subquery(original_revision))
            .filter(source_revision__lt=F("original_revision"))
        )
        return self.filter(pk__in=outdated.values(link.name))


class Publication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    themes = models.ManyToManyField(Theme, blank=True, related_name="%(class)ss", verbose_name=_("themes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"),
        default=timezone.now,
        help_text=_("Once published, it stays hidden from the public until this moment."),
    )
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=language_choices(),
        default=settings.LANGUAGE_CODE,
        help_text=_("Shown to visitors whose language has no version."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicationQuerySet.as_manager()

    if TYPE_CHECKING:
        # The reverse side of each version model's foreign key (related_name="versions").
        versions: RelatedManager[Any]

    class Meta:
        abstract = True
        ordering = NEWEST_FIRST

    def __str__(self) -> str:
        original = self.original_version()
        return original.title if original else self.slug

    def save(self, *args, **kwargs) -> None:
        printed = issubclass(self.version_model(), PrintedVersion)
        was_public = printed and bool(self.pk) and type(self).objects.published().filter(pk=self.pk).exists()
        stored_before = self.kept_pdf_fingerprints() if printed and self.pk else set()
        super().save(*args, **kwargs)
        if not printed:
            return
        # The publication's own fields (footer, QR code, slug, dates) are
        # printed too: its versions' PDF fingerprints are out of date.
        self.versions.update(pdf_environment=stale_pdf_token())
        if was_public and not self.is_public:
            # Withdrawn: its files are no longer served from now on, and go,
            # bilingual sheets included.
            delete_pdfs_on_commit(stored_before)
        else:
            schedule_outdated_pdf_cleanup(self, stored_before)

    @classmethod
    def version_model(cls) -> "type[LanguageVersion]":
        """The model of its versions (`TractVersion`, `ArticleVersion`…)."""
        return cast("type[LanguageVersion]", cls._meta.get_field("versions").related_model)

    @classmethod
    def version_link(cls) -> "models.ForeignKey[Any, Any]":
        """The foreign key of its versions to it."""
        return cast("ManyToOneRel", cls._meta.get_field("versions")).field

    def versions_in_database(self) -> list:
        """Its versions as the database has them now (not a prefetched list)."""
        return list(self.version_model()._default_manager.filter(**{self.version_link().name: self.pk}))

    def pdfs(self) -> store.PublicationPDFs[Any]:
        """What this kind of publication says about its PDFs (its app's hook)."""
        return store.pdfs_of_kind(self.version_model()._meta.label)

    def kept_pdf_fingerprints(self, versions: list | None = None) -> set[str]:
        """Every stored file the fingerprints `versions` keep may name, current
        or not (default: its versions in the database)."""
        versions = self.versions_in_database() if versions is None else versions
        return self.pdfs().kept_fingerprints(self, versions)

    def pdf_fingerprints_in_use(self) -> set[str]:
        """Every file its versions may be served from now."""
        return self.pdfs().fingerprints_in_use(self)

    def publish_now(self) -> None:
        """Published from now on; one already published keeps its earlier time."""
        self.status = self.Status.PUBLISHED
        self.published_at = min(self.published_at, timezone.now()) if self.pk else timezone.now()

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def all_versions(self) -> list:
        """Versions in the order of settings.LANGUAGES (uses the prefetch cache)."""
        return in_language_order(self.versions.all())

    def pdf_renders(self) -> list[Callable[[], object]]:
        """Each PDF this publication offers, as a call that stores it (for the
        background renders of `publishing.tasks.render_pdfs`)."""
        return self.pdfs().renders(self)

    def first_pdf_renders(self) -> list[Callable[[], object]]:
        """Those of `pdf_renders()` a shared link asks for first (its share
        picture, its leaflet): rendered ahead of the others (`render_first_pdfs`)."""
        return self.pdfs().first_renders(self)

    def language_links(self) -> list[dict[str, str]]:
        """Its versions as a card links them (address, language, direction, name
        in itself), as plain values: a template reads a dict's keys several
        times faster than a model's attributes, and a list has 30 cards."""
        return [
            {
                "url": version.get_absolute_url(),
                "language": version.language,
                "direction": text_direction(version.language),
                "name": native_name(version.language),
            }
            for version in self.all_versions()
        ]

    def version(self, language: str):
        return next((v for v in self.all_versions() if v.language == language), None)

    def original_version(self):
        versions = self.all_versions()
        original = next((v for v in versions if v.language == self.original_language), None)
        return original or (versions[0] if versions else None)

    def version_for(self, language: str):
        """The version to show a visitor reading in `language`: theirs, else the original."""
        return self.version(language) or self.original_version()


class LanguageVersion(models.Model):
    """The publication written in one language; subclasses add their texts,
    say which of them make its plain text (`indexed_text`) and name the
    tract, article or page they belong to (`publication`)."""

    language = models.CharField(_("language"), max_length=10, choices=language_choices())
    title = models.CharField(_("title"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)
    # Plain text of the version, filled on save for every kind: the search
    # index of the searched kinds (`SearchedVersion`), but also excerpts and
    # descriptions (a page's meta description when it has no summary).
    search_text = models.TextField(default="", editable=False)
    # Translations kept in step: every change of the texts raises `revision`;
    # a translation records the original's revision it was made from, and
    # the original's texts at that moment, to show what changed since.
    revision = models.PositiveIntegerField(default=0, editable=False)
    content_hash = models.CharField(max_length=64, default="", editable=False)
    source_revision = models.PositiveIntegerField(default=0, editable=False)
    source_texts = models.JSONField(default=dict, blank=True, editable=False)

    # The fields a translator translates (subclasses name theirs).
    translated_fields: tuple[str, ...] = ("title",)
    # Each kind's versions have a rich-text body, declared by the kind
    # (its editor's extensions differ); named here for the shared code.
    body: str
    # Long fields that cards (lists, feeds) never show: not loaded for them
    # (subclasses add theirs). Reading one of them on a card costs a query.
    not_on_cards: tuple[str, ...] = ("search_text", "source_texts", "content_hash")
    # The post it came from, so that importing the same export again
    # updates it instead of making a copy.
    wordpress_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs) -> None:
        clean_rich_text_fields(self)  # the plain text is made of the cleaned text
        self.search_text = self.indexed_text()
        content_hash = hashlib.sha256(json.dumps(self.translated_texts(), sort_keys=True).encode()).hexdigest()
        if self.content_hash and content_hash != self.content_hash:
            self.revision += 1
        self.content_hash = content_hash
        if self._state.adding and not self.source_texts:
            self.follow_original()  # a new translation is made from the original as it is now
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """Where the version is read on the site (each kind says)."""
        raise NotImplementedError

    def clean_fields(self, exclude=None) -> None:
        # Rich text is checked against the bounds of publishing.html before its
        # cleaning (which would quietly clamp what is beyond them).
        errors: dict[str, list[ValidationError]] = {}
        for field in self._meta.concrete_fields:
            if not isinstance(field, RichTextField) or (exclude and field.name in exclude):
                continue
            try:
                check_html_bounds(getattr(self, field.attname))
            except ValidationError as error:
                errors[field.name] = error.error_list
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def indexed_text(self) -> str:
        raise NotImplementedError

    @property
    def publication(self) -> Publication:
        """The tract or article it is a version of (subclasses name their foreign key)."""
        raise NotImplementedError

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    @classmethod
    def card_annotations(cls) -> dict:
        """What cards load in place of a long field (see `not_on_cards`)."""
        return {}

    def translated_texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.translated_fields}

    @property
    def is_original(self) -> bool:
        return self.language == self.publication.original_language

    def follow_original(self) -> bool:
        """Record that this translation is made from its publication's original
        as it is now; False (nothing recorded) for the original itself."""
        original = self.publication.version(self.publication.original_language)
        if original is None or original.language == self.language:
            return False
        self.follow(original)
        return True

    def save_imported(self) -> None:
        """Save this version as an import (a Markdown file) wrote it. A
        translation whose texts the file changed is taken to be made from the
        original as it is now, as a new one is: importing a refreshed
        translation clears its "outdated" flag, importing the same file
        again changes nothing."""
        replacing, revision = self.pk is not None, self.revision
        self.save()
        if replacing and self.revision != revision and self.follow_original():
            type(self)._default_manager.filter(pk=self.pk).update(
                source_revision=self.source_revision, source_texts=self.source_texts
            )

    def follow(self, original: "LanguageVersion") -> None:
        """Record that this translation is up to date with the original as it is now."""
        self.source_revision = original.revision
        self.source_texts = original.translated_texts()

    def outdated_against(self, original: "LanguageVersion | None") -> bool:
        return original is not None and original.pk != self.pk and self.source_revision < original.revision

    @property
    def outdated_original(self) -> "LanguageVersion | None":
        """The original, when this translation was made from an older revision of it (uses the prefetched versions)."""
        publication = self.publication
        original = publication.version(publication.original_language)
        return original if not self.is_original and self.outdated_against(original) else None

    @property
    def open_graph_locale(self) -> str:
        return open_graph_locale(self.language)

    @property
    def language_name(self) -> str:
        """The version's language named in itself ("العربية", "español"), for version lists."""
        return native_name(self.language)


def _unindex_deleted_version(sender, instance, **kwargs) -> None:
    unindex_version(instance)


class SearchedVersion(LanguageVersion):
    """A language version the site's search finds (tracts, articles, events:
    `INDEXED_MODELS`), kept in the search index on save and delete.

    On PostgreSQL it stores its text search configuration and the vectors
    built with it (GIN-indexed by migrations). Pages are not searched: they
    have the plain text (`search_text`, for their descriptions) but not these
    columns, which would be computed on every save and never read. See
    publishing/search/.
    """

    search_config = models.CharField(max_length=40, default="simple", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    search_title_vector = SearchVectorField(null=True, editable=False)  # the title alone

    not_on_cards = (*LanguageVersion.not_on_cards, "search_vector", "search_title_vector")

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # Deleted versions (cascades included) leave the search index.
        post_delete.connect(_unindex_deleted_version, sender=cls, weak=False)

    def save(self, *args, **kwargs) -> None:
        self.search_config = config_for(self.language)
        super().save(*args, **kwargs)
        index_version(self)


class PrintedVersion(SearchedVersion):
    """A searched language version that is also printed: tracts, articles
    and events have PDFs."""

    # The fingerprints of the version's current PDFs (format → fingerprint),
    # so that its stable PDF addresses cost one lookup, and the render
    # environment they were computed in; an edit replaces the environment
    # with a one-off "stale" token (see keep_pdf_fingerprints).
    pdf_fingerprints = models.JSONField(default=dict, editable=False)
    pdf_environment = models.CharField(max_length=40, default="", editable=False)

    not_on_cards = (*SearchedVersion.not_on_cards, "pdf_fingerprints")

    # The dotted path of the app's hook for this kind's PDFs
    # (a `publishing.pdf.store.PublicationPDFs`).
    pdf_hook: str = ""
    # The fields of the version and of its publication that are printed: the
    # kept fingerprints hold a digest of them, so that a change made without
    # save() (a queryset update, a data migration) still outdates them.
    printed_fields: tuple[str, ...] = ()
    publication_printed_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        publication = self.publication if self.pk else None
        stored_before = publication.kept_pdf_fingerprints() if publication else set()
        self.pdf_environment = stale_pdf_token()
        super().save(*args, **kwargs)
        if publication:
            # The files of the text as it was stop being served now (their
            # fingerprints are no longer current) and go after a grace.
            schedule_outdated_pdf_cleanup(publication, stored_before)

    def pdf_environment_now(self) -> str:
        """What the kept fingerprints are valid for: the render environment
        and the printed fields as they are on this row and its publication's."""
        publication = self.publication
        digest = hashlib.sha256()
        for value in [getattr(self, name) for name in self.printed_fields] + [
            getattr(publication, name) for name in self.publication_printed_fields
        ]:
            digest.update(str(value).encode())
            digest.update(b"\x00")
        return f"{pdf.render_environment()}-{digest.hexdigest()[:16]}"

    def current_pdf_fingerprints(self) -> dict[str, str] | None:
        """The kept fingerprints, or None when an edit, a new environment or a
        printed field changed behind the model's back outdated them."""
        if self.pdf_fingerprints and self.pdf_environment == self.pdf_environment_now():
            return self.pdf_fingerprints
        return None

    def keep_pdf_fingerprints(self, fingerprints: dict[str, str]) -> dict[str, str]:
        """Keep freshly computed fingerprints, unless the version changed meanwhile.

        The update only applies if the row still holds the token read with
        this instance: an edit saved during the computation wins.
        """
        environment = self.pdf_environment_now()
        type(self)._default_manager.filter(pk=self.pk, pdf_environment=self.pdf_environment).update(
            pdf_fingerprints=fingerprints, pdf_environment=environment
        )
        self.pdf_fingerprints, self.pdf_environment = fingerprints, environment
        return fingerprints


def delete_pdfs_on_commit(fingerprints: set[str]) -> None:
    """Delete the stored files with these fingerprints once the change is committed."""
    if fingerprints:
        transaction.on_commit(lambda: store.delete_stored(fingerprints))


def schedule_outdated_pdf_cleanup(publication, fingerprints: set[str]) -> None:
    schedule_cleanup_task(publication, fingerprints)


@receiver(pre_delete)
def delete_pdfs_of_deleted_version(sender, instance, **kwargs) -> None:
    """A deleted version's files go once the deletion is committed, with the
    files it shares with the others (a tract's bilingual sheets)."""
    if isinstance(instance, PrintedVersion):
        publication = instance.publication
        versions = publication.versions_in_database()
        others = [version for version in versions if version.pk != instance.pk]
        delete_pdfs_on_commit(publication.kept_pdf_fingerprints(versions) - publication.kept_pdf_fingerprints(others))


def stale_pdf_token() -> str:
    """Marks a version's kept PDF fingerprints out of date; unique, so that a
    computation started before the edit cannot store its result."""
    return f"stale-{uuid.uuid4().hex[:16]}"
