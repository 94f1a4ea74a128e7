"""Build the compiled core.

Optimisation is on (-O3) but tied to no particular CPU (no -march=native), so a wheel
built here runs on any x86-64.  On x86-64 the same kernels are compiled a second time as
``fastsgd._core_avx2`` with AVX2 and FMA enabled; ``fastsgd._dispatch`` imports that one
only when the running CPU has both, so one wheel is both portable and fast.
FASTSGD_DEBUG_BUILD=1 builds a checked baseline core instead: Cython bounds checking plus
AddressSanitizer/UBSan.
"""

import os
import platform
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTSGD_DEBUG_BUILD", "") not in ("", "0")

if DEBUG:
    compile_args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
    link_args = ["-fsanitize=address,undefined"]
    directives = {"boundscheck": True, "wraparound": False, "initializedcheck": True}
else:
    compile_args = ["-O3", "-fno-math-errno"]
    link_args = []
    directives = {"boundscheck": False, "wraparound": False, "initializedcheck": False}

directives.update(language_level=3, cdivision=True, embedsignature=True)



def core_extension(name, source, extra_args=()):
    return Extension(
        name,
        [source],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
        extra_compile_args=compile_args + list(extra_args),
        extra_link_args=link_args,
    )


def builds_avx2_variant():
    """x86-64 with a GCC-style compiler, not cross-compiling to another architecture."""
    if DEBUG or sys.platform == "win32":
        return False
    target = os.environ.get("ARCHFLAGS", "") + os.environ.get("_PYTHON_HOST_PLATFORM", "")
    if "arm64" in target:
        return False
    return platform.machine().lower() in ("x86_64", "amd64")


extensions = [core_extension("fastsgd._core", "src/fastsgd/_core.pyx")]
if builds_avx2_variant():
    extensions.append(
        core_extension("fastsgd._core_avx2", "src/fastsgd/_core_avx2.pyx", ["-mavx2", "-mfma"])
    )

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        compile_time_env={"FASTSGD_DEBUG": DEBUG},
    ),
)
