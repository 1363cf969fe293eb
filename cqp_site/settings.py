"""Settings for the CQP certification site, read from the environment (twelve-factor).

Every value a deployment changes comes from an environment variable; the defaults suit a
developer's machine: DEBUG on, an embedded SQLite database inside the project.
"""

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cqp_site.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env(name, default=None):
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (the development default is only for DEBUG=1)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "cqp_site.apps.CertificationAdminConfig",
    "cqp_site.apps.SiteConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "nested_admin",
    "import_export",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "csp",
    "axes",
    "django_tasks_db",
    "referentials",
    "candidates",
    "evaluations",
    "certificates",
    "outputs",
    "outbox",
    "accounts",
    "spaces",
]

MIDDLEWARE = [
    "cqp_site.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cqp_site.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "cqp_site.middleware.NoStoreMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any other backend
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "cqp_site.urls"

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
                "cqp_site.navigation.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "cqp_site.wsgi.application"

# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/cqp; the embedded default is SQLite.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("CONN_MAX_AGE", "0")),
    )
}

# SQLite (the demo, the suite): the web server and the task worker write at once; transactions take
# the write lock when they begin, and wait for it, instead of failing on "database is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

# The PostgreSQL role the application runs as, when it is not the one that owns the tables (it should
# not be): `migrate`, run by the owner, grants it row access only (cqp_site/database.py).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", "")

# The audit trail is PostgreSQL's (triggers); its context (who, which page) is a session variable and
# its admin page queries with PostgreSQL's SQL: on SQLite, neither.
AUDIT_TRAIL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if AUDIT_TRAIL:
    INSTALLED_APPS.append("pghistory.admin")
    MIDDLEWARE.append("pghistory.middleware.HistoryMiddleware")
