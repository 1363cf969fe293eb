"""The accounts' messages as the admin's « Aperçus des messages » shows them: rendered by `services.mail_draft`,
the function the real path calls, for an unsaved demo account with a demo link (no token of a real account)."""

from django.contrib.auth import get_user_model

from outbox.models import MessageKind
from outbox.previews import preview

from . import services

DEMO_UID = "NDI"  # urlsafe_base64_encode(b"42")
DEMO_TOKEN = "cmd7x2-3f1c9e0b5a7d4c2e8f6a1b3d5c7e9f0a"  # the shape of default_token_generator's tokens


def demo_user():
    return get_user_model()(
        username="camille.durand", first_name="Camille", last_name="Durand", email="camille.durand@example.fr"
    )


@preview(MessageKind.INVITATION)
def invitation():
    user = demo_user()
    return services.mail_draft(MessageKind.INVITATION, user, user.email, DEMO_UID, DEMO_TOKEN)


@preview(MessageKind.PASSWORD_RESET)
def password_reset():
    user = demo_user()
    return services.mail_draft(MessageKind.PASSWORD_RESET, user, user.email, DEMO_UID, DEMO_TOKEN)
