"""The built-in Pokémon data set: shape, types, determinism, size, and shipping."""

import sys
from pathlib import Path

import numpy as np
import pytest

from fastsgd.datasets import _generate_pokemon as generator
from fastsgd.datasets import load_pokemon

ROOT = Path(__file__).resolve().parents[1]


def test_bunch_fields_shapes_and_dtypes():
    data = load_pokemon()
    assert data.data.shape == (2000, 5)
    assert data.target.shape == (2000,)
    assert data.data.dtype == np.float64 and data.target.dtype == np.float64
    assert data.data.flags.c_contiguous       # usable by the estimator without a copy
    assert data.feature_names == ["cp", "hp", "weight_kg", "height_m", "stardust"]
    assert data.target_name == "cp_after"
    assert "generated" in data.DESCR
    assert np.isfinite(data.data).all() and np.isfinite(data.target).all()


def test_return_X_y_matches_the_bunch():
    X, y = load_pokemon(return_X_y=True)
    data = load_pokemon()
    np.testing.assert_array_equal(X, data.data)
    np.testing.assert_array_equal(y, data.target)


def test_loads_are_identical_and_independent():
    a, b = load_pokemon(), load_pokemon()
    np.testing.assert_array_equal(a.data, b.data)
    a.data[0, 0] = -1.0                       # a caller's edit must not leak into later loads
    assert load_pokemon().data[0, 0] != -1.0


def test_generator_reproduces_the_shipped_file(tmp_path):
    out = tmp_path / "pokemon_cp.csv"
    generator.write(out)
    shipped = Path(load_pokemon().filename)
    assert out.read_bytes() == shipped.read_bytes()


def test_features_span_very_different_scales():
    # The lessons on Adagrad and feature scaling need it: several orders of magnitude.
    std = load_pokemon().data.std(axis=0)
    assert std.max() / std.min() > 1e4


def test_a_linear_model_fits_but_not_perfectly():
    X, y = load_pokemon(return_X_y=True)
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    r2 = 1 - np.sum((A @ coef - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert 0.85 < r2 < 0.99


def test_small_and_declared_as_package_data():
    path = Path(load_pokemon().filename)
    assert path.stat().st_size < 1_000_000
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["fastsgd.datasets"]
    assert any(path.match(p) for p in patterns)
