"""Shared by the core-vs-twin tests: the compiled cores to check and the tolerances."""

import numpy as np
import pytest

from fastsgd._dispatch import available_cores

# Agreement required between a compiled core and the NumPy twin, by dtype.
RTOL = {np.float64: 1e-10, np.float32: 1e-4}

# Every compiled core this machine can run (baseline, and the AVX2+FMA build where the CPU
# has it): each must agree with the NumPy twin.
CORES = pytest.mark.parametrize("core", list(available_cores().values()),
                                ids=list(available_cores()))
