"""Settings for collectif, read from the environment.

Every value has a default that works on a laptop (SQLite in the project,
DEBUG on). Production sets at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL; `manage.py check --deploy` then gives no warning.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from js_asset import static_lazy
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# The laptop's key; `check --deploy` refuses it (publishing/checks.py).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The public address of the site, used where a full URL must be written
# without a request at hand (PDF footers, the import command's output).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "publishing.admin_site.CollectifAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_prose_editor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # Before django_tasks_db: its `db_worker` command is publishing's own.
    "publishing",
    "django_tasks",
    "django_tasks_db",
    "reversion",
    "reversion_compare",
    "csp",
    "accounts",
    "tracts",
    "articles",
    "events",
    "website",
    "moving",
    "newsletter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages get an ETag of their content and answer a matching If-None-Match
    # with a 304 (share crawlers and browsers coming back); no-store ones are left alone.
    "django.middleware.http.ConditionalGetMiddleware",
    "website.middleware.NulBytesMiddleware",
    "website.middleware.SharedCacheMiddleware",
    "website.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "publishing.redirects.OldAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "website.middleware.LanguageNeutralMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "website.middleware.FrenchSpacingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "website.middleware.OddRequestsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "website.middleware.ContentSecurityPolicyMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "accounts.security.ThrottledAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "collectif.urls"
WSGI_APPLICATION = "collectif.wsgi.application"
ASGI_APPLICATION = "collectif.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "website.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a server database, with a web server and the PDF worker
    # writing at once: the write-ahead log lets readers and one writer work
    # side by side; a writer waits up to 5 s for another instead of failing
    # with "database is locked"; IMMEDIATE takes the write lock when a
    # transaction begins, so two transactions never deadlock upgrading a read
    # lock; NORMAL syncs at checkpoints only, still safe in WAL mode.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface and content languages. The first one is the default: tracts are
# written in French first, and the legal footer is French.
LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Files kept for staff only (archived PDFs as they were imported, with their
# authors' metadata): outside MEDIA_ROOT, which nginx serves as it is.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
STORAGES = {
    # Every save written whole then renamed into place (publishing/files.py).
    "default": {"BACKEND": "publishing.files.AtomicFileSystemStorage"},
    "staticfiles": {
        # STATICFILES_BACKEND: the CI's stack skips compression to save a minute.
        "BACKEND": os.environ.get("STATICFILES_BACKEND")
        or (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Fonts in TrueType and the ICC profile are for the PDF renderer, never sent
# to browsers: collectstatic need not compress them (minutes of brotli).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *Compressor.SKIP_COMPRESS_EXTENSIONS,
    "ttf",
    "otf",
    "icc",
]

# Background work (PDF renders): a queue in the database, emptied by
# `manage.py db_worker`; any number of workers can share it.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A background task stops after this many seconds; a task still marked as
# running after that was interrupted (worker killed) and is queued again by
# `manage.py requeue_interrupted_tasks` (run before each worker starts).
TASK_TIME_LIMIT = int(os.environ.get("TASK_TIME_LIMIT", "900"))
# How long the worker waits for a locked or unreachable database before it
# exits (for systemd or `make run` to start it again), in seconds.
WORKER_DATABASE_PATIENCE = int(os.environ.get("WORKER_DATABASE_PATIENCE", "600"))

# Every PDF render runs in a child process under these limits (memory it may
# add to the web process, seconds; below gunicorn's 30 s timeout). A failed
# render is tried again only after PDF_RENDER_RETRY_AFTER seconds, when its
# inputs change, or by `manage.py render_pdfs`; one that ran out of time only
# by the worker, never by a web process.
PDF_RENDER_MEMORY_MB = int(os.environ.get("PDF_RENDER_MEMORY_MB", "768"))
PDF_RENDER_TIMEOUT = int(os.environ.get("PDF_RENDER_TIMEOUT", "20"))
PDF_RENDER_RETRY_AFTER = int(os.environ.get("PDF_RENDER_RETRY_AFTER", "600"))
# Visitors never wait on a render: a missing PDF they ask for is queued (at
# most this many such renders waiting at once) and they get a page that
# reloads itself after PDF_BEING_MADE_REFRESH seconds.
PDF_VISITOR_RENDERS_IN_FLIGHT = int(os.environ.get("PDF_VISITOR_RENDERS_IN_FLIGHT", "8"))
PDF_BEING_MADE_REFRESH = int(os.environ.get("PDF_BEING_MADE_REFRESH", "5"))
# After an edit, the files of the text as it was stop being served at once
# and are deleted this many seconds later (a download under way may finish).
PDF_OUTDATED_GRACE_SECONDS = int(os.environ.get("PDF_OUTDATED_GRACE_SECONDS", "300"))

# The admin lives at a path that can be changed per deployment, so that
# scanners probing /admin/ find nothing.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

# Password guessing on the admin (accounts.security): failures lock out the
# guesser's address on one account (LOGIN_FAILURE_LIMIT, 5), and the address
# on every account (LOGIN_ADDRESS_FAILURE_LIMIT, 20), for an hour. Failures on
# one account from anywhere (a botnet, an IPv6 /64) only slow its logins down
# (LOGIN_ACCOUNT_SLOWDOWN_AFTER failures, then 1, 2, 4... up to
# LOGIN_ACCOUNT_SLOWDOWN_MAX seconds each): an attacker can never lock an
# organiser out. Only failures are recorded (address, a keyed hash of the user
# name; no user agent), and only until they expire: `manage.py
# purge_login_records` (or its task) deletes them after the cool-off.
# Successful logins are not logged; attempts refused during a lockout are not
# recorded either.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_ACCOUNT_SLOWDOWN_AFTER = int(os.environ.get("LOGIN_ACCOUNT_SLOWDOWN_AFTER", "5"))
LOGIN_ACCOUNT_SLOWDOWN_MAX = float(os.environ.get("LOGIN_ACCOUNT_SLOWDOWN_MAX", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["ip_address"], ["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.security.login_username_digest"
AXES_HANDLER = "accounts.security.PrivateAxesHandler"
AXES_VERBOSE = False  # log lines name the address and the hash, not the user agent
# A password alone forgives no failure: accounts.two_factor forgives the
# failures of the address on the account once both steps have succeeded.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Second factor for staff (accounts.two_factor): authenticator apps (TOTP),
# recovery codes and passkeys, the latter only after the password.
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "collectif")
# An authenticator app's secret is shown once, to its owner, at enrolment
# (accounts/two_factor.py); the admin never shows it again, to anyone (its
# page for it also answered a 500 for a device that does not exist).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# A passkey belongs to one domain: SITE_URL's (browsers refuse IP addresses,
# so a laptop uses http://localhost:PORT/ for passkeys).
_site = urlsplit(SITE_URL)
_site_host = _site.hostname or "localhost"
OTP_WEBAUTHN_RP_ID = "localhost" if _site_host.replace(".", "").isdigit() else _site_host
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    f"{_site.scheme}://{_site.netloc}" if OTP_WEBAUTHN_RP_ID != "localhost" else "http://localhost:8000"
]
OTP_WEBAUTHN_HELPER_CLASS = "accounts.two_factor.SiteWebAuthnHelper"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "accounts.two_factor"
# A new organiser (or one who lost every factor) sets a password and enrols a
# second factor through a single-use link an administrator makes
# (accounts.invitations), valid this many hours.
INVITATION_LIFETIME_HOURS = int(os.environ.get("INVITATION_LIFETIME_HOURS", "72"))
# Number of reverse proxies in front of gunicorn that append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Content-Security-Policy: everything from our own origin, no inline script,
# no plug-in, no framing (accounts.security relaxes styles for the admin).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Security. Visitors get no cookie: sessions and CSRF cookies only ever
# exist for staff in the admin.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "website.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of ours uses.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), browsing-topics=(), interest-cohort=()"
)

# Behind nginx: the internal location that serves stored PDFs from
# MEDIA_ROOT/pdfs/ (deploy/nginx/collectif.conf); empty, gunicorn sends them.
PDF_ACCEL_REDIRECT = os.environ.get("PDF_ACCEL_REDIRECT", "")
# Stored PDFs and previews no current version uses are deleted by
# `manage.py cleanup_pdfs` once older than this (a render may be in flight).
PDF_CLEANUP_GRACE_SECONDS = int(os.environ.get("PDF_CLEANUP_GRACE_SECONDS", str(60 * 60)))

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # The preload list is an opt-in the collective decides on, not a default.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# django-prose-editor: the editor can only produce what publishing.html keeps.
DJANGO_PROSE_EDITOR_MENU_GROUPS = [
    {"group": "blockType -lists", "type": "dropdown", "minItems": 2},
    {"group": "lists"},
    {"group": "nodes -blockType -lists"},
    {"group": "marks"},
    {"group": "link"},
    {"group": "history"},
]
# Our own editor extensions (static/collectif/editor.js). Their HTML is
# cleaned by publishing.html, not by the editor's allow-list, so they add no
# tag of their own to it.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("collectif/editor.js")],
        "extensions": {
            "CollectifEditor": lambda config, shared: None,
            "CollectifFigure": lambda config, shared: None,
            "Footnotes": lambda config, shared: None,
        },
    }
]


# Mail: any SMTP relay, given as one address (EMAIL_URL, e.g.
# smtp+tls://user:password@relay.example.org:587, smtps://… for implicit TLS,
# smtp://localhost:25 for the machine's own Postfix) or as Django's EMAIL_*
# variables. Without either, mails are printed on the console (a laptop).
def email_settings(url: str) -> dict:
    """Django's EMAIL_* settings from an address smtp[s|+tls]://user:password@host:port."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps", "smtp+tls", "submission"}:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {parts.scheme!r} (smtp, smtp+tls, smtps)")
    implicit_tls = parts.scheme == "smtps"
    starttls = parts.scheme in {"smtp+tls", "submission"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if implicit_tls else 587 if starttls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": starttls,
    }


