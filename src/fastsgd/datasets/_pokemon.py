"""The synthetic Pokémon combat-power data set (the lecture's running example)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_pokemon"]

_FILE = Path(__file__).with_name("pokemon_cp.csv")

_DESCR = """\
Synthetic Pokémon combat power (CP) before and after evolution
==============================================================

2000 examples, 5 numeric features, a numeric target.  Modelled on the example of the
NTU Machine Learning lecture (Hung-yi Lee) that fastsgd's demo follows: predict the
combat power a Pokémon will have after it evolves from what is known before.

Features (on very different scales, on purpose):
    cp          combat power before evolution       ~ 10 .. 700
    hp          hit points                          ~ 10 .. 90
    weight_kg   weight in kilograms                 ~ 1 .. 13
    height_m    height in metres                    ~ 0.2 .. 0.45
    stardust    stardust cost of the next power-up  200 .. 10000
Target:
    cp_after    combat power after evolution

Origin: generated, not collected.  ``python -m fastsgd.datasets._generate_pokemon``
rebuilds the shipped CSV file exactly from a fixed seed: four species (Pidgey,
Caterpie, Weedle, Eevee) with their own CP and HP growth per level, weight, height and
evolution multiplier; a random level 1..40; uniform individual-value noise; the target
is the species' multiplier times the CP, with 5 % multiplicative and N(0, 10²) additive
noise.  The species is not a feature, so a linear model cannot fit it exactly
(R² about 0.93 with all five features, 0.83 with cp alone).
"""


def load_pokemon(*, return_X_y=False):
    """Load the synthetic Pokémon combat-power data set (regression).

    A deterministic, generated data set (it is not real game data): 2000 Pokémon with
    their combat power ``cp``, hit points ``hp``, ``weight_kg``, ``height_m`` and the
    ``stardust`` cost of a power-up, and as target the combat power after evolution.
    The features span five orders of magnitude of scale (height ~0.3, stardust ~3600),
    which is what makes the lecture's lessons on learning rates, Adagrad and feature
    scaling visible.  The file is produced by ``fastsgd.datasets._generate_pokemon``
    from a fixed seed; the full description is in ``DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return the tuple ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch with fields
        data : ndarray of shape (2000, 5), float64, C-contiguous
        target : ndarray of shape (2000,), float64
        feature_names : list of str
            ``["cp", "hp", "weight_kg", "height_m", "stardust"]``
        target_name : str
            ``"cp_after"``
        DESCR : str
        filename : str
            The CSV file the data was read from.

    (X, y) : tuple of ndarray
        When ``return_X_y=True``.

    Examples
    --------
    >>> from fastsgd.datasets import load_pokemon
    >>> data = load_pokemon()
    >>> data.data.shape, data.feature_names[0], data.target_name
    ((2000, 5), 'cp', 'cp_after')
    """
    with open(_FILE, encoding="ascii") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    X = np.ascontiguousarray(table[:, :-1])
    y = np.ascontiguousarray(table[:, -1])
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, feature_names=header[:-1], target_name=header[-1],
                 DESCR=_DESCR, filename=str(_FILE))
