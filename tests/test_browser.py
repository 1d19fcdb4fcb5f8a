"""A visitor and an organiser in a real Chromium (Debian's), against the live server.

Every request the pages make is recorded: all must go to our own server, and a
visitor must end with no cookie. axe-core checks accessibility (WCAG 2.2 AA).
Screenshots of the main pages are kept in test-artifacts/.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from publishing import images
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

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


# The demo's pictures as cleaned by the first test of this process (decoding
# and renditions take a second each; tests/test_images.py tests the cleaning).
DEMO_PICTURES: dict[str, images.CleanImage] = {}


@pytest.fixture
def demo(live_server, task_queue, monkeypatch):
    clean_image = images.clean_image

    def cleaned_once(file) -> images.CleanImage:
        key = hashlib.sha256(images._read_upload(file)).hexdigest()
        if key not in DEMO_PICTURES:
            DEMO_PICTURES[key] = clean_image(file)
        return DEMO_PICTURES[key]

    # The demo's PDF renders stay queued (no worker): a PDF asked for is queued too.
    with monkeypatch.context() as patch:
        patch.setattr(images, "clean_image", cleaned_once)
        for command in ("load_demo_tracts", "load_demo_articles", "load_demo_pages", "load_demo_events"):
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


def log_into_admin(page, url: str, username: str, password: str) -> None:
    """Both steps of a staff login: the password, then a code from an authenticator app."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    app = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator app", confirmed=True
    )
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/second-factor/verify/**")
    code = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift).token()
    page.fill("#id_code", str(code).zfill(app.digits))
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{url}/admin/")


def accept_invitation(page, url: str, username: str, password: str = "une-phrase-de-passe-longue") -> None:
    """A new organiser follows the link an administrator made: a password, then the enrolment page."""
    from accounts.models import Invitation

    token = Invitation.make(get_user_model().objects.get(username=username))
    page.goto(f"{url}/admin/second-factor/invitation/{token}/")
    page.fill("#id_new_password1", password)
    page.fill("#id_new_password2", password)
    page.locator(".submit-row input[type=submit]").click()
    page.wait_for_url("**/admin/second-factor/?next=/admin/")


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
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("article.longform h1").get_attribute("lang") is None  # Arabic, like the page
    assert page.locator(".notice").count() == 0  # a real Arabic version
    screenshot(page, "article-ar-translated")

    page.goto(f"{demo.url}/fr/search/")
    page.get_by_role("searchbox").fill("algorithme")
    page.get_by_role("button", name="Rechercher").click()
    assert page.locator(".search-results li").count() >= 1
    assert page.locator(".search-results mark").count() >= 1

    page.goto(f"{demo.url}/fr/tracts/non-au-score/")
    screenshot(page, "tract-fr")
    # On a phone the main download is on the first screen, under the title.
    button = page.locator("a.download-button").first
    box = button.bounding_box()
    assert button.is_visible() and box["y"] + box["height"] <= 844
    # Not made yet (no worker here): a page says it is being made, and gives
    # the file by itself once the queue has made it.
    button.click()
    assert page.locator("h1").inner_text() == "Ce PDF est en cours de fabrication"
    ensure_tract_pdf(Tract.objects.for_page().get(slug="non-au-score").version("fr"), PRINT_FORMATS["a5"])  # the worker
    # The page reloads itself and the browser shows the PDF.
    page.wait_for_url("**/pdf/*/non-au-score-fr-a5.pdf", timeout=20_000)
    response = page.request.get(page.url)
    assert response.headers["content-disposition"] == 'inline; filename="non-au-score-fr-a5.pdf"'
    assert response.body().startswith(b"%PDF")

    assert page.context.cookies() == []
    # The browser's own PDF viewer loads its parts from inside the browser.
    internal = (demo.url, "data:", "chrome://", "chrome-extension://")
    foreign = [url for url in page.requests if not url.startswith(internal)]
    assert foreign == []


