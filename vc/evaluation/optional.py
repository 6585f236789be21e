"""Optional dependencies of the evaluation: import them lazily, turn absence into a skip reason."""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

INSTALL_HINT = "install the evaluation extra: pip install 'sfvq-vc[eval]'"


class MetricUnavailable(RuntimeError):
    """A metric cannot run here (its package is missing or broken); the message says why and what to install."""


def require(module: str, package: str, metric: str) -> ModuleType:
    """Import ``module`` for ``metric`` or raise :class:`MetricUnavailable`.

    Args:
        module: importable module name, e.g. ``"resemblyzer"``.
        package: the PyPI distribution that provides it, e.g. ``"resemblyzer"``.
        metric: human-readable metric name used in the message.

    Returns:
        The imported module.

    Raises:
        MetricUnavailable: the import failed for any reason (not installed, a broken native
            library, a missing transitive dependency such as ``pkg_resources``).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # old packages import deprecated scipy/numpy names
            return importlib.import_module(module)
    except Exception as err:  # ImportError, OSError from a native library, ...
        reason = " ".join(str(err).split()) or type(err).__name__
        if "pkg_resources" in reason:
            reason += "; webrtcvad (used by resemblyzer) needs setuptools<81, which still ships pkg_resources"
        raise MetricUnavailable(
            f"{metric} skipped: cannot import {module} ({reason}); {INSTALL_HINT} or pip install {package}"
        ) from None
