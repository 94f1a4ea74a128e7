"""Check what the sdist and the wheel contain: sources in, generated files out.

Usage: python .ci/check_dist.py DIST_DIR  (holding one fastsgd-*.tar.gz and one *.whl)
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path


def fail(message: str) -> None:
    print(f"check_dist: {message}", file=sys.stderr)
    sys.exit(1)


def one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        fail(f"expected one {pattern} in {dist}, found {[p.name for p in found]}")
    return found[0]


def tracked_files() -> set[str]:
    """The files git tracks in this checkout (CI runs in a clone)."""
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        fail(f"cannot list the tracked files ({err}); run from a git checkout")
    return set(out.split())


def main(dist: Path) -> None:
    sdist = one(dist, "fastsgd-*.tar.gz")
    with tarfile.open(sdist) as tar:
        # Drop the leading "fastsgd-X.Y/" folder.
        names = {name.partition("/")[2] for name in tar.getnames()}
    required = ["pyproject.toml", "setup.py", "README.md", "MANIFEST.in",
                "src/fastsgd/__init__.py", "src/fastsgd/_core.pyx", "src/fastsgd/_core.pyi",
                "src/fastsgd/py.typed", "tests/test_packaging.py",
                "tests/typing/user_script.py"]
    missing = [name for name in required if name not in names]
    if missing:
        fail(f"{sdist.name} lacks {missing}")
    tracked = tracked_files()
    # Every file of the package and of the tests that git tracks (the .pyx and whatever
    # they include, data files, stubs) must be in the sdist.
    lacking = sorted(f for f in tracked if f.startswith(("src/", "tests/")) and f not in names)
    if lacking:
        fail(f"{sdist.name} lacks {lacking}")
    generated = sorted(n for n in names if n.endswith((".c", ".so", ".pyd", ".html"))
                       or n.endswith("_build_info.json"))
    if generated:
        fail(f"{sdist.name} ships generated files: {generated}")
    print(f"{sdist.name}: {len(names)} entries, the Cython sources and the tests, "
          "no generated C")

    wheel = one(dist, "fastsgd-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    cores = [n for n in names if n.startswith("fastsgd/_core.") and n.endswith((".so", ".pyd"))]
    if len(cores) != 1:
        fail(f"{wheel.name} has compiled cores {cores}")
    for name in ("fastsgd/py.typed", "fastsgd/_core.pyi", "fastsgd/_build_info.json",
                 "fastsgd/__init__.py"):
        if name not in names:
            fail(f"{wheel.name} lacks {name}")
    # ... and every tracked file of the package must be installed by the wheel.
    lacking = sorted(f for f in tracked if f.startswith("src/fastsgd/")
                     and f.removeprefix("src/") not in names)
    if lacking:
        fail(f"{wheel.name} lacks {lacking}")
    if any(n.endswith(".c") for n in names):
        fail(f"{wheel.name} ships generated C")
    if any(n.startswith("tests/") for n in names):
        fail(f"{wheel.name} installs the tests as a top-level package")
    print(f"{wheel.name}: {wheel.stat().st_size} bytes, core {cores[0]}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail(__doc__.strip())
    main(Path(sys.argv[1]))
