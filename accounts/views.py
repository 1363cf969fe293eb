from axes.utils import reset as reset_lockouts
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db import transaction

from cqp_site.security import end_sessions

from .forms import OutboxPasswordResetForm
from .services import link_validity


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's confirmation (the project's password validators apply), then the account starts afresh:
    its open sessions end, on every browser, and any login lockout of it is lifted (as
    `manage.py unlock_account` does): whoever holds the mailbox has proved who they are."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.pk == self.user.pk:
            logout(self.request)  # this browser's session too, flushed rather than deleted under it
        end_sessions(self.user)
        reset_lockouts(username=self.user.get_username())
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """The same page whether the address belongs to an account or not."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "validity": link_validity()}
