"""Packaging: the version, the build record, the installed layout and the type information.

These run against whatever ``import fastsgd`` finds: the source tree during development
(PYTHONPATH=src after an in-place build), the installed wheel in CI (.ci/run), where
FASTSGD_EXPECT_INSTALLED says that the source tree must NOT be what was imported.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import runpy
import subprocess
import sys
import sysconfig
from importlib import metadata, resources
from pathlib import Path

import pytest

import fastsgd
from fastsgd import _config, _core

TESTS = Path(__file__).resolve().parent
TYPING = TESTS / "typing"
PROJECT = TESTS.parent          # the checkout or the unpacked sdist holding these tests
PACKAGE = Path(fastsgd.__file__).resolve().parent


def _pyproject_version() -> str | None:
    """The version written in pyproject.toml next to these tests, if there is one."""
    path = PROJECT / "pyproject.toml"
    if not path.is_file():
        return None
    match = re.search(r'(?m)^\[project\][^\[]*?^version\s*=\s*"([^"]+)"',
                      path.read_text(encoding="utf-8"))
    assert match, "pyproject.toml has no [project] version"
    return match.group(1)


def _config_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines()[1:]:
        key, sep, value = line.strip().partition(": ")
        if sep:
            fields.setdefault(key, value)      # the first (build) section wins
    return fields


# -- version -------------------------------------------------------------------------------

def test_version_is_the_distribution_version():
    from packaging.version import Version

    Version(fastsgd.__version__)            # a valid PEP 440 version
    assert fastsgd.__version__ == metadata.version("fastsgd")
    expected = _pyproject_version()
    if expected is not None:
        assert fastsgd.__version__ == expected


def test_version_without_metadata_falls_back_to_the_build_record(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    installed = metadata.version("fastsgd")
    monkeypatch.setattr(_config.metadata, "version", not_installed)
    assert _config.get_version() == _config.build_info()["version"] == installed
    monkeypatch.setattr(_config, "build_info", dict)
    assert _config.get_version() == "0+unknown"


# -- show_config ---------------------------------------------------------------------------

def test_show_config_prints_the_build(capsys):
    fastsgd.show_config()
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"fastsgd {fastsgd.__version__}"
    fields = _config_fields(text)
    info = _config.build_info()
    assert info, "no _build_info.json beside the compiled core"

    assert fields["Cython"] == info["cython"]
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?\S*", fields["Cython"])
    # The compiled functions live in Cython's shared ABI module, named after the Cython
    # that generated the C code: the record must name the same one.
    major, minor = fields["Cython"].split(".")[:2]
    assert type(_core.train_epochs).__module__.startswith(f"_cython_{major}_{minor}")

    from packaging.version import Version
    assert fields["NumPy"] == info["numpy"]
    assert Version(fields["NumPy"]) >= Version("2.0")   # pyproject's build requirement

    assert fields["location"] == _core.__file__
    assert fields["compiler"]
    assert fields["compiler flags"]
    assert fields["extra compile flags"] == " ".join(info["compile_args"])
    assert fields["debug build"] in ("yes", "no")
    # The cores listed are exactly the compiled modules shipped beside fastsgd/_core.
    suffixes = (".so", ".pyd")
    shipped = {p.name.split(".")[0] for p in PACKAGE.glob("_core*.*") if p.suffix in suffixes}
    listed = {item.split(" ")[0] for item in fields["cores"].split(", ")}
    assert listed == shipped == set(info["extensions"])
    assert "_core" in listed


def test_show_config_debug_field_matches_the_binary():
    out = io.StringIO()
    fastsgd.show_config(file=out)
    fields = _config_fields(out.getvalue())
    info = _config.build_info()
    debug = fields["debug build"] == "yes"
    assert debug is info["debug"]
    extra = fields["extra compile flags"].split()
    if info["compiler_family"] == "msvc":
        assert ("/Od" in extra) if debug else ("/O2" in extra)
        return
    assert ("-fsanitize=address,undefined" in extra) if debug else ("-O3" in extra)
    # An AddressSanitizer build calls __asan_* hooks, which the release build never names.
    binary = Path(_core.__file__).read_bytes()
    assert (b"__asan_" in binary) is debug


# -- where fastsgd comes from --------------------------------------------------------------

def test_package_data_is_shipped():
    files = resources.files("fastsgd")
    for name in ("py.typed", "_core.pyi", "_build_info.json", "_core.pyx"):
        assert files.joinpath(name).is_file(), name


def test_imported_from_the_installed_package_when_expected():
    expected = os.environ.get("FASTSGD_EXPECT_INSTALLED")
    if not expected:
        pytest.skip("FASTSGD_EXPECT_INSTALLED is not set (a source-tree run)")
    checkout = PROJECT if expected == "1" else Path(expected).resolve()
    environment = Path(sys.prefix).resolve()
    for module in (fastsgd, _core):
        path = Path(module.__file__).resolve()
        # Not the checkout's sources, but the running environment's installed copy (the
        # environment itself may live inside the checkout, as .ci-venv does).
        assert not path.is_relative_to(checkout / "src"), (
            f"{module.__name__} was imported from the source tree: {path}")
        assert path.is_relative_to(environment), (
            f"{module.__name__} is not installed in {environment}: {path}")
        if not environment.is_relative_to(checkout):
            assert not path.is_relative_to(checkout), path
    # ... and it is the copy that the distribution installed (not an editable redirect).
    record = {Path(str(f)).as_posix(): f for f in metadata.files("fastsgd") or []}
    assert "fastsgd/__init__.py" in record
    assert Path(record["fastsgd/__init__.py"].locate()).resolve() == Path(
        fastsgd.__file__).resolve()
    core = [f for f in record if re.fullmatch(r"fastsgd/_core\..*(so|pyd)", f)]
    assert len(core) == 1 and Path(record[core[0]].locate()).resolve() == Path(
        _core.__file__).resolve()
    assert not any(f.endswith(".c") for f in record), "generated C shipped in the wheel"
    assert PACKAGE.parent in {Path(p).resolve() for p in (
        sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])}


# -- type information ----------------------------------------------------------------------

def _mypy_env() -> dict[str, str]:
    """Make mypy (and stubtest's import) see the fastsgd that is imported here: an
    installed one is found by itself; a source tree goes first on MYPYPATH and PYTHONPATH,
    ahead of any other installed copy (and as an absolute path: the cwd changes)."""
    env = dict(os.environ)
    site = {Path(p).resolve() for p in (sysconfig.get_paths()["purelib"],
                                        sysconfig.get_paths()["platlib"])}
    if PACKAGE.parent not in site:
        env["MYPYPATH"] = env["PYTHONPATH"] = str(PACKAGE.parent)
    return env


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    """One mypy cache for the module's runs: NumPy's stubs are analysed once."""
    pytest.importorskip("mypy")
    return str(tmp_path_factory.mktemp("mypy_cache"))


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def test_user_script_runs():
    runpy.run_path(str(TYPING / "user_script.py"), run_name="__main__")


def test_mypy_strict_accepts_the_user_script_and_rejects_misuse(tmp_path, mypy_cache):
    script, bad = TYPING / "user_script.py", TYPING / "bad_usage.py"
    # From an empty folder: no project configuration, only --strict.
    result = _run(["-m", "mypy", "--strict", "--follow-imports=silent",
                   "--cache-dir", mypy_cache, str(script), str(bad)],
                  cwd=tmp_path, env=_mypy_env())
    reported = set()
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?):(\d+): error:", line)
        if match:
            reported.add((Path(match.group(1)).name, int(match.group(2))))
    expected = {(bad.name, number) for number, text in enumerate(
        bad.read_text(encoding="utf-8").splitlines(), start=1) if text.endswith("# E")}
    assert len(expected) >= 8
    assert reported == expected, result.stdout + result.stderr


def test_mypy_passes_on_the_package_with_the_project_settings(mypy_cache):
    if not (PROJECT / "src" / "fastsgd").is_dir():
        pytest.skip("no source tree next to the tests")
    result = _run(["-m", "mypy", "--cache-dir", mypy_cache], cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_core_stubs_match_the_compiled_modules(tmp_path, mypy_cache):
    modules = ["fastsgd._core"]
    if importlib.util.find_spec("fastsgd._core_avx2") is not None:
        modules.append("fastsgd._core_avx2")      # built on x86-64 only
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\ncheck_untyped_defs = True\ncache_dir = {mypy_cache}\n"
                      "[mypy-sklearn.*,scipy.*]\nignore_missing_imports = True\n",
                      encoding="utf-8")
    result = _run(["-m", "mypy.stubtest", *modules, "--mypy-config-file", str(config),
                   "--allowlist", str(TYPING / "stubtest_allowlist.txt")],
                  cwd=tmp_path, env=_mypy_env())
    assert result.returncode == 0, result.stdout + result.stderr