def test_organiser_writes_and_publishes_a_tract(browser, demo):
    get_user_model().objects.create_user(
        "organiser", password="une-phrase-de-passe-longue", is_staff=True, is_superuser=True
    )
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    log_into_admin(page, demo.url, "organiser", "une-phrase-de-passe-longue")
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
    "/{lang}/newsletter/",
    "/{lang}/page-qui-n-existe-pas/",
    "/{lang}/agenda/",
    "/{lang}/agenda/permanence-du-mardi/",
    "/{lang}/agenda/past/",
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
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}, "
            "rules: {'target-size': {enabled: true}}})"  # named: it is off by default in some axe versions
        )
        assert "target-size" in {rule["id"] for rule in result["passes"] + result["violations"]}
        violations = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]
        ]
        if violations:
            report[path] = violations
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)


# Links, buttons and fields outside running text (where WCAG 2.5.8 excepts them)
# smaller than 24 px: axe passes small targets spaced at exactly 24 px, which
# another font rendering pushes under the limit.
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, select, input:not([type=hidden])')]
    .filter(e => !e.closest('.body, .contact, .notes li p, .notice') && e.getClientRects().length)
    .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
    .filter(([html, box]) => box.width < 24 || box.height < 24)
    .map(([html, box]) => `${html} ${Math.round(box.width)}×${Math.round(box.height)}`)"""


@pytest.mark.parametrize("width", [390, 1280])
def test_touch_targets_are_24_px_at_least(browser, demo, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    small = {}
    for language in ("fr", "ar"):
        for path in PAGES:
            page.goto(demo.url + path.format(lang=language))
            if found := page.evaluate(SMALL_TARGETS):
                small[path.format(lang=language)] = found
    context.close()
    assert small == {}, json.dumps(small, indent=1, ensure_ascii=False)


SCREENSHOT_PAGES = {
    "home": "/{lang}/",
    "archive": "/{lang}/tracts/",
    "tract": "/{lang}/tracts/non-au-score/",
    "article": "/{lang}/articles/machine-a-soupconner/",
}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_pages_fit_phones_and_desktops(browser, demo, language):
    """Screenshots at 390 and 1280 px (look at them in test-artifacts/); nothing sticks out sideways."""
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for name, path in SCREENSHOT_PAGES.items():
            page.goto(demo.url + path.format(lang=language))
            screenshot(page, f"{name}-{language}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
        page.goto(demo.url + SCREENSHOT_PAGES["tract"].format(lang=language))
        text, panel = page.locator("article.tract").bounding_box(), page.locator("aside.tract-print").bounding_box()
        if width == 1280:  # two columns: the print panel beside the text, on the reading side's end
            assert abs(text["y"] - panel["y"]) < 80
            assert (panel["x"] > text["x"]) == (language == "fr")
        else:  # one column: the panel after the text
            assert panel["y"] > text["y"]
        page.goto(demo.url + SCREENSHOT_PAGES["article"].format(lang=language))
        text = page.locator("article.longform").bounding_box()
        tools = page.locator("aside.article-tools").bounding_box()
        if width == 1280:  # the contents, download and languages in the margin beside the text
            assert page.locator("nav.contents").is_visible()
            assert abs(text["y"] - tools["y"]) < 80
            assert (tools["x"] > text["x"] + text["width"]) == (language == "fr")
        else:
            assert not page.locator("nav.contents").is_visible()
            assert tools["y"] > text["y"] + text["height"]
        context.close()


def test_the_tract_list_shows_every_column_on_a_1280_px_screen(browser, demo):
    password = "une-phrase-de-passe-longue"
    get_user_model().objects.create_user("liste", password=password, is_staff=True, is_superuser=True)
    for tract in Tract.objects.all():  # the widest flags: every translation outdated
        original = tract.version(tract.original_language)
        original.title += " !"
        original.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_into_admin(page, demo.url, "liste", password)
    page.goto(f"{demo.url}/admin/tracts/tract/")
    screenshot(page, "admin-tract-list-1280")
    assert page.evaluate("(r => r.scrollWidth <= r.clientWidth)(document.querySelector('.results'))")
    column = page.locator("th.column-translation_status").bounding_box()
    results = page.locator(".results").bounding_box()
    assert column["x"] + column["width"] <= results["x"] + results["width"] + 1
    context.close()


def test_a_tract_page_prints_on_one_sheet_without_the_site_tools(browser, demo, tmp_path):
    from pypdf import PdfReader

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo.url}/fr/tracts/non-au-score/")
    page.emulate_media(media="print")
    target = tmp_path / "tract.pdf"
    page.pdf(path=str(target), format="A4", print_background=True)
    context.close()
    reader = PdfReader(target)
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "Non au score" in text
    for tool in ("Rechercher", "Télécharger le tract A5", "Imprimerie", "Lire ce tract en", "English"):
        assert tool not in text, tool


def test_an_edited_original_flags_its_translation_until_it_is_brought_up_to_date(browser, demo):
    get_user_model().objects.create_user(
        "traductrice", password="une-phrase-de-passe-longue", is_staff=True, is_superuser=True
    )
    tract = Tract.objects.get(slug="non-au-score")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    log_into_admin(page, demo.url, "traductrice", "une-phrase-de-passe-longue")
    change_url = f"{demo.url}/admin/tracts/tract/{tract.pk}/change/"
    list_url = f"{demo.url}/admin/tracts/tract/?translations=outdated"
    arabic_page = f"{demo.url}/ar/tracts/non-au-score/"

    def arabic_row_flag() -> str:
        page.goto(f"{demo.url}/admin/tracts/tract/")
        row = page.locator("#result_list tr", has=page.locator(f"a[href$='/tract/{tract.pk}/change/']"))
        return row.locator("td.field-translation_status").inner_text()

    assert "ar ✓" in arabic_row_flag()

    # The French original gets a new sentence.
    page.goto(change_url)
    french = page.locator("#versions-0")
    assert french.locator("select[name=versions-0-language]").input_value() == "fr"
    french.locator(".field-body .ProseMirror:visible > :last-child").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Nouveau rendez-vous jeudi devant la CAF.")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()

    # Flagged in the list (the English version too), and found by the filter.
    assert "ar ⚠" in arabic_row_flag()
    page.goto(list_url)
    assert page.locator("#result_list tbody tr").count() == 1
    screenshot(page, "admin-tract-list-outdated-fr")

    # Side by side on the change page: the original now, the new sentence marked.
    page.goto(change_url)
    arabic = page.locator(".inline-related", has=page.locator("select[name$=language] >> option[selected][value=ar]"))
    panel = arabic.locator("div.translation-outdated")
    assert panel.is_visible()
    # Marked as added, alone or within the paragraph it was typed into (where
    # the editor's cursor lands after Control+End can vary).
    assert any("Nouveau rendez-vous jeudi devant la CAF." in text for text in panel.locator("ins").all_inner_texts())
    panel_box = panel.bounding_box()
    editor_box = arabic.locator(".field-body .ProseMirror:visible").first.bounding_box()
    assert panel_box["x"] + panel_box["width"] <= editor_box["x"] + 1  # beside it, not above
    arabic.scroll_into_view_if_needed()
    screenshot(page, "admin-translation-outdated-fr")

    # Told to visitors of the Arabic page, in Arabic, with a link to the original.
    visitor = context.new_page()
    visitor.goto(arabic_page)
    notice = visitor.locator(".notice.outdated-translation")
    assert notice.is_visible()
    assert "الفرنسية" in notice.inner_text()
    assert notice.locator("a").get_attribute("href") == "/fr/tracts/non-au-score/"
    screenshot(visitor, "tract-ar-outdated")

    # The translator carries the change over and says so.
    arabic.locator(".field-body .ProseMirror:visible > :last-child").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("موعد جديد يوم الخميس أمام صندوق الإعانات العائلية.")
    arabic.locator("input[name$=up_to_date]").check()
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()

    assert arabic.locator("div.translation-outdated").count() == 0
    assert arabic.locator(".translation-current").is_visible()
    assert "ar ✓" in arabic_row_flag()
    visitor.goto(arabic_page)
    assert visitor.locator(".notice.outdated-translation").count() == 0
    assert "موعد جديد يوم الخميس" in visitor.locator(".tract .body").inner_text()
    context.close()


def test_staff_enrol_a_passkey_then_log_in_with_it(browser, demo, settings):
    """Chromium's virtual authenticator stands in for a phone or a security key."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [demo.url]
    get_user_model().objects.create_user("nouvelle", password="une-phrase-de-passe-longue", is_staff=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    # The invitation an administrator made: a password, then the enrolment page.
    accept_invitation(page, demo.url, "nouvelle")
    screenshot(page, "admin-2fa-enrol-fr")
    page.goto(f"{demo.url}/admin/tracts/tract/")
    page.wait_for_url("**/admin/second-factor/**")

    page.get_by_role("button", name="Ajouter une clé d’accès").click()
    page.wait_for_selector("text=Vos seconds facteurs")  # the page reloads once the passkey is saved
    page.get_by_role("button", name="Créer de nouveaux codes de secours").click()
    page.wait_for_url("**/recovery-codes/")
    assert page.locator(".recovery-codes code").count() == 10
    screenshot(page, "admin-2fa-recovery-codes-fr")

    context.clear_cookies()
    page.goto(f"{demo.url}/admin/login/")
    page.fill("#id_username", "nouvelle")
    page.fill("#id_password", "une-phrase-de-passe-longue")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/second-factor/verify/**")
    screenshot(page, "admin-2fa-verify-fr")
    page.get_by_role("button", name="Utiliser ma clé d’accès").click()
    page.wait_for_url(f"{demo.url}/admin/")
    assert errors == []
    context.close()


def test_second_factor_screens_in_arabic(browser, demo):
    user = get_user_model().objects.create_user("jadida", is_staff=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ar")
    page = context.new_page()
    accept_invitation(page, demo.url, "jadida")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("svg").first.is_visible()  # the QR code
    screenshot(page, "admin-2fa-enrol-ar")

    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).update(confirmed=True)
    context.clear_cookies()
    page.goto(f"{demo.url}/admin/login/")
    page.fill("#id_username", "jadida")
    page.fill("#id_password", "une-phrase-de-passe-longue")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/second-factor/verify/**")
    page.fill("#id_code", "000000")
    page.locator("input[type=submit]").click()
    assert page.locator(".errorlist").is_visible()
    screenshot(page, "admin-2fa-verify-ar")
    context.close()


def organiser_page(browser, demo, locale: str = "fr-FR"):
    """A logged-in member of the Organiser group (not a superuser)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    # Browser tests empty the database after each test, the group too: make it again.
    importlib.import_module("publishing.migrations.0005_organiser_group").create_organiser_group(apps, None)
    user, _created = get_user_model().objects.get_or_create(username="militante", defaults={"is_staff": True})
    user.set_password("une-phrase-de-passe-longue")
    user.save()
    user.groups.add(Group.objects.get(name="Organiser"))
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale=locale)
    page = context.new_page()
    log_into_admin(page, demo.url, "militante", "une-phrase-de-passe-longue")
    return page


def test_organiser_writes_an_article_with_a_photo_and_a_note(browser, demo, tmp_path):
    import io

    from PIL import Image as PillowImage
    from playwright.sync_api import expect

    from articles.models import Article
    from tests.conftest import jpeg_with_gps

    photo = tmp_path / "IMG_20261120.jpg"
    photo.write_bytes(jpeg_with_gps())
    page = organiser_page(browser, demo)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{demo.url}/admin/articles/article/add/")
    page.fill("#id_versions-0-title", "Devant la CAF, le 20 novembre")
    expect(page.locator("#id_slug")).to_have_value("devant-la-caf-le-20-novembre")
    page.select_option("#id_status", "published")

    body = page.locator("#versions-0 .field-body .ProseMirror:visible").first
    body.click()
    page.keyboard.type("Nous étions nombreuses devant la caisse.")
    assert "6 mots" in page.locator("#versions-0 .field-body .collectif-editor-words").inner_text()

    # The picture: uploaded from the editor's own dialog, then inserted with its caption.
    page.locator("#versions-0 .field-body button[title='Insérer une image']").click()
    dialog = page.locator("dialog.collectif-picker")
    assert dialog.is_visible()
    dialog.locator("input[type=file]").set_input_files(str(photo))
    dialog.get_by_label("Description pour qui ne peut pas la voir").fill("Une banderole devant la CAF")
    dialog.get_by_label("Légende").fill("Le 20 novembre, devant la CAF.")
    screenshot(page, "editor-picker-fr")
    # "Insert" uploads the chosen file first (through the same checks as "Images").
    dialog.get_by_role("button", name="Insérer", exact=True).click()
    body.locator("figure img").wait_for()
    assert body.locator("figure img").get_attribute("src").startswith("/media/images/")
    # Enter after the caption leaves the figure.
    body.locator("figcaption").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Nous reviendrons.")
    assert "Nous reviendrons." not in body.locator("figcaption").inner_text()

    # A note: called where the cursor is, its text at the end of the notes.
    page.locator("#versions-0 .field-body button[title='Ajouter une note']").click()
    page.locator("dialog.collectif-note textarea").fill("Chiffres de la caisse, novembre 2026.")
    page.locator("dialog.collectif-note").get_by_role("button", name="Ajouter la note").click()
    assert "[^1]" in body.inner_text()
    assert "Chiffres de la caisse" in page.locator("#versions-0 .field-notes .ProseMirror:visible").inner_text()
    screenshot(page, "editor-fr")

    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/articles/article/")
    article = Article.objects.get(slug="devant-la-caf-le-20-novembre")
    assert article.is_public

    page.goto(f"{demo.url}/fr/articles/{article.slug}/")
    figure = page.locator("article figure").first
    assert figure.locator("figcaption").inner_text() == "Le 20 novembre, devant la CAF."
    source = figure.locator("img").get_attribute("src")
    picture = PillowImage.open(io.BytesIO(page.request.get(demo.url + source).body()))
    assert not picture.getexif()  # no GPS, no camera
    page.locator("sup.note-ref a").first.click()
    assert page.evaluate("location.hash") == "#note-1"
    assert "Chiffres de la caisse" in page.locator("#note-1").inner_text()
    page.locator("#note-1 a[href='#note-ref-1']").click()
    assert page.evaluate("location.hash") == "#note-ref-1"
    assert errors == []
    page.context.close()


def test_editor_and_picker_in_arabic(browser, demo):
    page = organiser_page(browser, demo, locale="ar")
    page.goto(f"{demo.url}/admin/tracts/tract/add/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    editor = page.locator("#versions-0 .ProseMirror:visible").first
    editor.click()
    page.keyboard.type("نرفض المراقبة الآلية.")
    page.locator("#versions-0 .collectif-editor-pages").filter(has_text="A5").wait_for()
    assert editor.get_attribute("spellcheck") == "true"
    assert page.locator("#versions-0 button[title='عريض']").count() == 1  # "bold", translated
    screenshot(page, "editor-tract-ar")

    page.goto(f"{demo.url}/admin/articles/article/add/")
    page.locator("#versions-0 .field-body button[title='إدراج صورة']").click()
    page.locator("dialog.collectif-picker .collectif-picker-grid li").first.wait_for()
    screenshot(page, "editor-picker-ar")
    page.context.close()


# Where each guillemet of a paragraph falls: with the first or last word it
# encloses, or alone at the end or start of a line.
GUILLEMET_ORPHANS = """(width) => {
  const paragraph = [...document.querySelectorAll(".body p")].find((p) => p.textContent.includes("«"));
  paragraph.style.width = width + "px";
  const text = paragraph.firstChild, content = text.textContent, orphans = [];
  const top = (index) => {
    const range = document.createRange();
    range.setStart(text, index);
    range.setEnd(text, index + 1);
    return range.getClientRects()[0].top;
  };
  for (let index = 0; index < content.length; index++) {
    const step = content[index] === "«" ? 1 : content[index] === "»" ? -1 : 0;
    if (!step) continue;
    let word = index + step;
    while (/\\s/.test(content[word])) word += step;
    if (top(index) !== top(word)) orphans.push(`${content[index]} at ${width} px`);
  }
  return orphans;
}"""


def test_a_guillemet_stays_with_its_word_on_a_phone(browser, live_server, make_tract):
    """Chromium breaks a line after the plain space of "« ": French pages get no-break spaces there."""
    body = "<p>Le directeur a dit « nous ne fermons rien » et puis « plus tard » encore, voilà tout.</p>"
    make_tract("guillemets", {"fr": {"body": body}})
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/fr/tracts/guillemets/")
    assert page.locator(".body p", has_text="«").count() == 1  # the paragraph looked at
    assert [orphan for width in range(60, 240, 4) for orphan in page.evaluate(GUILLEMET_ORPHANS, width)] == []
    page.close()
