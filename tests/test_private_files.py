"""What visitors may not have (drafts' PDFs and first-page pictures, previews,
staff-only notes) goes only to staff sessions that passed the second factor;
strangers cannot tell a draft or a withdrawn publication from nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import NoReverseMatch
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.printing import current_fingerprint as article_fingerprint
from articles.printing import ensure_article_pdf
from publishing.pdf import store
from tracts.archive import store_archived_pdf
from tracts.models import Tract
from tracts.printing import PRINT_FORMATS, ensure_tract_pdf, pdf_fingerprints

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-organiser-passphrase"
SECRET = "Texte secret du brouillon"
FILE_ADDRESS = re.compile(r"/pdf/(?P<fingerprint>[0-9a-f]{20})/(?P<stem>[-\w]+)\.pdf")


@pytest.fixture
def drafts(make_tract, make_article):
    """A draft tract (both languages rendered, its bilingual sheet, an archived PDF) and a draft article."""
    tract = make_tract(
        "brouillon-secret",
        {"fr": {"title": "Titre secret", "body": f"<p>{SECRET}</p>"}, "en": {"title": "Secret title"}},
        status=Tract.Status.DRAFT,
    )
    for version in tract.all_versions():
        ensure_tract_pdf(version, PRINT_FORMATS["a5"])
    sheet = ensure_tract_pdf(tract.version("fr"), PRINT_FORMATS["a5"], tract.version("en"))
    with default_storage.open(sheet.storage_name, "rb") as printed:
        store_archived_pdf(tract, printed.read())  # as if printed before the site: its own files
    tract.save()
    article = make_article("analyse-secrete", {"fr": {"body": f"<p>{SECRET}</p>"}}, status=Tract.Status.DRAFT)
    ensure_article_pdf(article.versions.get())
    return tract, article


def private_fingerprints(tract, article) -> set[str]:
    return {fp for v in tract.all_versions() for fp in pdf_fingerprints(v).values()} | {
        article_fingerprint(article.versions.get())
    }


def password_only_client() -> Client:
    """Staff with an authenticator app, logged in with the password and never past the second step."""
    user = get_user_model().objects.create_user("organiser", password=PASSWORD, is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("admin:login"), {"username": "organiser", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert client.get("/admin/")["Location"].startswith(reverse("second_factor_verify"))
    return client


def routes(resolver=None, namespace: str = "", converters: dict | None = None):
    """Every named URL pattern of the site, with its namespace and the converters of its arguments."""
    resolver = resolver or get_resolver()
    converters = {**(converters or {}), **getattr(resolver.pattern, "converters", {})}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern, inner, converters)
        elif isinstance(pattern, URLPattern) and pattern.name:
            own = dict(getattr(pattern.pattern, "converters", {}))
            own.update({name: None for name in pattern.pattern.regex.groupindex if name not in own})
            yield f"{namespace}{pattern.name}", converters | own


def sample_addresses(tract, article) -> list[tuple[str, str]]:
    """(route name, address) for every named route, with arguments naming the drafts."""
    tract_a5 = pdf_fingerprints(tract.version("fr"))["a5"]
    samples = [
        {"slug": tract.slug, "stem": "brouillon-secret-fr-a5", "fingerprint": tract_a5, "pk": tract.pk},
        {"slug": tract.slug, "stem": "brouillon-secret-fr-en-a5", "fingerprint": tract_a5, "pk": tract.pk},
        {
            "slug": article.slug,
            "stem": "analyse-secrete-fr",
            "fingerprint": article_fingerprint(article.versions.get()),
            "pk": article.pk,
        },
    ]
    common = {"language": "fr", "print_format": "a5", "section": "tracts", "app_label": "tracts"}
    addresses = []
    for name, converters in routes():
        for sample in samples:
            values = common | sample | {"object_id": sample["pk"], "content_type_id": sample["pk"]}
            kwargs = {
                key: values.get(key, values["pk"] if isinstance(converter, IntConverter) else "fr")
                for key, converter in converters.items()
            }
            try:
                addresses.append((name, reverse(name, kwargs=kwargs)))
            except NoReverseMatch:
                continue
    return sorted(set(addresses))


def leaks(client: Client, addresses: list[tuple[str, str]], secrets: set[str]) -> set[str]:
    """The routes whose answer holds something of the drafts: text, file, or a fingerprint not asked for."""
    found = set()
    for name, address in addresses:
        response = client.get(address)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        told = body + response.get("Location", "").encode() + response.get("X-Accel-Redirect", "").encode()
        if (
            SECRET.encode() in body
            or b"Titre secret" in body
            or body.startswith((b"%PDF", b"RIFF"))
            or response.has_header("X-Accel-Redirect")
            or any(secret.encode() in told for secret in secrets if secret not in address)
        ):
            found.add(name)
    return found


def test_a_password_alone_gets_nothing_private_from_any_address_of_the_site(drafts, admin_client):
    tract, article = drafts
    addresses = sample_addresses(tract, article)
    named = {name for name, _address in addresses}
    assert {"pdf_file", "first_page_picture", "tracts:pdf", "admin:tracts_tract_preview_pdf"} <= named
    secrets = private_fingerprints(tract, article)

    assert leaks(password_only_client(), addresses, secrets) == set()
    assert leaks(Client(raise_request_exception=False), addresses, secrets) == set()
    # The same walk sees the drafts with a session past the second step: it looks where they are.
    seen = leaks(admin_client, addresses, secrets)
    assert {
        "pdf_file",
        "first_page_picture",
        "tracts:archived_pdf",
        "tracts:archived_preview",
        "admin:tracts_tract_preview_pdf",
        "admin:tracts_tract_preview",
    } <= seen


def test_a_stranger_gets_the_same_404_for_a_draft_a_withdrawn_and_a_missing_publication(
    client, make_tract, drafts, django_capture_on_commit_callbacks
):
    tract, _article = drafts
    draft_a5 = pdf_fingerprints(tract.version("fr"))["a5"]
    withdrawn = make_tract("retire", {"fr": {}})
    address = client.get("/fr/tracts/retire/a5.pdf")["Location"]
    withdrawn_a5 = FILE_ADDRESS.fullmatch(address)["fingerprint"]
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.status = Tract.Status.DRAFT
        withdrawn.save()

    answers = {}
    for kind, fingerprint, slug in (
        ("draft", draft_a5, "brouillon-secret"),
        ("withdrawn", withdrawn_a5, "retire"),
        ("missing", "0123456789abcdef0123", "nexiste-pas"),
    ):
        for address in (
            f"/pdf/{fingerprint}/{slug}-fr-a5.pdf",
            f"/pdf/{'f' * 20}/{slug}-fr-a5.pdf",  # a wrong fingerprint: no redirect to the current one
            f"/pdf/{fingerprint}/{slug}-fr-en-a5.pdf",
            f"/pdf/{fingerprint}/{slug}-fr-a5.webp",
            f"/fr/tracts/{slug}/a5.pdf",
            f"/fr/tracts/{slug}/a5.pdf?verso=en",
        ):
            response = client.get(address)
            assert response.status_code == 404, (kind, address)
            # The page names its own address (language links); nothing else may differ.
            body = response.content.decode().replace(slug, "*").replace(fingerprint, "#")
            answers.setdefault(address.replace(slug, "*").replace(fingerprint, "#"), set()).add(body)
    assert all(len(bodies) == 1 for bodies in answers.values()), answers.keys()


def test_first_page_pictures_are_served_by_the_site_under_the_pdfs_rule(client, admin_client, make_tract, settings):
    make_tract("public", {"fr": {"title": "Public"}})
    ensure_tract_pdf(Tract.objects.get().version("fr"), PRINT_FORMATS["a5"])
    page = client.get("/fr/tracts/public/").content.decode()
    picture = re.search(r'class="first-page large" src="(/pdf/([0-9a-f]{20})/public-fr-a5\.webp)"', page)
    assert picture, "the page shows the picture from the site's address"
    address, fingerprint = picture.groups()
    # Kept beside the PDF, where nginx never serves files straight from the media folder.
    assert store.first_page_picture_name(fingerprint).startswith(f"{store.PDF_FOLDER}/")

    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content).startswith(b"RIFF")

    settings.PDF_ACCEL_REDIRECT = "/_stored-pdfs/"
    response = client.get(address)
    assert response["X-Accel-Redirect"] == f"/_stored-pdfs/{fingerprint[:2]}/{fingerprint}.webp"

    draft = make_tract("brouillon", {"fr": {}}, status=Tract.Status.DRAFT)
    draft_a5 = ensure_tract_pdf(draft.version("fr"), PRINT_FORMATS["a5"]).fingerprint
    draft_picture = f"/pdf/{draft_a5}/brouillon-fr-a5.webp"
    assert client.get(draft_picture).status_code == 404
    assert password_only_client().get(draft_picture).status_code == 404
    response = admin_client.get(draft_picture)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    # The admin's preview of the draft shows it from there too.
    preview = admin_client.get(reverse("admin:tracts_tract_preview", args=[draft.pk, "fr"])).content.decode()
    assert draft_picture in preview


def test_staff_only_notes_on_a_public_page_need_the_second_factor(client, admin_client, make_tract, monkeypatch):
    from tracts import views as tract_views
    from tracts.printing import Overflow

    tract = make_tract("long")
    monkeypatch.setattr(
        tract_views, "recorded_overflows", lambda versions: [Overflow(tract.version("fr"), "a5", 3, 40)]
    )
    note = "Cut about 40 words"
    assert note in admin_client.get("/en/tracts/long/").content.decode()
    assert note not in password_only_client().get("/en/tracts/long/").content.decode()
