"""User-facing errors and the wrapper every console script runs under.

A :class:`UserError` is a problem with the user's input (a missing file, an unknown speaker,
a corrupt checkpoint). Console scripts print it as one line, ``error: <message>``, and exit
with status 1; no traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import sys
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable[..., int | None])


class UserError(Exception):
    """An error caused by the user's input; its message says what and where."""


def cli_entry(func: F) -> F:
    """Decorate a console-script ``main``: turn :class:`UserError` into one line + exit 1.

    Args:
        func: the ``main(argv=None)`` function of a console script.

    Returns:
        A wrapper that calls ``func`` and exits with its return code (0 if ``None``).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            code = func(*args, **kwargs)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(1)
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            sys.exit(130)
        sys.exit(code or 0)

    return wrapper  # type: ignore[return-value]
