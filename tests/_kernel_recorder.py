"""A stand-in for ``fastsgd._sgd._BACKEND`` that records what reaches the compiled core."""

from fastsgd._dispatch import CORE as _core  # the core the estimator uses on this CPU


class KernelRecorder:
    """Forwards every call to the compiled core and keeps the arguments of train_epochs."""

    def __init__(self):
        self.calls = []

    def train_epochs(self, X, y, sample_weight, *rest, **kwargs):
        self.calls.append({"X": X, "y": y, "sample_weight": sample_weight})
        return _core.train_epochs(X, y, sample_weight, *rest, **kwargs)

    def __getattr__(self, name):
        # Any other kernel (column_stats, the sparse ones, ...) goes straight through.
        return getattr(_core, name)


def install(monkeypatch) -> KernelRecorder:
    recorder = KernelRecorder()
    monkeypatch.setattr("fastsgd._sgd._BACKEND", recorder)
    return recorder
