"""Build the compiled core.

Optimisation is on (-O3 with gcc/clang, /O2 with MSVC) but tied to no particular CPU (no
-march=native), so a wheel built here runs on any machine of its platform.  On x86-64 the
same kernels are compiled a second time as ``fastsgd._core_avx2`` with AVX2 and FMA
enabled; ``fastsgd._dispatch`` imports that one only when the running CPU has both, so one
wheel is both portable and fast.  FASTSGD_DEBUG_BUILD=1 builds a checked baseline core
instead: Cython bounds checking plus AddressSanitizer/UBSan (gcc/clang only).

The flags are chosen in ``build_ext``, once the compiler is known (MSVC does not know
gcc's flags: it warns and ignores them).  The same step records how the cores were built
in ``fastsgd/_build_info.json`` beside them, which ``fastsgd.show_config()`` prints.
"""

import json
import os
import platform
import subprocess
import sys

import Cython
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("FASTSGD_DEBUG_BUILD", "") not in ("", "0")

# Flags by compiler family: "msvc", or anything else (gcc, clang: unix-style flags).
FLAGS = {
    "release": {
        "unix": (["-O3", "-fno-math-errno"], []),
        "msvc": (["/O2"], []),
    },
    # The checked build also takes the portable C path of the SIMD helpers
    # (FASTSGD_PLAIN_LANES): the release cores test the x86 ones, CI's checked run this.
    "debug": {
        "unix": (["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                  "-DFASTSGD_PLAIN_LANES"],
                 ["-fsanitize=address,undefined"]),
        "msvc": (["/Od", "/Zi", "/DFASTSGD_PLAIN_LANES"], ["/DEBUG"]),
    },
}

# Extra compile flags of one extension, on top of the common ones (unix-style compilers:
# the AVX2 variant is never built with MSVC, see builds_avx2_variant).
EXTRA_COMPILE_ARGS = {"fastsgd._core_avx2": ["-mavx2", "-mfma"]}

if DEBUG:
    directives = {"boundscheck": True, "wraparound": False, "initializedcheck": True}
else:
    directives = {"boundscheck": False, "wraparound": False, "initializedcheck": False}

directives.update(language_level=3, cdivision=True, embedsignature=True)

BUILD_INFO = "_build_info.json"


class build_ext_with_flags(build_ext):
    """build_ext that picks the flags for the actual compiler and records the build.

    Cythonization happens here too, so that a build whose settings differ from the last
    one in the same build tree (say, FASTSGD_DEBUG_BUILD toggled) regenerates and
    recompiles everything instead of reusing an up-to-date-looking release object.
    """

    def build_extensions(self):
        family = "msvc" if self.compiler.compiler_type == "msvc" else "unix"
        compile_args, link_args = FLAGS["debug" if DEBUG else "release"][family]
        info = self._build_info(family, compile_args, link_args)
        if _signature(info) != _signature(self._previous_build_info()):
            self.force = True
        for ext in self.extensions:
            # cythonize hands back plain copies; keep setuptools' own Extension objects.
            ext.sources = cythonize(
                [ext],
                compiler_directives=directives,
                compile_time_env={"FASTSGD_DEBUG": DEBUG},
                force=self.force,
                quiet=not self.verbose,
            )[0].sources
            ext.extra_compile_args = compile_args + EXTRA_COMPILE_ARGS.get(ext.name, [])
            ext.extra_link_args = list(link_args)
        super().build_extensions()
        self._write_build_info(info)

    def _build_info(self, family, compile_args, link_args):
        # MSVC has no compiler_so; its base options live in compile_options.
        base = getattr(self.compiler, "compiler_so", None) or (
            [self.compiler.compiler_type] + list(getattr(self.compiler, "compile_options", [])))
        return {
            "version": self.distribution.get_version(),
            "cython": Cython.__version__,
            "numpy": np.__version__,
            "compiler_family": family,
            "compiler": base[0],
            "compiler_version": _compiler_version(base[0]) if family == "unix" else "",
            "base_args": list(base[1:]),
            "compile_args": list(compile_args),
            "link_args": list(link_args),
            "extensions": {
                ext.name.rpartition(".")[2]: EXTRA_COMPILE_ARGS.get(ext.name, [])
                for ext in self.extensions
            },
            "debug": DEBUG,
            "python": platform.python_version(),
            "platform": platform.platform(),
        }

    def _info_path(self):
        # Beside the compiled modules in the build tree, which is what a wheel ships.
        return os.path.join(self.build_lib, "fastsgd", BUILD_INFO)

    def _previous_build_info(self):
        try:
            with open(self._info_path(), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _write_build_info(self, info):
        target = self._info_path()
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            json.dump(info, f, indent=1, sort_keys=True)
            f.write("\n")

    def copy_extensions_to_source(self):
        # --inplace and editable builds: the record goes to src/ with the modules.
        super().copy_extensions_to_source()
        package_dir = self.get_finalized_command("build_py").get_package_dir("fastsgd")
        self.copy_file(self._info_path(), os.path.join(package_dir, BUILD_INFO),
                       level=self.verbose)


def _signature(info):
    """What, when it changes, makes every generated and compiled file stale."""
    keys = ("debug", "cython", "numpy", "compiler", "base_args", "compile_args", "link_args",
            "extensions")
    return {key: info.get(key) for key in keys}


def _compiler_version(executable):
    """First line of ``cc --version`` (empty when it cannot be asked)."""
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.splitlines()[0].strip() if out else ""


def core_extension(name, source):
    return Extension(
        name,
        [source],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
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
    extensions.append(core_extension("fastsgd._core_avx2", "src/fastsgd/_core_avx2.pyx"))

setup(
    ext_modules=extensions,
    cmdclass={"build_ext": build_ext_with_flags},
)