if os.environ.get("EMAIL_URL"):
    globals().update(email_settings(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"collectif <newsletter@{_site_host}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The newsletter (newsletter/): who it comes from, how fast it goes out.
NEWSLETTER_FROM_EMAIL = os.environ.get("NEWSLETTER_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# The List-Id header (RFC 2919): a name under the collective's own domain.
NEWSLETTER_LIST_ID = os.environ.get("NEWSLETTER_LIST_ID", f"newsletter.{_site_host}")
# Mails per minute the worker sends at most (0: as fast as the relay takes them).
NEWSLETTER_RATE_PER_MINUTE = int(os.environ.get("NEWSLETTER_RATE_PER_MINUTE", "600"))
# One run of the sending task sends for at most this many seconds, then the
# next run is queued (each well within TASK_TIME_LIMIT).
NEWSLETTER_BATCH_SECONDS = int(os.environ.get("NEWSLETTER_BATCH_SECONDS", "60"))
# A run holds its letter this long and renews it as it goes; a killed run's
# letter is taken over once it has expired.
NEWSLETTER_LEASE_SECONDS = int(os.environ.get("NEWSLETTER_LEASE_SECONDS", "60"))
# When the relay is down or refuses for a while, the letter waits this long before trying again.
NEWSLETTER_RELAY_RETRY_SECONDS = int(os.environ.get("NEWSLETTER_RELAY_RETRY_SECONDS", "120"))
# An address refused permanently (5xx) by this many letters is unsubscribed.
NEWSLETTER_BOUNCE_LIMIT = int(os.environ.get("NEWSLETTER_BOUNCE_LIMIT", "3"))
# A confirmation link is valid this many hours.
NEWSLETTER_CONFIRMATION_HOURS = int(os.environ.get("NEWSLETTER_CONFIRMATION_HOURS", "72"))
# Subscription attempts a visitor's network may make per hour (counted
# under a keyed hash of its address, forgotten after the hour).
NEWSLETTER_ATTEMPTS_PER_HOUR = int(os.environ.get("NEWSLETTER_ATTEMPTS_PER_HOUR", "10"))
# DKIM signing of letters by the site, for a relay that does not sign
# (README: "Mail"): the selector, the domain and the private key's file.
NEWSLETTER_DKIM_SELECTOR = os.environ.get("NEWSLETTER_DKIM_SELECTOR", "")
NEWSLETTER_DKIM_DOMAIN = os.environ.get("NEWSLETTER_DKIM_DOMAIN", "")
NEWSLETTER_DKIM_KEY_FILE = os.environ.get("NEWSLETTER_DKIM_KEY_FILE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # WeasyPrint warns about each CSS property it ignores; refused
        # resources are logged by publishing.pdf itself.
        "weasyprint": {"level": "ERROR"},
        # Each 404 is a warning naming the path a visitor asked for: kept on
        # a laptop, not in production (errors only).
        "django.request": {"level": "WARNING" if DEBUG else "ERROR"},
    },
}
