"""`fastsgd demo` end to end, and the command line's handling of bad arguments."""

import os
import re
import struct
import subprocess
import sys

import pytest

from fastsgd._cli import _parser
from fastsgd.demo import FILES

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SETTINGS = (
    "eta=0.02 (too small)", "eta=0.5 (about right)", "eta=5 (too large)",
    "vanilla GD eta=9e-08", "Adagrad eta=0.1",
    "full-batch GD eta=0.5", "SGD eta=0.01",
    "b + w*cp, raw, eta=3e-05", "b + w*cp, scaled, eta=0.3",
)


def run(*args, cwd=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "fastsgd", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def table_rows(stdout):
    """setting -> (epochs, updates, final loss, R²) from the printed table."""
    rows = {}
    for setting in SETTINGS:
        (line,) = [s for s in stdout.splitlines() if s.startswith(setting + "  ")]
        cells = re.split(r"\s{2,}", line[len(setting):].strip())
        rows[setting] = cells
    return rows


def test_demo_end_to_end(tmp_path):
    out = tmp_path / "pictures"
    proc = run("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    printed = proc.stdout.splitlines()
    for name in FILES:
        path = out / name
        assert str(path) in printed
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE
        width, height = struct.unpack(">II", data[16:24])      # the IHDR chunk
        assert width >= 600 and height >= 400
        assert len(data) > 20_000                                 # not a blank canvas
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)

    header = [s for s in printed if s.startswith("setting")]
    assert header and all(h in header[0] for h in
                          ("epochs", "updates", "final loss", "R²", "seconds"))
    rows = table_rows(proc.stdout)
    # The lessons show what they claim.
    too_large = rows["eta=5 (too large)"]
    assert too_large[2].startswith("diverged (epoch") and too_large[3] == "-"
    loss = {k: float(v[2]) for k, v in rows.items() if k != "eta=5 (too large)"}
    assert loss["eta=0.5 (about right)"] < loss["eta=0.02 (too small)"]
    assert loss["Adagrad eta=0.1"] < loss["vanilla GD eta=9e-08"]
    assert loss["b + w*cp, scaled, eta=0.3"] < loss["b + w*cp, raw, eta=3e-05"]
    assert rows["SGD eta=0.01"][1] == "40000" and rows["full-batch GD eta=0.5"][1] == "200"
    assert float(rows["SGD eta=0.01"][3]) > 0.9


def test_default_output_folder():
    assert _parser().parse_args(["demo"]).out == "fastsgd-demo"


@pytest.mark.parametrize("args, message", [
    ((), "required"),
    (("frobnicate",), "invalid choice"),
    (("demo", "--bogus"), "unrecognized arguments"),
    (("demo", "--out"), "expected one argument"),
])
def test_bad_arguments_exit_2(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_must_not_be_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    proc = run("demo", "--out", str(target))
    assert proc.returncode == 2
    assert "not a folder" in proc.stderr


def test_without_matplotlib_the_demo_says_how_to_install(tmp_path):
    code = ("import sys\n"
            "sys.modules['matplotlib'] = None\n"      # makes `import matplotlib` fail
            "from fastsgd._cli import main\n"
            f"sys.exit(main(['demo', '--out', {str(tmp_path / 'out')!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert "pip install fastsgd[plot]" in proc.stderr
    assert "Traceback" not in proc.stderr
