"""Type stub of ``_core_avx2``: the kernels of ``_core`` compiled with AVX2 and FMA."""

from ._core import column_stats as column_stats
from ._core import column_stats_csr as column_stats_csr
from ._core import cpu_supports_avx2_fma as cpu_supports_avx2_fma
from ._core import train_epochs as train_epochs
from ._core import train_epochs_csr as train_epochs_csr
