"""A kind added with one adapter moves in and out with the rest (the events and subscribers to come)."""

import io

import pytest
from django.core.management import call_command

from moving.adapter import Adapter, WordPressSource
from moving.folders import ExportFolder, ImportFolder
from moving.kinds import ADAPTERS
from moving.kinds.pages import PageAdapter
from moving.wxr import WXRItem
from publishing.models import Theme
from website.models import Page

pytestmark = pytest.mark.django_db

# One item of a post type nothing here takes ("tribe_events", The Events Calendar's).
EVENT_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Collectif</title><link>https://collectif.example</link><language>fr-FR</language>
  <wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://collectif.example</wp:base_blog_url>
  <item>
    <title>Réunion publique</title><link>https://collectif.example/event/reunion/</link>
    <dc:creator>admin</dc:creator><guid>https://collectif.example/?p=7</guid>
    <content:encoded><![CDATA[Salle des fêtes, jeudi à 18 h.]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>7</wp:post_id><wp:post_date>2024-03-01 10:00:00</wp:post_date>
    <wp:post_date_gmt>2024-03-01 09:00:00</wp:post_date_gmt><wp:post_name>reunion</wp:post_name>
    <wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>tribe_events</wp:post_type>
  </item>
</channel>
</rss>
"""


class EventsAsPages(PageAdapter):
    """A stand-in for an events adapter: the plugin's events taken, as pages."""

    name = "event"

    def takes(self, item: WXRItem, source: WordPressSource) -> bool:
        return item.post_type == "tribe_events"


class Recorder(Adapter):
    """A stand-in for a subscribers adapter: one YAML file, and what it saw when."""

    folder = "recorded"

    def __init__(self) -> None:
        self.seen: list = []

    def export(self, site: ExportFolder) -> None:
        site.write_yaml("recorded.yaml", [{"themes": Theme.objects.count()}])

    def read(self, site: ImportFolder) -> None:
        self.seen.append(("read", site.read_yaml("recorded.yaml"), Theme.objects.count()))

    def link(self, site: ImportFolder) -> None:
        self.seen.append(("link",))


def import_events(tmp_path) -> list[str]:
    export = tmp_path / "events.xml"
    export.write_text(EVENT_EXPORT, encoding="utf-8")
    out = io.StringIO()
    call_command("import_wordpress", str(export), "--report", str(tmp_path / "r.txt"), stdout=out)
    return out.getvalue().splitlines()


def test_an_item_no_adapter_takes_is_skipped_by_its_post_type(tmp_path):
    lines = import_events(tmp_path)

    assert "Skipped: 1 tribe_events." in lines
    assert not Page.objects.exists()


def test_an_adapter_that_takes_a_post_type_imports_its_items(tmp_path, monkeypatch):
    monkeypatch.setattr("moving.wordpress.ADAPTERS", [*ADAPTERS, EventsAsPages()])

    lines = import_events(tmp_path)

    assert "Created: 1 event." in lines
    page = Page.objects.get(slug="reunion")
    assert "Salle des fêtes" in page.versions.get(language="fr").body
    assert not page.in_footer  # what its adapter says a new one starts with


def test_an_added_adapter_is_exported_and_read_back_after_the_kinds_before_it(tmp_path, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr("moving.site.ADAPTERS", [*ADAPTERS, recorder])
    Theme.objects.create(name="Logement")
    out = io.StringIO()

    call_command("export_site", str(tmp_path / "site"), stdout=out)
    Theme.objects.all().delete()
    call_command("import_site", str(tmp_path / "site"), stdout=io.StringIO())

    # The commands' output is the same with one more kind.
    assert out.getvalue().startswith(
        "0 tracts, 0 articles, 0 pages, 0 events (0 language versions, 0 pictures and PDFs)"
    )
    assert (tmp_path / "site" / "recorded.yaml").read_text(encoding="utf-8") == "- themes: 1\n"
    # Read after the themes (listed before it), linked once every kind was read.
    assert recorder.seen == [("read", [{"themes": 1}], 1), ("link",)]
