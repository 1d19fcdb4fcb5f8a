"""A visitor and an organiser in a real Chromium (Debian's), against the live server.

Every request the pages make is recorded: all must go to our own server, and a
visitor must end with no cookie. axe-core checks accessibility (WCAG 2.2 AA).
Screenshots of the main pages are kept in test-artifacts/.
"""

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tracts.models import Tract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's
    # database calls from the tests themselves are still synchronous.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield instance
        instance.close()


@pytest.fixture
def demo(live_server, task_queue):
    # The demo's PDF renders stay queued: pages render a PDF when it is asked for.
    for command in ("load_demo_tracts", "load_demo_articles", "load_demo_pages"):
        call_command(command, verbosity=0)
    return live_server


@pytest.fixture
def visitor(browser, demo):
    """A phone-sized page that records every request it makes."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


@pytest.fixture
def auditor(browser, demo):
    """A page that may inject axe-core: our own policy forbids inline scripts, rightly."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_visitor_reads_switches_to_arabic_searches_and_downloads(visitor, demo):
    page = visitor
    page.goto(f"{demo.url}/fr/")
    screenshot(page, "home-fr")
    page.get_by_role("link", name="La machine à soupçonner").first.click()
    assert page.locator("h1").inner_text() == "La machine à soupçonner"
    assert page.locator(".notes li").count() >= 3
    screenshot(page, "article-fr")

    page.locator("nav.languages a[hreflang=ar]").click()
    page.wait_for_url("**/ar/articles/machine-a-soupconner/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".notice").is_visible()  # no Arabic version: the original, said so
    screenshot(page, "article-ar")

    page.goto(f"{demo.url}/ar/articles/apres-la-fuite/")
    assert page.locator("article.longform").get_attribute("dir") == "rtl"
    assert page.locator(".notice").count() == 0  # a real Arabic version
    screenshot(page, "article-ar-translated")

    page.goto(f"{demo.url}/fr/search/")
    page.get_by_role("searchbox").fill("algorithme")
    page.get_by_role("button", name="Rechercher").click()
    assert page.locator(".search-results li").count() >= 1
    assert page.locator(".search-results mark").count() >= 1

    page.goto(f"{demo.url}/fr/tracts/non-au-score/")
    screenshot(page, "tract-fr")
    with page.expect_download() as download_info:
        page.locator("a.pdf-link").first.click()
    download = download_info.value
    assert download.suggested_filename == "non-au-score-fr-a5.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    assert page.context.cookies() == []
    foreign = [url for url in page.requests if not url.startswith((demo.url, "data:"))]
    assert foreign == []


def test_organiser_writes_and_publishes_a_tract(browser, demo):
    get_user_model().objects.create_user(
        "organiser", password="une-phrase-de-passe-longue", is_staff=True, is_superuser=True
    )
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo.url}/admin/login/")
    page.fill("#id_username", "organiser")
    page.fill("#id_password", "une-phrase-de-passe-longue")
    page.locator("input[type=submit]").click()
    page.goto(f"{demo.url}/admin/tracts/tract/add/")
    page.fill("#id_slug", "greve-des-controles")
    page.select_option("#id_status", "published")
    page.select_option("#id_versions-0-language", "fr")
    page.fill("#id_versions-0-title", "Grève des contrôles")
    editor = page.locator("#versions-0 .ProseMirror:visible").first
    editor.click()
    page.keyboard.type("Nous refusons les contrôles automatisés. Rendez-vous mardi.")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/tracts/tract/")
    assert Tract.objects.get(slug="greve-des-controles").is_public

    page.goto(f"{demo.url}/fr/tracts/")
    page.get_by_role("link", name="Grève des contrôles").click()
    assert "Nous refusons les contrôles automatisés." in page.locator(".tract .body").inner_text()
    context.close()


PAGES = [
    "/{lang}/",
    "/{lang}/tracts/",
    "/{lang}/tracts/non-au-score/",
    "/{lang}/articles/machine-a-soupconner/",
    "/{lang}/themes/algorithmes/",
    "/{lang}/search/?q=algorithme",
    "/{lang}/page-qui-n-existe-pas/",
]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by `npm ci` (make setup)")
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_no_accessibility_violation(auditor, demo, language):
    page = auditor
    report = {}
    for path in PAGES:
        page.goto(demo.url + path.format(lang=language))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        )
        violations = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]
        ]
        if violations:
            report[path] = violations
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
