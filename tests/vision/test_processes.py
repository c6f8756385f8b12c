"""Separate worker processes each load their own models; a fork of a loaded process is refused clearly."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.vision_fixtures import analyse_in_this_process, astronaut_frame
from vision import pipeline


@pytest.mark.slow
def test_a_separate_worker_process_loads_its_own_models_and_reads_the_astronaut():
    pipeline.warm_up()  # loaded here too: the child must not depend on it
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pid, faces = pool.submit(analyse_in_this_process, astronaut_frame()).result(timeout=240)
    assert pid != os.getpid()
    assert faces == [("happy", True)]


def _use_models_in_fork(queue):
    try:
        pipeline.get_models()
        queue.put("loaded")
    except pipeline.ForkedAfterLoading as error:
        queue.put(f"refused: {error}")


def test_a_fork_of_a_loaded_process_is_refused_instead_of_hanging():
    pipeline.warm_up()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_use_models_in_fork, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    message = queue.get(timeout=5)
    assert message.startswith("refused: ") and "forked" in message


@pytest.mark.parametrize(
    "argv,run_main,warms",
    [
        (["manage.py", "runserver"], None, False),  # the autoreloader's parent only watches files
        (["manage.py", "runserver"], "true", True),
        (["manage.py", "runserver", "--noreload"], None, True),
        (["manage.py", "runworker", "vision-frames"], None, True),
        (["/srv/.venv/bin/daphne", "emotunes.asgi:application"], None, True),
        (["/srv/.venv/lib/python3.11/site-packages/daphne/__main__.py", "emotunes.asgi:application"], None, True),
        (["manage.py", "migrate"], None, False),
        (["manage.py", "evaluate_emotion_model"], None, False),
        (["/srv/.venv/bin/celery", "-A", "emotunes", "worker"], None, False),  # prefork: would fork a loaded TF
    ],
)
def test_models_are_warmed_up_only_in_processes_that_serve_frames(argv, run_main, warms, monkeypatch):
    from vision.apps import _serves_frames

    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    assert _serves_frames(argv) is warms


@pytest.mark.parametrize(
    "argv,warms",
    [
        (["/srv/.venv/bin/daphne", "emotunes.asgi:application"], False),
        (["manage.py", "runserver", "--noreload"], False),
        (["manage.py", "runworker", "vision-frames"], True),
    ],
)
def test_with_vision_workers_only_the_workers_load_models(argv, warms):
    from vision.apps import _serves_frames

    assert _serves_frames(argv, "workers") is warms
