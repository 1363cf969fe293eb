"""Previews of every message the application sends, filled with demo data, for the administrators (« Aperçus
des messages » in the admin). Each app registers, for each kind of message it sends, a function that returns
the Draft its real code would queue, built from unsaved demo objects: a preview writes nothing and queues
nothing. The apps register when their messages module is imported (from their AppConfig.ready)."""

from collections.abc import Callable

from .models import MessageKind
from .services import Draft

_registered: dict[str, Callable[[], Draft]] = {}


def preview(kind):
    """Decorator: `@preview(MessageKind.RESULTS)` over a function without arguments returning a Draft."""

    def register(function):
        _registered[kind] = function
        return function

    return register


def kinds():
    """The kinds with a preview, in the order of MessageKind."""
    return [kind for kind in MessageKind if kind in _registered]


def render(kind) -> Draft:
    return _registered[kind]()
