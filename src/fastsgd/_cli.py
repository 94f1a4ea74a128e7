"""The ``fastsgd`` command (also ``python -m fastsgd``)."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastsgd",
        description="fastsgd: linear models trained by gradient descent, fast.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo", help="run the lecture's four lessons on the built-in Pokémon data",
        description="Run the four lessons of gradient descent (learning rate, Adagrad, "
                    "stochastic gradient descent, feature scaling) on the built-in "
                    "Pokémon data; write one PNG per lesson and print a table of the runs.")
    demo.add_argument("--out", metavar="DIR", default="fastsgd-demo",
                      help="folder for the pictures, created if missing "
                           "(default: ./fastsgd-demo)")
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit code (argparse exits 2 on bad arguments)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from pathlib import Path

        out = Path(args.out)
        if out.exists() and not out.is_dir():
            parser.error(f"--out {args.out!r} exists and is not a folder")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("fastsgd demo draws pictures with matplotlib, which is not installed: "
                  "pip install fastsgd[plot]", file=sys.stderr)
            return 1
        from .demo import run_demo

        run_demo(out)
    return 0
