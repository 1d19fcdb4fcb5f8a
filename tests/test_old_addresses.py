import pytest
from django.core.exceptions import ValidationError

from publishing.models import OldAddress
from publishing.redirects import normalise_path

pytestmark = pytest.mark.django_db


def test_addresses_are_normalised_for_lookup():
    assert normalise_path("https://ancien.example.org/2023/05/contr%C3%B4le/") == "/2023/05/contrôle"
    assert normalise_path("/2023/05/contrôle") == "/2023/05/contrôle"
    assert normalise_path("/?utm_source=x&p=12") == "/?p=12"
    assert normalise_path("/blog/?page_id=3&cat=2") == "/blog?cat=2&page_id=3"
    assert normalise_path("") == "/"


def test_an_address_added_by_hand_redirects(client):
    OldAddress.objects.create(path="/calendrier/", new_path="/fr/pages/contact/")
    response = client.get("/calendrier/")
    assert response.status_code == 301
    assert response["Location"] == "/fr/pages/contact/"


def test_an_address_whose_target_is_gone_gives_the_404_page(client, make_tract):
    tract = make_tract(slug="parti")
    OldAddress.remember(["/ancien-tract/"], tract.versions.get(), "fr")
    assert client.get("/ancien-tract/").status_code == 301
    tract.delete()
    assert client.get("/ancien-tract/").status_code == 404


@pytest.mark.parametrize(
    "path, new_path, field",
    [
        ("/x/", "https://evil.example.com/", "new_path"),
        ("/x/", "//evil.example.com/", "new_path"),
        ("/x/", "", "new_path"),
        ("/", "/fr/", "path"),
    ],
)
def test_validation_refuses_open_redirects_and_empty_targets(path, new_path, field):
    with pytest.raises(ValidationError) as error:
        OldAddress(path=path, new_path=new_path).full_clean()
    assert field in error.value.message_dict


def test_admin_lists_addresses_and_adds_one_by_hand(admin_client, make_tract):
    tract = make_tract(slug="stop")
    OldAddress.remember(["/2023/05/stop/"], tract.versions.get(), "fr")
    listing = admin_client.get("/admin/collectif/oldaddress/").content.decode()
    assert "/2023/05/stop" in listing
    assert "/fr/tracts/stop/" in listing

    response = admin_client.post(
        "/admin/collectif/oldaddress/add/", {"path": "/vieux/", "new_path": "/fr/tracts/stop/"}
    )
    assert response.status_code == 302
    assert OldAddress.objects.get(path="/vieux").new_path == "/fr/tracts/stop/"

    refused = admin_client.post(
        "/admin/collectif/oldaddress/add/", {"path": "/y/", "new_path": "https://evil.example/"}
    )
    assert refused.status_code == 200
    assert not OldAddress.objects.filter(path="/y").exists()
