"""Choose the compiled core for this CPU.

``fastsgd._core`` runs on any CPU of its architecture.  On x86-64 the build also makes
``fastsgd._core_avx2`` from the same source with AVX2 and FMA enabled (about twice the
arithmetic per instruction: Adagrad and wide problems gain most).  The environment
variable ``FASTSGD_CORE`` forces a choice: ``baseline`` or ``avx2`` (an error when this
CPU or build cannot run it); the default ``auto`` takes the fastest that runs here.
"""

from __future__ import annotations

import os
from types import ModuleType

from . import _core


def available_cores() -> dict[str, ModuleType]:
    """The compiled cores that can run on this machine, by name."""
    cores = {"baseline": _core}
    if _core.cpu_supports_avx2_fma():
        try:
            from . import _core_avx2
        except ImportError:       # not built here (another architecture, a debug build)
            pass
        else:
            cores["avx2"] = _core_avx2
    return cores


def select_core(choice: str | None = None) -> ModuleType:
    choice = choice or os.environ.get("FASTSGD_CORE", "auto")
    cores = available_cores()
    if choice == "auto":
        return cores.get("avx2", cores["baseline"])
    if choice not in ("baseline", "avx2"):
        raise ValueError(f"FASTSGD_CORE={choice!r}: expected 'auto', 'baseline' or 'avx2'.")
    if choice not in cores:
        raise RuntimeError(f"FASTSGD_CORE={choice!r}, but that core cannot run on this "
                           "machine or was not built.")
    return cores[choice]


CORE = select_core()
