"""The files of deploy/ as an operator copies them: nginx accepts the site."""

import subprocess
from pathlib import Path

import pytest

from tests.stack import NGINX, nginx_main, nginx_site, self_signed_certificate

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


def test_nginx_accepts_the_site_as_shipped(tmp_path):
    prefix = tmp_path / "nginx"
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / kind).mkdir(parents=True)
    site = prefix / "site.conf"
    site.write_text(
        nginx_site(
            tmp_path,
            http_port=8080,
            https_port=8443,
            upstreams=[8000, 8001],
            certificates=self_signed_certificate(tmp_path / "tls"),
        )
    )
    (prefix / "nginx.conf").write_text(nginx_main(prefix, site))

    result = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = site.read_text()
    assert "server 127.0.0.1:8000 " in text and "server 127.0.0.1:8001 " in text
    assert "/srv/collectif" not in text and "/etc/letsencrypt" not in text
