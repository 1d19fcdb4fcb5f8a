"""Keeping the search index in step with the versions, on PostgreSQL (vectors) and SQLite (FTS5)."""

from django.contrib.postgres.search import SearchVector
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.expressions import CombinedExpression

from publishing.html_text import plain_text
from publishing.search.words import FTS_TABLE, INDEXED_MODELS, STEMMERS, config_for, stemmed_text, uses_postgres


def _index_entry(label: str, version) -> tuple | None:
    if label not in INDEXED_MODELS:
        return None
    code, publication_field = INDEXED_MODELS[label]
    return (
        version.pk * 4 + code,
        stemmed_text(version.title, version.language),
        stemmed_text(version.search_text, version.language),
        version.language,
        label,
        getattr(version, publication_field),
        version.pk,
    )


def index_version(version: models.Model) -> None:
    """Bring the search index up to date with a saved version."""
    label = version._meta.label_lower
    if uses_postgres():
        type(version)._default_manager.filter(pk=version.pk).update(
            search_vector=_vector(), search_title_vector=_title_vector()
        )
        return
    entry = _index_entry(label, version)
    if entry:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT OR REPLACE INTO {FTS_TABLE} "  # noqa: S608 (constant table name)
                "(rowid, title, body, language, kind, publication_id, version_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                entry,
            )


def unindex_version(version: models.Model) -> None:
    """Forget a deleted version (SQLite; on PostgreSQL its row is gone with it)."""
    label = version._meta.label_lower
    if uses_postgres() or label not in INDEXED_MODELS:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [version.pk * 4 + INDEXED_MODELS[label][0]])  # noqa: S608


def _vector() -> CombinedExpression:  # a CombinedSearchVector
    return _title_vector() + SearchVector("search_text", config=F("search_config"), weight="B")


def _title_vector() -> SearchVector:
    return SearchVector("title", config=F("search_config"), weight="A")


def rebuild_index(version_models: list[type[models.Model]], using: str = "default") -> int:
    """Rebuild the search data of every version of these models; returns how many.

    Works with migrations' historical models too: it only reads fields.
    """
    from django.db import connections

    db = connections[using]
    total = 0
    for model in version_models:
        label = model._meta.label_lower
        for language in {*STEMMERS, *model._default_manager.using(using).values_list("language", flat=True)}:
            model._default_manager.using(using).filter(language=language).exclude(
                search_config=config_for(language)
            ).update(search_config=config_for(language))
        if db.vendor == "postgresql":
            vectors = {"search_vector": _vector(), "search_title_vector": _title_vector()}
            if not any(f.name == "search_title_vector" for f in model._meta.get_fields()):
                del vectors["search_title_vector"]  # an older migration's model
            total += model._default_manager.using(using).update(**vectors)
            continue
        if db.vendor != "sqlite":
            continue
        with transaction.atomic(using=using), db.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE kind = %s", [label])  # noqa: S608
            batch = []
            for version in model._default_manager.using(using).order_by("pk").iterator(chunk_size=2000):
                entry = _index_entry(label, version)
                if entry is None:  # not a searched model
                    break
                batch.append(entry)
                if len(batch) == 2000:
                    _insert(cursor, batch)
                    batch = []
            _insert(cursor, batch)
            total += model._default_manager.using(using).count()
    return total


def _insert(cursor, entries: list[tuple]) -> None:
    if entries:
        cursor.executemany(
            f"INSERT OR REPLACE INTO {FTS_TABLE} "  # noqa: S608
            "(rowid, title, body, language, kind, publication_id, version_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            entries,
        )


# Searching ----------------------------------------------------------------


def search_index_operation(app_label: str, model_name: str, text_fields: tuple[str, ...]):
    """A migration operation that fills the plain text of existing versions and,
    on PostgreSQL, adds the GIN index on their vectors (kept for the first
    search migrations; a later one fills the index itself)."""
    from django.db import migrations

    table = f"{app_label}_{model_name.lower()}"
    index = f"{table}_search"

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_vector)")
        model = apps.get_model(app_label, model_name)
        for version in model.objects.all():
            version.search_text = plain_text(*(getattr(version, field) for field in text_fields))
            version.save(update_fields=["search_text"])

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")

    return migrations.RunPython(forward, backward)


def rebuild_index_operation(*labels: str):
    """A migration operation that rebuilds the search data of these models ("app.Model")."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        rebuild_index([apps.get_model(label) for label in labels], using=schema_editor.connection.alias)

    return migrations.RunPython(forward, migrations.RunPython.noop)


def title_vector_operation(*labels: str):
    """A migration operation that, on PostgreSQL, GIN-indexes the title vectors
    of these models ("app.Model") and fills them with the rest of their search data."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for label in labels:
            table = apps.get_model(label)._meta.db_table
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_title ON {table} USING gin (search_title_vector)"
            )
        rebuild_index([apps.get_model(label) for label in labels], using=schema_editor.connection.alias)

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for label in labels:
                schema_editor.execute(f"DROP INDEX IF EXISTS {apps.get_model(label)._meta.db_table}_search_title")

    return migrations.RunPython(forward, backward)


def plain_text_operation(label: str, *text_fields: str):
    """A migration operation that makes the plain text of existing versions of
    a model ("app.Model") again from these fields, when `plain_text()` makes
    it differently (the search index holds the same words: no rebuild)."""
    from django.db import migrations

    def forward(apps, schema_editor) -> None:
        objects = apps.get_model(label).objects.using(schema_editor.connection.alias)
        changed = []
        for version in objects.only("search_text", *text_fields).order_by("pk").iterator(chunk_size=1000):
            text = plain_text(*(getattr(version, name) for name in text_fields))
            if text != version.search_text:
                version.search_text = text
                changed.append(version)
            if len(changed) == 1000:  # long texts: a batch at a time in memory
                objects.bulk_update(changed, ["search_text"])
                changed = []
        objects.bulk_update(changed, ["search_text"])

    return migrations.RunPython(forward, migrations.RunPython.noop)
