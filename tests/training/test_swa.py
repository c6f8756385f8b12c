"""Stochastic weight averaging after the cosine schedule: the mean of the SWA epochs' weights,
resumable like every other epoch, and the same whether planned at the start or added to a
finished run."""

import pytest
import torch

from tests.training.helpers import copy_small_folder
from training.export import load_checkpoint_net
from training.loop import RunConfig, resume, start

QUIET = lambda line: None  # noqa: E731


def _config(folder, **changes):
    # fp32: bfloat16 kernels may pick other blockings between processes; the claim is about the loop.
    recipe = dict(
        data_dir=str(folder), arch="vgg", width=8, input_size=32, epochs=2, batch_size=16, val_split=0.2,
        precision="fp32", seed=5, swa_learning_rate=0.02,
    )  # fmt: skip
    return RunConfig(**{**recipe, **changes})


def _assert_same_weights(a: dict, b: dict) -> None:
    for (name, x), y in zip(a.items(), b.values(), strict=True):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6, msg=f"{name} differs")


def test_the_swa_epochs_average_their_weights_and_the_mean_is_what_best_keeps(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=10)
    lines = []
    run = start(tmp_path / "run", _config(folder, swa_epochs=3), log=lines.append)
    snapshots = []
    for epoch in range(1, 6):
        run.step_epochs(stop_after=epoch)
        snapshots.append({k: v.clone() for k, v in run.net.state_dict().items()})
    assert run.epoch == run.total_epochs == 5 and run.swa.count == 3
    assert [run.optimizer.param_groups[0]["lr"]] == [0.02]  # the constant SWA rate after the cosine's end
    assert any(line.startswith("epoch 5/5  SWA mean of 3") for line in lines)
    # Each epoch records the rate its last step used, not the next step's: epoch 2 ends the two
    # warm-up epochs at the peak rate (0.05), then the SWA epochs run at theirs.
    rates = [h["learning_rate"] for h in run.history]
    assert rates[1:] == [0.05, 0.02, 0.02, 0.02], rates

    # The mean of the weights at the end of epochs 3, 4 and 5; batch norm measured again for it.
    averaged = run.swa.net.state_dict()
    for name, value in averaged.items():
        if value.ndim > 1:  # convolution and linear weights
            expected = sum(s[name] for s in snapshots[2:]) / 3
            torch.testing.assert_close(value, expected, rtol=1e-5, atol=1e-6, msg=name)
    means = [k for k in averaged if k.endswith("running_mean")]
    assert means and not torch.equal(averaged[means[0]], snapshots[-1][means[0]])

    # best.pt holds the mean where it validated best, and it loads as a plain network.
    best = torch.load(tmp_path / "run" / "best.pt", weights_only=False)
    if run.best_epoch > 2:
        assert best["swa_averaged"] == run.best_epoch - 2
    net = load_checkpoint_net(tmp_path / "run" / "best.pt")[0]
    assert net(torch.zeros(2, 1, 32, 32)).shape == (2, 7)


def test_swa_added_to_a_finished_run_after_a_stop_matches_swa_planned_from_the_start(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=10)

    planned = start(tmp_path / "planned", _config(folder, swa_epochs=2), log=QUIET)
    planned.step_epochs()

    finished = start(tmp_path / "later", _config(folder), log=QUIET)
    finished.step_epochs()
    assert finished.epoch == finished.total_epochs == 2 and finished.swa is None
    del finished
    extended = resume(tmp_path / "later", log=QUIET, swa_epochs=2)
    extended.step_epochs(stop_after=3)  # one SWA epoch, then a stop
    del extended
    resumed = resume(tmp_path / "later", log=QUIET)
    assert resumed.config.swa_epochs == 2 and resumed.swa.count == 1
    resumed.step_epochs()

    assert resumed.epoch == planned.epoch == 4
    _assert_same_weights(planned.net.state_dict(), resumed.net.state_dict())
    _assert_same_weights(planned.swa.net.state_dict(), resumed.swa.net.state_dict())
    assert [h["val_accuracy"] for h in planned.history] == [h["val_accuracy"] for h in resumed.history]


def test_a_run_cannot_be_given_fewer_swa_epochs_than_it_has_done_nor_another_rate(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=4)
    run = start(tmp_path / "run", _config(folder, epochs=1, swa_epochs=2), log=QUIET)
    run.step_epochs()
    del run
    with pytest.raises(ValueError, match="only get more"):
        resume(tmp_path / "run", log=QUIET, swa_epochs=1)
    with pytest.raises(ValueError, match="the rate stays"):  # the mean would mix two rates' walks
        resume(tmp_path / "run", log=QUIET, swa_epochs=3, swa_learning_rate=0.001)


def test_a_finished_run_may_get_its_swa_rate_before_its_first_swa_epoch(tmp_path):
    torch.set_num_threads(1)
    folder = copy_small_folder("train", tmp_path / "faces", per_class=4)
    start(tmp_path / "run", _config(folder, epochs=1), log=QUIET).step_epochs()
    run = resume(tmp_path / "run", log=QUIET, swa_epochs=1, swa_learning_rate=0.003)
    run.step_epochs()
    assert run.optimizer.param_groups[0]["lr"] == pytest.approx(0.003)
    assert resume(tmp_path / "run", log=QUIET).config.swa_learning_rate == 0.003  # kept in the checkpoint
