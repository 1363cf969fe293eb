"""The words of the libraries an administrator reads in the admin, in French.

Strings the libraries mark for translation are translated by the project's catalog
(`locale/fr/LC_MESSAGES/django.po`, first in LOCALE_PATHS): they are listed here so that
`makemessages` keeps them there. django-otp's labels, the applications' names, Django's permission
names (stored in English) and axes' log entries are plain strings in the libraries;
`label_libraries()` (called once the applications are ready) gives them French names. Only names: a
field's `verbose_name` is not part of its migration, so nothing changes in the libraries' tables.
"""

from django.apps import apps
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

LIBRARY_MSGIDS = (
    # django-tasks' database backend (django_tasks_db/models.py, django_tasks/base.py)
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
    # django-axes (axes/models.py, axes/admin.py), where its own French catalog leaves English
    gettext_noop("User Agent"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Locked Out"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    # Django's admin: « Ajout de %s » cannot elide before a vowel (« Ajout de épreuve »); translated
    # « Ajout : %s » here, which reads right before every model's name.
    gettext_noop("Add %s"),
)

APP_NAMES = {
    "django_tasks_database": _("Tâches en arrière-plan"),
    "axes": _("Connexions"),
    "otp_totp": _("Second facteur d'authentification"),
}

PGHISTORY_NAMES = {
    "Context": _("contexte des modifications"),
    "MiddlewareEvents": _("historique des modifications par page"),
}

# django-otp's TOTP device (django_otp/models.py, django_otp/plugins/otp_totp/models.py).
OTP_LABELS = {
    "user": _("utilisateur"),
    "name": _("nom"),
    "confirmed": _("confirmé"),
    "created_at": _("créé le"),
    "last_used_at": _("dernière utilisation le"),
    "key": _("clé secrète"),
    "step": _("pas (secondes)"),
    "t0": _("origine du temps (T0)"),
    "digits": _("nombre de chiffres"),
    "tolerance": _("tolérance"),
    "drift": _("décalage"),
    "last_t": _("dernier pas vérifié"),
    "throttling_failure_timestamp": _("dernier échec le"),
    "throttling_failure_count": _("échecs successifs"),
}


# Django stores the built-in permissions' names in English (« Can add épreuve »): the group and user
# forms list them, named here from their codename.
PERMISSION_ACTIONS = {
    "add": _("peut ajouter"),
    "change": _("peut modifier"),
    "delete": _("peut supprimer"),
    "view": _("peut voir"),
}


def permission_str(permission):
    action, _sep, model = permission.codename.partition("_")
    if action in PERMISSION_ACTIONS and model == permission.content_type.model:
        return f"{permission.content_type} | {PERMISSION_ACTIONS[action]}"
    return f"{permission.content_type} | {permission.name}"


def access_log_str(log):
    return _("Connexion de %(username)s le %(time)s") % {
        "username": log.username,
        "time": formats.localize(timezone.localtime(log.attempt_time)),
    }


def label_libraries():
    apps.get_model("auth", "Permission").__str__ = permission_str
    apps.get_model("axes", "AccessLog").__str__ = access_log_str
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    # pghistory's context of a change (who, which page) and its proxy models, listed with the permissions.
    for model in apps.get_app_config("pghistory").get_models():
        model._meta.verbose_name = PGHISTORY_NAMES.get(model.__name__, model._meta.verbose_name)
        model._meta.verbose_name_plural = PGHISTORY_NAMES.get(model.__name__, model._meta.verbose_name_plural)
    device = apps.get_model("otp_totp", "TOTPDevice")
    device._meta.verbose_name = _("appareil TOTP")
    device._meta.verbose_name_plural = _("appareils TOTP")
    for name, verbose_name in OTP_LABELS.items():
        device._meta.get_field(name).verbose_name = verbose_name
