"""Build the compiled core.

Optimisation is on (-O3) but tied to no particular CPU (no -march=native), so a wheel
built here runs on any x86-64.  FASTSGD_DEBUG_BUILD=1 builds a checked core instead:
Cython bounds checking plus AddressSanitizer/UBSan.
"""

import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTSGD_DEBUG_BUILD", "") not in ("", "0")

if DEBUG:
    compile_args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
    link_args = ["-fsanitize=address,undefined"]
    directives = {"boundscheck": True, "wraparound": False, "initializedcheck": True}
else:
    compile_args = ["-O3"]
    link_args = []
    directives = {"boundscheck": False, "wraparound": False, "initializedcheck": False}

directives.update(language_level=3, cdivision=True, embedsignature=True)

extensions = [
    Extension(
        "fastsgd._core",
        ["src/fastsgd/_core.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        compile_time_env={"FASTSGD_DEBUG": DEBUG},
    ),
)
