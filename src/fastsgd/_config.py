"""The package version and the record of how the compiled core was built."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata, resources
from typing import IO, Any

__all__ = ["build_info", "get_version", "show_config"]

_DISTRIBUTION = "fastsgd"
_BUILD_INFO = "_build_info.json"


def build_info() -> dict[str, Any]:
    """How ``fastsgd._core`` was built, as recorded by setup.py's build_ext.

    Keys: version, cython, numpy (the versions it was built with), compiler_family
    ("unix" or "msvc"), compiler, compiler_version, base_args (the compiler's flags from
    Python's own configuration), compile_args and link_args (fastsgd's), extensions (each
    compiled core's own extra compile flags, by module name), debug (a
    checked build: FASTSGD_DEBUG_BUILD), python, platform.  Empty when the core was
    built by something other than setup.py (there is then no record).
    """
    try:
        text = resources.files(__package__).joinpath(_BUILD_INFO).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    info: dict[str, Any] = json.loads(text)
    return info


def get_version() -> str:
    """The version of fastsgd (pyproject.toml's, as installed).

    From the installed distribution's metadata; when fastsgd runs from a source tree that
    was never installed, the version setup.py recorded when it built the core; failing
    both, "0+unknown".
    """
    try:
        return metadata.version(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return str(build_info().get("version", "0+unknown"))


def show_config(file: IO[str] | None = None) -> None:
    """Print the version of fastsgd and how its compiled core was built.

    Shows the Cython and NumPy versions the core was built with (next to the NumPy in
    use), the compiler and its flags, the compiled cores (with their own extra flags) and
    the one this CPU runs, and whether the core is a debug build (bounds checks and
    sanitizers, from FASTSGD_DEBUG_BUILD=1).  Attach it to bug reports.

    Parameters
    ----------
    file : text stream, optional
        Where to print; standard output by default.
    """
    import numpy as np

    from . import _core, _dispatch

    info = build_info()
    missing = "unknown (no build record)"

    def flags(key: str) -> str:
        if key not in info:
            return missing
        return " ".join(info[key]) or "(none)"

    compiler = info.get("compiler_version") or info.get("compiler", missing)
    debug = info.get("debug")
    extensions: dict[str, list[str]] = info.get("extensions", {})
    cores = ", ".join(
        name + (f" ({' '.join(extra)})" if extra else "") for name, extra in extensions.items()
    ) or missing
    lines = [
        f"fastsgd {get_version()}",
        f"  location: {_core.__file__}",
        "build:",
        f"  Cython: {info.get('cython', missing)}",
        f"  NumPy: {info.get('numpy', missing)}",
        f"  compiler: {compiler}",
        f"  compiler flags: {flags('base_args')}",
        f"  extra compile flags: {flags('compile_args')}",
        f"  extra link flags: {flags('link_args')}",
        f"  cores: {cores}",
        f"  debug build: {missing if debug is None else ('yes' if debug else 'no')}",
        f"  built on: Python {info.get('python', '?')}, {info.get('platform', '?')}",
        "runtime:",
        f"  Python: {platform.python_version()} ({sys.executable})",
        f"  NumPy: {np.__version__}",
        f"  core in use: {_dispatch.CORE.__name__}",
    ]
    print("\n".join(lines), file=file)
