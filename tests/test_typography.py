"""French spacing in print: a guillemet never alone at the end or start of a line."""

from publishing import pdf
from publishing.typography import french_spacing_of_html
from tracts.printing import PRINT_FORMATS, leaflet_html

QUOTED = "<p>Le directeur a dit « nous ne fermons rien » et puis ? Voilà : fermé ; trois fois !</p>"


def test_french_spacing_replaces_plain_spaces_in_text_only():
    document = (
        '<html><head><style>@page :first { margin: 0 }</style></head><body class="a5">'
        '<p title="a : b">« <em>mot</em> » et quoi ? Voilà : <a href="/?q=a">lien</a> ![image](x)</p></body></html>'
    )
    assert french_spacing_of_html(document) == (
        '<html><head><style>@page :first { margin: 0 }</style></head><body class="a5">'
        '<p title="a : b">«\u00a0<em>mot</em>\u00a0» et quoi\u202f? Voilà\u00a0: <a href="/?q=a">lien</a>'
        " ![image](x)</p></body></html>"
    )


def test_a_french_leaflet_is_spaced_and_an_english_one_left_alone(make_tract):
    texts = {"title": "« Non » au score ?", "subtitle": "Lisez : c’est à vous", "body": QUOTED}
    tract = make_tract("guillemets", {"fr": texts, "en": texts})
    french, english = (leaflet_html(tract.version(language), PRINT_FORMATS["a5"].size) for language in ("fr", "en"))
    assert "«\u00a0nous ne fermons rien\u00a0»" in french and "puis\u202f? Voilà\u00a0: fermé\u202f;" in french
    assert "<h1>«\u00a0Non\u00a0» au score\u202f?</h1>" in french and "Lisez\u00a0: c’est" in french
    assert "« nous ne fermons rien »" in english and "\u00a0" not in english.split("<body", 1)[1]


def lines_of(html: str, width_em: float) -> list[str]:
    document = pdf.lay_out(
        f'<html><head><style>body {{ font: 12pt "Noto Serif"; width: {width_em}em }}</style>'
        f'<link rel="stylesheet" href="/static/print/fonts.css"></head><body>{html}</body></html>'
    )
    found: list[str] = []

    def walk(box) -> None:
        if type(box).__name__ == "LineBox":
            found.append("".join(text.text for text in box.descendants() if type(text).__name__ == "TextBox"))
        else:
            for child in getattr(box, "children", []):
                walk(child)

    walk(document.pages[0]._page_box)
    return found


def test_french_spacing_keeps_guillemets_with_their_words_on_paper():
    widths = [5 + step / 4 for step in range(17)]  # 5 to 9 em: every way the line can fall

    def orphans(html: str) -> list[str]:
        lines = [line for width in widths for line in lines_of(html, width)]
        return [line for line in lines if line.endswith("«") or line.startswith("»")]

    assert orphans(QUOTED), "Pango breaks after the plain space of « (else this test proves nothing)"
    assert orphans(french_spacing_of_html(QUOTED)) == []


def test_a_french_page_is_spaced_and_its_length_said_again(client, make_tract):
    make_tract("guillemets", {"fr": {"title": "« Non » au score", "body": QUOTED}, "en": {"body": QUOTED}})
    french = client.get("/fr/tracts/guillemets/")
    html = french.content.decode()
    assert "«\u00a0nous ne fermons rien\u00a0»" in html and "<h1>«\u00a0Non\u00a0» au score</h1>" in html
    assert french.get("Content-Length") in (None, str(len(french.content)))
    english = client.get("/en/tracts/guillemets/").content.decode()
    assert "« nous ne fermons rien »" in english


def test_what_organisers_typed_is_not_spaced_in_the_admin(admin_client, make_tract):
    tract = make_tract("guillemets", {"fr": {"body": QUOTED}})
    html = admin_client.get(f"/admin/tracts/tract/{tract.pk}/change/", headers={"Accept-Language": "fr"})
    assert "« nous ne fermons rien »" in html.content.decode()
    assert tract.version("fr").body == QUOTED


def test_french_feeds_and_letters_are_spaced_as_pages_are(client, make_tract):
    from newsletter.mail import render_letter
    from newsletter.models import Letter, LetterVersion

    make_tract("guillemets", {"fr": {"title": "« Non » au score", "subtitle": "Pourquoi ?"}, "en": {"title": "« No »"}})
    french_feed = client.get("/fr/tracts/feed.rss").content.decode()
    assert "<title>«\u00a0Non\u00a0» au score</title>" in french_feed and "Pourquoi\u202f?" in french_feed
    assert "<title>« No »</title>" in client.get("/en/tracts/feed.rss").content.decode()

    letter = Letter.objects.create()
    version = LetterVersion.objects.create(letter=letter, language="fr", subject="Quoi ? Tout", body=QUOTED)
    rendered = render_letter(version, "fr", fallback=False)
    assert rendered.subject == "Quoi\u202f? Tout"
    quoted = "«\u00a0nous ne fermons rien\u00a0»"
    assert quoted in rendered.html and quoted in rendered.text
