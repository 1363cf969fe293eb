from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class OutputsConfig(AppConfig):
    """Long outputs (PDFs, exports, imports) made by the task worker, with a progress page and a private file."""

    name = "outputs"
    verbose_name = _("Productions en arrière-plan")

    def ready(self):
        # Each app declares what it produces in its own `outputs.py`, as it declares its admin in `admin.py`:
        # this app imports none of them by name.
        autodiscover_modules("outputs")
