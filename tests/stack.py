"""The production stack on one machine, for CI and benchmarks: Debian's nginx,
unprivileged on local ports, with the site file of deploy/ (only ports and
paths rewritten), in front of gunicorn instances and PDF workers.

Not a test module: tests/test_stack.py and benchmarks/load.py use it.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")

SECRET_KEY = "stack-test-secret-key-not-for-production-0123456789-abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def nginx_site(root: Path, *, http_port: int, https_port: int, upstreams: list[int], certificates: Path) -> str:
    """deploy/nginx/collectif.conf with this machine's ports and paths."""
    site = (DEPLOY / "nginx" / "collectif.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https_port}$request_uri;",
        "    server 127.0.0.1:8000 max_fails=3 fail_timeout=5s;\n": "".join(
            f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;\n" for port in upstreams
        ),
        "/etc/letsencrypt/live/collectif.example.org/": f"{certificates}/",
        "/var/cache/nginx/collectif": str(root / "nginx" / "cache"),
        "unix:/run/nginx-collectif-pdfs.sock": f"unix:{root / 'nginx' / 'pdfs.sock'}",
        "/var/www/letsencrypt": str(root / "acme"),
        "/etc/nginx/snippets/": f"{DEPLOY / 'nginx'}/",
        "/var/log/nginx/": f"{root / 'nginx'}/",
        "/srv/collectif": str(root),
    }
    for old, new in replacements.items():
        if old not in site:
            raise RuntimeError(f"deploy/nginx/collectif.conf no longer contains {old!r}: update tests/stack.py")
        site = site.replace(old, new)
    # IPv6 may be missing on a CI machine; the IPv4 lines say the same.
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line) + "\n"


def nginx_main(prefix: Path, site: Path) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    # The connections per worker the deployment guide (docs/deployment.md) sets (Debian's
    # default, 768, let a reconnecting slowloris from one address take them all).
    return f"""{user}worker_processes 2;
worker_rlimit_nofile 16384;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log off;
{temp}
    include {site};
}}
"""


def self_signed_certificate(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return folder


@dataclass
class Stack:
    """nginx + `instances` gunicorn servers + `workers` PDF workers, sharing one database and media folder."""

    root: Path
    database_url: str
    instances: int = 1
    workers: int = 1
    gunicorn_workers: int = 2
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    app_ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))},
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://localhost:{self.https_port}",
            "SITE_URL": "https://collectif.example.org",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.root / "media"),
            "STATIC_ROOT": str(self.root / "static"),
            "TRUSTED_PROXY_COUNT": "1",
            "PDF_ACCEL_REDIRECT": "/_stored-pdfs/",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def prepare(self, *, demo: bool = True) -> None:
        """Migrate, load the sample content, collect static files."""
        (self.root / "media").mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        if demo:
            for command in ("load_demo_tracts", "load_demo_articles", "load_demo_pages"):
                self.manage(command)
        self.manage("collectstatic", "--noinput", "-v0")

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def start_app(self, index: int) -> None:
        port = self.app_ports[index]
        process = self._start(
            f"gunicorn-{index}",
            [
                sys.executable, "-m", "gunicorn", "collectif.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(self.gunicorn_workers), "--timeout", "30", "--graceful-timeout", "5",
                "--limit-request-line", "8190",
            ],
        )  # fmt: skip
        wait_for_port(port, process=process)

    def start_worker(self, index: int) -> None:
        self._start(f"worker-{index}", [sys.executable, "manage.py", "db_worker"])

    def start(self) -> "Stack":
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self.app_ports = [free_port() for _ in range(self.instances)]
        for index in range(self.instances):
            self.start_app(index)
        for index in range(self.workers):
            self.start_worker(index)
        prefix = self.root / "nginx"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
            (prefix / kind).mkdir(parents=True, exist_ok=True)
        site = prefix / "site.conf"
        site.write_text(
            nginx_site(
                self.root,
                http_port=self.http_port,
                https_port=self.https_port,
                upstreams=self.app_ports,
                certificates=self_signed_certificate(self.root / "tls"),
            )
        )
        (prefix / "nginx.conf").write_text(nginx_main(prefix, site))
        command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if tested.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{tested.stderr}")
        process = self._start("nginx", [*command, "-g", "daemon off;"])
        wait_for_port(self.https_port, process=process)
        return self

    def stop(self) -> dict[str, int]:
        """Stop everything; returns each process's exit code."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if process.args[0] != NGINX else signal.SIGQUIT)
        codes = {}
        for name, process in self.processes.items():
            try:
                # A worker finishes the render it has begun (systemd allows it 60 s).
                codes[name] = process.wait(timeout=60 if name.startswith("worker") else 15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait()
        return codes

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted((self.root / "logs").glob("*.log")))

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://localhost:{self.http_port}"


def tls_context() -> ssl.SSLContext:
    """Our self-signed certificate: no verification (the stand-in has no real name)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def create_database(database_url: str) -> None:
    """A fresh PostgreSQL database for the stack (dropped first if left over)."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = [
        "psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
        "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
    ]  # fmt: skip
    subprocess.run([*admin, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True, capture_output=True)
    subprocess.run([*admin, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def drop_database(database_url: str) -> None:
    parts = urllib.parse.urlsplit(database_url)
    subprocess.run(
        [
            "psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U",
            parts.username or "postgres", "-d", "postgres", "-q", "-c",
            f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)',
        ],
        check=False,
        capture_output=True,
    )  # fmt: skip
