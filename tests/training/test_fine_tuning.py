"""--init-from: a run that starts from another finished run's kept weights, and says so on its card."""

import re

import pytest
import torch
from django.core.management import CommandError

from tests.training import helpers as training_helpers
from tests.training.helpers import train_tiny
from training import loop

folders = training_helpers.folders  # the small real folders, a module-scoped fixture


def _checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=False)


def _child_config(parent_dir, **changes):
    config = loop.RunConfig(**_checkpoint(parent_dir / "last.pt")["config"])
    config.epochs, config.learning_rate, config.warmup_epochs = 1, 0.005, 0.0
    config.init_from = str(parent_dir)
    for key, value in changes.items():
        setattr(config, key, value)
    return config


def test_the_new_run_starts_from_the_parents_kept_weights_and_keeps_its_lineage_when_resumed(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="parent")
    parent_best = _checkpoint(tmp_path / "parent" / "best.pt")
    lines = []
    child = loop.start(tmp_path / "child", _child_config(tmp_path / "parent", epochs=2), log=lines.append)
    for name, weight in child.net.state_dict().items():
        torch.testing.assert_close(weight, parent_best["net"][name], msg=f"{name} is not the parent's")
    assert any(f"kept epoch {parent_best['epoch']}" in line for line in lines)

    child.step_epochs(stop_after=1)
    moved = any(
        not torch.equal(weight, parent_best["net"][name])
        for name, weight in child.net.state_dict().items()
        if weight.is_floating_point()
    )
    assert moved, "an epoch of fine-tuning changed nothing"
    resumed = loop.resume(tmp_path / "child", log=lines.append)
    assert [p["run_dir"] for p in resumed.lineage] == [str(tmp_path / "parent")]
    assert resumed.lineage[0]["best_epoch"] == parent_best["epoch"]
    resumed.step_epochs()
    assert _checkpoint(tmp_path / "child" / "last.pt")["lineage"] == resumed.lineage


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"width": 16}, "its width is 8, this run's 16"),
        ({"split_seed": 5}, "its validation split has seed 0, this run's 5"),
        ({"input_size": 48}, "its input_size is 40, this run's 48"),
    ],
)
def test_a_parent_that_cannot_serve_the_run_is_refused_before_anything_is_written(folders, tmp_path, changes, message):
    train_tiny(folders, tmp_path, "--no-eval", run="parent")
    with pytest.raises(ValueError, match=re.escape(message)):
        loop.start(tmp_path / "child", _child_config(tmp_path / "parent", **changes), log=lambda line: None)
    assert not (tmp_path / "child").exists()


def test_an_unfinished_or_missing_parent_is_refused_by_the_command(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", "--max-minutes", "0.0001", run="parent")  # stops after epoch 1
    with pytest.raises(CommandError, match=r"has not finished \(1/2 epochs\)"):
        train_tiny(folders, tmp_path, "--no-eval", "--init-from", str(tmp_path / "parent"), run="child")
    with pytest.raises(CommandError, match="no run there"):
        train_tiny(folders, tmp_path, "--no-eval", "--init-from", str(tmp_path / "nowhere"), run="child")


def test_the_card_gives_both_training_lines_and_counts_the_parents_cpu_hours(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="parent")
    # A tiny run takes seconds: let the parent's record say it took an hour an epoch, so the sum shows.
    state = _checkpoint(tmp_path / "parent" / "last.pt")
    for epoch in state["history"]:
        epoch["cpu_seconds"] = 3600.0
    torch.save(state, tmp_path / "parent" / "last.pt")
    out = train_tiny(
        folders, tmp_path, "--no-eval", "--init-from", str(tmp_path / "parent"), "--ferplus-weight", "0.25",
        run="child", out="child.onnx",
    )  # fmt: skip
    card = out.with_suffix(".md").read_text()
    block = card.split("```sh")[1].split("```")[0].strip().splitlines()
    assert block[0].endswith(f"--run-dir {tmp_path / 'parent'}") and "--init-from" not in block[0]
    assert f"--init-from {tmp_path / 'parent'}" in block[1] and "--ferplus-weight 0.25" in block[1]
    assert "trained from scratch (then fine-tuned, below)" in card
    assert f"fine-tuned from `{tmp_path / 'parent'}`: its kept epoch" in card

    own = sum(h["cpu_seconds"] for h in _checkpoint(tmp_path / "child" / "last.pt")["history"]) / 3600
    stated = float(re.search(r"compute: ([0-9.]+) CPU-hours", card).group(1))
    assert stated == pytest.approx(len(state["history"]) + own, abs=0.006)


def test_init_from_is_refused_beside_resume_rather_than_ignored(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="parent")
    with pytest.raises(CommandError, match="--init-from starts a new run"):
        train_tiny(folders, tmp_path, "--resume", "--init-from", str(tmp_path / "parent"), run="parent")