# pghistory's aggregate page answers for one object's history only; each audit table has its own list
# (cqp_site/audit_admin.py): aggregating millions of rows before cutting a page takes minutes.
PGHISTORY_ADMIN_CLASS = "cqp_site.audit_admin.ObjectHistoryAdmin"
PGHISTORY_ADMIN_ALL_EVENTS = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # French ones too (Django's list is mostly English): written for this project, see cqp_site/passwords/.
    {
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
        "OPTIONS": {"password_list_path": BASE_DIR / "cqp_site" / "passwords" / "common-fr.txt.gz"},
    },
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long a link to choose a password works (accounts/): a reset asked for at the login page, and an
# invitation to a new account. One setting for both, as Django's token generator has: 3 days (Django's
# default), so that an invitation sent on a Friday still works on Monday. The link works once (its token is
# bound to the password's hash and the last login), so a used link left in a mailbox opens nothing.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files are served by the application itself (WhiteNoise): compressed, under hashed names
# cached for a year. `manage.py collectstatic` gathers them into STATIC_ROOT at deployment.
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Stored files (signed certificates, imported files between preview and confirmation) have no public
# URL: no MEDIA_URL, and every download goes through a view that checks who asks. They live on the
# local disk (MEDIA_ROOT) by default, or in an S3-compatible object store when S3_BUCKET is set, so
# that web servers and workers on several machines read and write the same files.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
S3_BUCKET = env("S3_BUCKET", "")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "location": env("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # in MEDIA_ROOT
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The shipped referential, loaded by `manage.py load_referentials` when no file is named.
REFERENTIAL_FIXTURES = sorted((BASE_DIR / "fixtures" / "referentials").glob("*.json"))

# Imports and exports in the admin (django-import-export): a whole file in one transaction,
# formulas neutralised in exports (CSV injection), import for those who may add, export for viewers.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The file kept between the preview and the confirmation of an import goes to the default storage,
# which every web server reads (the operating system's temporary folder is one machine's).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"

# Certificates (CCP, CQP): signed with the issuing organisation's certificate (PAdES, pyHanko),
# a PKCS#12 file and its passphrase; `manage.py create_signing_certificate` makes a self-signed
# one for development and the demo. SITE_URL is where the QR codes of certificates lead.
CERTIFICATE_P12_PATH = Path(env("CERTIFICATE_P12_PATH", str(BASE_DIR / "var" / "signing" / "ucanss-dev.p12")))
CERTIFICATE_P12_PASSPHRASE = env("CERTIFICATE_P12_PASSPHRASE", "demo-signature-ucanss" if DEBUG else "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Long-term signature (PAdES B-LTA, issue 18): TSA_URL is an RFC 3161 time-stamping authority; with it
# each certificate's signature carries a timestamp, the validation data of its certificates and a
# document timestamp (`manage.py renew_timestamps` renews it). Empty (the demo): signed as PAdES B-B,
# verifiable while the signing certificate is valid (check certificates.W009). TSA_CA_PATH: a PEM file
# of the TSA's certification authority, when it is not the one in the organisation's PKCS#12 file.
TSA_URL = env("TSA_URL", "")
TSA_CA_PATH = env("TSA_CA_PATH", "")

# Who signs the certificates, when no signatory is recorded in the admin (« Signataires des certificats »,
# with their dates of office: the one in office on the date of issue wins), and where they are issued
# (« Fait à Paris, le … »). Empty: a certificate prints no signatory line rather than an invented one,
# and a system check says so (certificates.W020).
CERTIFICATE_SIGNATORY_NAME = env("CERTIFICATE_SIGNATORY_NAME", "")
CERTIFICATE_SIGNATORY_TITLE = env("CERTIFICATE_SIGNATORY_TITLE", "")
CERTIFICATE_ISSUE_PLACE = env("CERTIFICATE_ISSUE_PLACE", "Paris")

# The register of certificate holders sent to the Caisse des Dépôts (Code du travail, L.6113-8):
# Ucanss's customer number there (8 characters, as sender and as certifier) and its contract number,
# both given by the Caisse des Dépôts when the certifier account is opened.
CDC_CLIENT_ID = env("CDC_CLIENT_ID", "")
CDC_CONTRACT_ID = env("CDC_CONTRACT_ID", "")

# The cache, shared by every process of every machine (the rate limits of /verifier/ count there):
# Redis when REDIS_URL is set, else a table of the database (`manage.py createcachetable`).
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cqp_cache"}}

# Rate limits of the public pages (certificates/throttle.py, django-ratelimit), per client address, counted
# in the cache above. Redis increments atomically; the database cache does not, so there a burst of parallel
# requests may be undercounted (django-ratelimit's installation notes): use REDIS_URL in production. The
# address is the client's as the login throttle reads it (PROXY_COUNT below). « 20/10m »: 20 per 10 minutes.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "cqp_site.security.client_ip_address"  # for any view using django-ratelimit's « ip »
CERTIFICATE_RATE_LIMITS = {
    "certificates:public": env("PUBLIC_RATE_LIMIT", "300/10m"),  # any request to a public page
    "certificates:guesses": "20/10m",  # lookups by number, unknown codes: too few to list the holders
    "certificates:pdf-checks": "20/10m",  # PDFs uploaded to be checked, 5 MB each at most
}

# Deposits to the Caisse des Dépôts: each certificate must be declared within three months of its issue
# (Code du travail, art. R. 6113-17-2; certificates/register.py); the certificates' list in the admin warns
# from this many days before that deadline.
CDC_DEPOSIT_WARNING_DAYS = int(env("CDC_DEPOSIT_WARNING_DAYS", "30"))

# Background work (issuing certificates in bulk): Django's tasks API (the django-tasks backport).
# The default backend keeps tasks in the database (worker: `manage.py db_worker`); with
# TASKS_BACKEND=rq they go to Redis (REDIS_URL; worker: `manage.py rqworker default`).
TASKS_BACKEND = env("TASKS_BACKEND", "database")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security. Production (DEBUG off) runs behind HTTPS: secure cookies, HSTS for a year, redirects.
# Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^sante/"]  # probes of the load balancer and monitoring, inside the network
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
if env("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (env("SECURE_PROXY_SSL_HEADER"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes; cqp_site/security.py). 5 failures lock an account from the address they
# came from for an hour (five wrong passwords typed elsewhere do not shut its holder out, nor does one lock
# shut out a whole CPAM behind one address); 50 from any addresses lock it everywhere (our own setting).
# A password re-entered to sign counts as a login. A locked login reads the message of a wrong password.
# Unlock: « Tentatives d'accès » in the admin, or `manage.py unlock_account <username>`.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_FAILURE_LIMIT_PER_ACCOUNT = 10 * AXES_FAILURE_LIMIT
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "cqp_site.security.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cqp_site.security.lockout"
# The address is the connection's; behind PROXY_COUNT reverse proxies of ours that append the address
# they were reached from to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for), the outermost one's.
# Without it, behind a proxy every login comes from the proxy's address: set it there.
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0"))
AXES_USERNAME_CALLABLE = "cqp_site.security.attempted_username"
AXES_CLIENT_IP_CALLABLE = "cqp_site.security.client_ip_address"
OTP_TOTP_ISSUER = "Certification CQP — Ucanss"
# Logs keep no personal data: usernames, addresses and browsers are masked in axes' messages.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent"]
# What axes keeps (usernames typed, mistyped ones too, addresses, browsers, login times) is deleted after
# 30 days by `manage.py purge_login_attempts`, run daily (a project setting, read by that command).
AXES_RETENTION_DAYS = 30

# Logs: one line per event on standard output, JSON when LOG_FORMAT=json, each with the id of the
# request (or of the background task) it belongs to; no personal data beyond ids.
LOGGING = logging_config(env("LOG_FORMAT", "text"), env("LOG_LEVEL", "INFO"))

# Mail. Server errors go to ADMINS ("Nom <adresse>, ..."), when set, through the SMTP server below.
ADMINS = getaddresses([env("ADMINS", "")]) if env("ADMINS") else []
# The messages of the outbox (outbox/) go through Django's SMTP backend. Without EMAIL_HOST, the demo
# (DEBUG) writes them to files under var/mails (one file per sending run) instead.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG and not env("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = Path(env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mails")))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Certification CQP Ucanss <ne-pas-repondre@ucanss.fr>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[Certification CQP] "
# Where the accessibility statement (/accessibilite/) asks users to report what they cannot use.
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", "accessibilite@ucanss.fr")
# The outbox: the Reply-To of its messages (none by default: the sender does not read replies), and how
# many failed attempts make a message failed (retried after 1 min, 5 min, 30 min, 2 h, then every 6 h).
OUTBOX_REPLY_TO = env("OUTBOX_REPLY_TO", "")
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "8"))
# Reminders (evaluations/reminders.py). The candidate and the two members of the jury are reminded of an
# exam this many days before it:
EXAM_REMINDER_DAYS = int(env("EXAM_REMINDER_DAYS", "2"))
# each member who has not signed its grid this many days after the exam is reminded of it,
GRID_REMINDER_DAYS = int(env("GRID_REMINDER_DAYS", "3"))
# and again every so many days until they sign.
GRID_REMINDER_EVERY_DAYS = int(env("GRID_REMINDER_EVERY_DAYS", "3"))
# How often the task worker looks for reminders to send (0: never; run `manage.py send_reminders` from cron).
REMINDERS_EVERY_SECONDS = int(env("REMINDERS_EVERY_SECONDS", "3600"))

# The national joint jury (evaluations.rules.composition_problems). The texts give no numbers: a deliberation
# is signed when each college (employers, employees) has at least this many members present (at least 1),
# and, with parity, as many in one college as in the other.
NATIONAL_JURY_MIN_PER_COLLEGE = int(env("NATIONAL_JURY_MIN_PER_COLLEGE", "2"))
if NATIONAL_JURY_MIN_PER_COLLEGE < 1:
    raise ImproperlyConfigured("NATIONAL_JURY_MIN_PER_COLLEGE must be at least 1: a joint jury seats both colleges.")
NATIONAL_JURY_PARITY = env_bool("NATIONAL_JURY_PARITY", True)

# Appeals (evaluations.rules.appeal_deadline): a candidate's appeal against a signed decision is received
# within this many months of its notification (the day the deliberation is signed and the results mailed).
# The texts set none; two months is the time limit French law gives to appeal an administrative decision.
APPEAL_DEADLINE_MONTHS = int(env("APPEAL_DEADLINE_MONTHS", "2"))
if APPEAL_DEADLINE_MONTHS < 1:
    raise ImproperlyConfigured("APPEAL_DEADLINE_MONTHS must be at least 1.")

# Health (/sante/): a worker is taken for lost when its heartbeat is older than this; the signing
# certificate is reported expiring this many days before its end.
WORKER_HEARTBEAT_SECONDS = int(env("WORKER_HEARTBEAT_SECONDS", "10"))
WORKER_LOST_AFTER_SECONDS = int(env("WORKER_LOST_AFTER_SECONDS", "60"))
CERTIFICATE_EXPIRY_WARNING_DAYS = 30
