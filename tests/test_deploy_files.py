"""The files of deploy/ as an operator copies them: nginx accepts the site;
the deployment guide (docs/deployment.md) works on a minimal Debian and matches the files."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.stack import NGINX, nginx_main, nginx_site, self_signed_certificate

PROJECT = Path(__file__).resolve().parent.parent
README = (PROJECT / "README.md").read_text()
DEPLOY = PROJECT / "deploy"


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
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


def deployment_steps() -> str:
    guide = (PROJECT / "docs" / "deployment.md").read_text()
    return guide[guide.index("## Deploy on a Debian server") :]


def test_deployment_steps_do_without_sudo():
    # A minimal Debian has no sudo; runuser is part of util-linux.
    assert "sudo" not in deployment_steps()
    assert "runuser -u collectif -- deploy/manage migrate" in deployment_steps()
    assert "sudo" not in (PROJECT / "deploy" / "manage").read_text()


def test_the_certificate_step_uses_the_nginx_sites_webroot():
    site = (PROJECT / "deploy" / "nginx" / "collectif.conf").read_text()
    webroot = re.search(r"location \^~ /\.well-known/acme-challenge/ \{\s*root ([^;]+);", site)[1]
    certbot = [line for line in deployment_steps().splitlines() if "certbot certonly" in line]
    assert certbot and all(f"--webroot -w {webroot} " in line for line in certbot)
    assert "--standalone" not in deployment_steps()


def test_try_it_names_gettext_and_check_system_asks_for_msgfmt(tmp_path):
    try_it = README[README.index("## Try it") : README.index("## Writing tracts")]
    assert "gettext" in try_it and "msgfmt" in try_it
    # A PATH with make and a shell but no msgfmt; the venv is taken as installed (-o).
    for tool in ("make", "sh"):
        (tmp_path / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(
        ["make", "-o", ".venv/.installed", "check-system"],
        cwd=PROJECT,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "msgfmt not found" in result.stdout
    assert "apt-get install gettext" in result.stdout


def test_the_shipped_servers_keep_no_visitor_trace_and_limit_each_address():
    site = (DEPLOY / "nginx" / "collectif.conf").read_text()
    privacy = re.search(r"log_format collectif_privacy '([^']*)'", site)[1]
    for field in ("$remote_addr", "$binary_remote_addr", "$http_user_agent", "$http_referer", "$request_uri", "$args"):
        assert field not in privacy
    logs = re.findall(r"^\s*access_log (.*);", site, re.MULTILINE)
    assert logs and all(line == "off" or line.endswith(" collectif_privacy") for line in logs), logs
    assert "limit_conn collectif_connections" in site and "limit_req zone=collectif_requests" in site
    assert "proxy_buffer_size 16k;" in site
    # A withdrawn page is never served stale while the cache refreshes it.
    assert "updating" not in " ".join(re.findall(r"proxy_cache_use_stale[^;]*;", site))
    web = (DEPLOY / "systemd" / "collectif-web.service").read_text()
    assert "--access-logfile" not in web


def test_nginx_passes_on_exactly_the_query_parameters_the_site_reads():
    from website.caching import SITE_PARAMETERS, is_tracking

    site = (DEPLOY / "nginx" / "collectif.conf").read_text()
    one_map = r'^map \$arg_(\w+) \$collectif_arg_(\w+) \{ "" ""; default "&(\w+)=\$arg_(\w+)"; \}$'
    mapped = re.findall(one_map, site, re.M)
    assert all(len(set(names)) == 1 for names in mapped), mapped
    assert [names[0] for names in mapped] == list(SITE_PARAMETERS)
    [joined] = re.findall(r'^\s+"" "((?:\$collectif_arg_\w+)+)";$', site, re.M)
    assert joined == "".join(f"$collectif_arg_{name}" for name in SITE_PARAMETERS)
    assert not [name for name in SITE_PARAMETERS if is_tracking(name)]
    # What the public views read is in the list (the admin's own views read more, with their session).
    public_code = ("website/views.py", "website/feeds.py", "tracts/views.py", "articles/views.py")
    public_code += ("publishing/views.py",)
    read = set()
    for name in public_code:
        code = (PROJECT / name).read_text() if (PROJECT / name).exists() else ""
        read |= set(re.findall(r'GET\.get\("(\w+)"', code))
    assert read and read <= set(SITE_PARAMETERS), read - set(SITE_PARAMETERS)
