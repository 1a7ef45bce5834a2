"""bench/core.py: every case runs, and ours and the reference compute the same thing (no timing claims)."""

import json

import pytest

from bench import core


@pytest.mark.parametrize("case", list(core.TRAINING_CASES))
def test_a_step_and_an_epoch_match_the_reference(case):
    assert core.check_training(case) < 1e-10


def test_grid_activations_match_the_reference():
    assert core.check_grid() < 1e-5


def test_a_tiny_run_gives_every_row():
    results = core.run({"step": 4, "epoch": 2, "grid": 1})
    assert list(results) == ["W1 step", "W1 epoch", "W2 step", "W2 epoch", "grid 200x200"]
    for row in results.values():
        assert row["ours_us"] > 0 and row["reference_us"] > 0
        assert row["ratio"] == pytest.approx(row["ours_us"] / row["reference_us"])
    json.dumps(results)
    assert "W2 epoch" in core.table(results)
