# cython: language_level=3
"""The kernels of ``fastsgd._core``, compiled with AVX2 and FMA enabled.

Built only on x86-64; ``fastsgd._dispatch`` imports it only on a CPU that has both
instruction sets.  The source is the same file, so the two can never drift apart: the
same epoch loops, run inside ``with nogil:`` blocks.
"""

include "_core.pyx"
