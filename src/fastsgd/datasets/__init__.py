"""Small data sets that ship with fastsgd, for examples, the demo and the docs."""

from ._pokemon import load_pokemon

__all__ = ["load_pokemon"]
