"""A run stopped after an epoch and resumed reaches the weights of a run that never stopped."""

import torch

from tests.training.helpers import copy_small_folder
from training.loop import RunConfig, resume, start


def _config(folder):
    # fp32: bfloat16 kernels may pick other blockings between processes; the claim is about the loop.
    return RunConfig(
        data_dir=str(folder),
        arch="vgg",
        width=8,
        input_size=32,
        epochs=3,
        batch_size=16,
        val_split=0.2,
        precision="fp32",
        seed=3,
    )


def test_resumed_run_matches_an_uninterrupted_one(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=10)
    quiet = lambda line: None  # noqa: E731

    straight = start(tmp_path / "straight", _config(folder), log=quiet)
    straight.step_epochs()

    interrupted = start(tmp_path / "interrupted", _config(folder), log=quiet)
    interrupted.step_epochs(stop_after=1)
    assert interrupted.epoch == 1 and (tmp_path / "interrupted" / "last.pt").exists()
    del interrupted
    resumed = resume(tmp_path / "interrupted", log=quiet)
    assert resumed.epoch == 1
    resumed.step_epochs()

    assert resumed.epoch == straight.epoch == 3
    for (name, a), b in zip(straight.net.state_dict().items(), resumed.net.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=f"{name} differs after resuming")
    assert [h["val_accuracy"] for h in straight.history] == [h["val_accuracy"] for h in resumed.history]
    assert resumed.best_epoch == straight.best_epoch


def test_a_stop_file_ends_the_run_after_the_current_epoch(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=4)
    lines = []
    run = start(tmp_path / "run", _config(folder), log=lines.append)
    (tmp_path / "run" / "STOP").touch()
    run.step_epochs()
    assert run.epoch == 0 and any("STOP" in line for line in lines)


def test_every_epoch_prints_loss_validation_time_and_time_left(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=4)
    lines = []
    run = start(tmp_path / "run", _config(folder), log=lines.append)
    run.step_epochs(stop_after=1)
    epoch_line = next(line for line in lines if line.startswith("epoch 1/3"))
    for part in ("loss ", "val ", "s/epoch", "left ", "best "):
        assert part in epoch_line
