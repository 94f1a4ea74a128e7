"""Checks of report.py's machinery: interleaving, scaling, judging, README rewriting.

Plain tests (no timing): CI runs them with the suites (``--benchmark-disable``)."""

from __future__ import annotations

import _workloads as W
import pytest
import report


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Fake(W.Contender):
    """A contender whose epoch takes ``seconds`` of the fake clock and logs its turn."""

    def __init__(self, name, seconds, log, clock, time_factor=1.0):
        self.name, self.seconds, self.log, self.clock = name, seconds, log, clock
        self.time_factor = time_factor

    def run(self):
        self.log.append(self.name)
        self.clock.now += self.seconds


def test_measure_interleaves_rounds_and_scales(monkeypatch):
    clock, log = FakeClock(), []
    monkeypatch.setattr(report.time, "perf_counter", clock)
    contenders = {"a": Fake("a", 2.0, log, clock),
                  "b": Fake("b", 0.5, log, clock, time_factor=10.0)}
    med = report.measure(contenders, rounds=5, sample_seconds=0.0)
    # One warm-up each, then rounds alternately forwards and backwards.
    assert log == ["a", "b"] + ["a", "b", "b", "a"] * 2 + ["a", "b"]
    assert med["a"]["rounds"] == [2.0] * 5
    assert med["b"]["median"] == pytest.approx(5.0)   # scaled to a full epoch
    assert med["a"]["finite"] and med["b"]["finite"]


def test_measure_repeats_short_epochs_and_keeps_the_fastest(monkeypatch):
    clock, log = FakeClock(), []
    monkeypatch.setattr(report.time, "perf_counter", clock)
    durations = iter([0.01] + [0.05, 0.01, 0.03] * 5)     # warm-up, then 3 per round

    class Varying(Fake):
        def run(self):
            self.log.append(self.name)
            self.clock.now += next(durations)

    med = report.measure({"a": Varying("a", 0, log, clock)}, rounds=5,
                         sample_seconds=0.03, max_repeats=3)
    assert med["a"]["repeats_per_sample"] == 3
    assert med["a"]["rounds"] == pytest.approx([0.01] * 5)


def test_table_ratio_and_targets():
    med = {"x": {"median": 3.0, "rounds": [3.0, 6.0], "finite": True},
           "y": {"median": 2.0, "rounds": [2.0, 2.0], "finite": True}}
    table = report.Table(judge=True)
    table.ratio("x ÷ y", "data", med, "x", "y", ("≤", 1.3, "issue"))
    table.ratio("x ÷ y", "data", med, "x", "y", ("≥", 1.3, "issue"))
    first, second = table.rows
    # The median of the per-round ratios (1.5 and 3), not the ratio of the medians.
    assert first["ratio"] == pytest.approx(2.25) and first["met"] is False
    assert second["met"] is True
    assert (first["round_ratio_min"], first["round_ratio_max"]) == (1.5, 3.0)
    assert "**no**" in table.markdown()
    quick = report.Table(judge=False)
    quick.ratio("x ÷ y", "data", med, "x", "y", ("≤", 1.3, "issue"))
    assert quick.rows[0]["met"] is None


def test_update_readme_rewrites_only_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.START_MARK}\nold table\n{report.END_MARK}\noutro\n")
    report.update_readme(readme, "new table")
    assert readme.read_text() == (f"intro\n{report.START_MARK}\nnew table\n"
                                  f"{report.END_MARK}\noutro\n")
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        report.update_readme(readme, "x")
