"""The registry of what can be produced in the background: each app registers its producers in its own
`outputs.py` (found by OutputsConfig.ready), so that this app never imports one above it in the flow."""

from collections.abc import Callable
from dataclasses import dataclass

PRODUCERS = {}


class OutputError(Exception):
    """A production refused or failed, with the French message the person who asked reads."""


@dataclass(frozen=True)
class Producer:
    kind: str
    function: Callable
    reuse_finished: Callable | None = None  # parameters -> bool: a finished output may be served again


def producer(kind, *, reuse_finished=None):
    """Registers `function(output)`: it writes the output's file (`output.store`), may report its progress
    (`output.advance`) and a summary (`output.summary`), and raises OutputError to fail with a message."""

    def register(function):
        PRODUCERS[kind] = Producer(kind, function, reuse_finished)
        return function

    return register
