"""Regenerate ``pokemon_cp.csv``, the synthetic Pokémon data set of ``load_pokemon``.

    python -m fastsgd.datasets._generate_pokemon [PATH]

The file is shipped rather than generated at load time so that every install sees the
same numbers, whatever future NumPy versions do to their samplers; this script documents
exactly how it was made, and a test checks that it still reproduces the shipped file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 20161003          # the lecture's term; any fixed seed would do
N_SAMPLES = 2000
COLUMNS = ("cp", "hp", "weight_kg", "height_m", "stardust", "cp_after")

# species: (share, CP per level, HP per sqrt(level), mean weight kg, mean height m,
#           CP multiplier of the evolution)
SPECIES = {
    "Pidgey": (0.40, 11.0, 9.0, 1.8, 0.30, 1.78),
    "Caterpie": (0.25, 7.5, 10.0, 2.9, 0.30, 1.05),
    "Weedle": (0.25, 7.8, 9.5, 3.2, 0.30, 1.06),
    "Eevee": (0.10, 14.0, 12.0, 6.5, 0.30, 2.50),
}

# Stardust needed to power a Pokémon up, by level band (two levels per band).
STARDUST = (200, 400, 600, 800, 1000, 1300, 1600, 1900, 2200, 2500,
            3000, 3500, 4000, 4500, 5000, 6000, 7000, 8000, 9000, 10000)


def generate() -> np.ndarray:
    """The data set as a float64 array with the columns ``COLUMNS``."""
    rng = np.random.default_rng(SEED)
    names = list(SPECIES)
    shares = np.array([SPECIES[s][0] for s in names])
    species = rng.choice(len(names), size=N_SAMPLES, p=shares / shares.sum())
    table = np.array([SPECIES[s][1:] for s in names])
    cp_per_level, hp_per_root, weight, height, multiplier = table[species].T

    level = rng.integers(1, 41, size=N_SAMPLES)
    cp = np.maximum(10, np.round(cp_per_level * level * rng.uniform(0.8, 1.2, N_SAMPLES)))
    hp = np.maximum(10, np.round(hp_per_root * np.sqrt(level) * rng.uniform(0.8, 1.2,
                                                                         N_SAMPLES)))
    weight_kg = np.round(weight * rng.lognormal(0.0, 0.25, N_SAMPLES), 1)
    height_m = np.round(height * rng.lognormal(0.0, 0.12, N_SAMPLES), 2)
    stardust = np.array(STARDUST)[np.minimum((level - 1) // 2, len(STARDUST) - 1)]
    cp_after = np.round(multiplier * cp * rng.uniform(0.95, 1.05, N_SAMPLES)
                        + rng.normal(0.0, 10.0, N_SAMPLES))
    return np.column_stack([cp, hp, weight_kg, height_m, stardust,
                            np.maximum(10, cp_after)]).astype(np.float64)


def write(path) -> None:
    data = generate()
    formats = ["%d", "%d", "%.1f", "%.2f", "%d", "%d"]
    np.savetxt(path, data, fmt=formats, delimiter=",", header=",".join(COLUMNS),
               comments="")


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("pokemon_cp.csv"))
