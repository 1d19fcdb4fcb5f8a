"""Moving in and out: everything that brings content into the site or takes it out.

Commands (names, options and output are a documented interface people
script; keep them):

    import_wordpress   a WordPress export (WXR)         moving/wordpress.py, wxr.py
    export_site        the whole site as files          moving/site.py, folders.py
    import_site        such a folder read back          moving/site.py, folders.py
    import_tract       one Markdown file                moving/adapter.py (import_markdown)
    import_article     one Markdown file                moving/adapter.py (import_markdown)
    import_pdfs        a folder of printed tracts       moving/archive.py, kinds/tracts.py

Shared pieces: `markdown.py` (front matter, Markdown to HTML and back),
`pictures.py` (`![description](photo.jpg)` brought in), `paths.py` (a path
written in a file never leads out of its folder).

One adapter per kind
--------------------
Each kind that moves has one adapter, an instance listed in
`moving.kinds.ADAPTERS` (order matters: an import reads the kinds in that
order, and a WordPress item goes to the first adapter that takes it). The
commands loop over that list; nothing branches on a kind's name. The
interface (`moving.adapter.Adapter`), every method optional:

    name, folder            "tract", "tracts": the report's word, the export's folder (or YAML file) and count
    export(site)            write the kind into the exported folder (`ExportFolder`: write_yaml, copy_picture…)
    read(site)              read it back (`ImportFolder`: read_yaml, validated, reading(file)…)
    link(site)              what needs every kind in first (links, old addresses)
    takes(item, source)     whether a WordPress item becomes one of this kind

A kind of publication (a `Publication` with `LanguageVersion`s) inherits
`PublicationAdapter` instead, which already writes and reads one Markdown
file per language version (`<folder>/<slug>/<language>.md`, pictures
beside it) and imports a single Markdown file; it sets its models and
answers only where it differs (`version_metadata`, `read_version`,
`fill_version`, `wordpress_extras`…).

Adding a kind, e.g. the agenda's events or the newsletter's subscribers:
write one small class in `moving/kinds/<kind>.py` and add its instance to
`ADAPTERS`. For subscribers (not a publication), something like:

    class SubscriberAdapter(Adapter):
        folder = "subscribers"

        def export(self, site):
            site.write_yaml("subscribers.yaml", [{"email": s.email, "language": s.language} for s in ...])

        def read(self, site):
            for entry in site.read_yaml("subscribers.yaml"):
                site.validated(Subscriber(email=entry["email"], ...), site.root / "subscribers.yaml").save()

For events (a publication): `class EventAdapter(PublicationAdapter)` with
`name, folder = "event", "events"`, `model, version_model = Event,
EventVersion`, its fields in `version_metadata()` and back in
`read_version()`, and `takes()` for the WordPress post type of an events
plugin if it should import them. Then test a round trip in
`tests/test_site_export.py`.
"""
