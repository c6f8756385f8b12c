"""Serving crops (training.crops): training faces cut the way the live path cuts them.

The point of these crops is that the classifier is trained on what `vision.pipeline` feeds it.
So the strongest check is the pipeline itself: a frame made by `place_in_frame`, sent as the
page sends it, gives the served classifier the same scores through `analyse_frame` as the
crop `serving_crop` cut from it (with the box jitter off, the one thing added on purpose).
"""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from django.conf import settings

from core.emotions import EMOTIONS
from tests.vision_fixtures import fer_faces
from training import crops
from vision import pipeline


@pytest.fixture(scope="module")
def faces():
    images, labels = [], []
    for label, emotion in enumerate(EMOTIONS):
        for face in fer_faces(emotion, 6):
            images.append(face)
            labels.append(label)
    return np.stack(images), np.asarray(labels)


def test_a_serving_crop_is_what_the_pipeline_classifies(faces):
    images, _ = faces
    recipe = replace(crops.FrameRecipe(), box_jitter=0.0, size=pipeline.get_models().classifier.input_size)
    assert recipe.margin == settings.VISION_FACE_MARGIN
    checked = 0
    for i in range(0, len(images), 5):
        rng = np.random.default_rng([7, i])
        frame, placed = crops.place_in_frame(images[i], rng, recipe, images)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, recipe.jpeg_quality])
        analysis = pipeline.analyse_frame(jpeg.tobytes())
        # The same frame again, through the crop builder (its generator at the same point).
        rng = np.random.default_rng([7, i])
        crop = crops.serving_crop(pipeline.get_models().detector, images[i], rng, recipe, images)
        if crop is None or analysis.primary is None:
            continue
        served = analysis.primary.emotions
        ours = pipeline.classify_faces(crop[None])[0]
        assert np.allclose([served[e] for e in EMOTIONS], ours, atol=1e-5)
        checked += 1
    assert checked >= 5


def test_most_faces_are_found_and_each_crop_keeps_its_face_s_label(faces):
    images, labels = faces
    built = crops.build(images, labels, variants=2, seed=3, progress=False)
    assert built.attempted == 2 * len(images)
    assert len(built) + built.missed == built.attempted
    assert len(built) >= 0.7 * built.attempted
    assert built.images.shape[1:] == (48, 48) and built.images.dtype == np.uint8
    assert np.array_equal(built.labels, labels[built.source])
    # Not FER's framing: MTCNN's box with the served margin shows more around the face.
    fer_framed = np.stack([cv2.resize(images[s], (48, 48)) for s in built.source])
    assert np.abs(built.images.astype(int) - fer_framed).mean() > 10


def test_the_same_seed_gives_the_same_crops_and_another_seed_others(faces):
    images, labels = faces
    a = crops.build(images[:10], labels[:10], variants=1, seed=1, progress=False)
    b = crops.build(images[:10], labels[:10], variants=1, seed=1, progress=False)
    c = crops.build(images[:10], labels[:10], variants=1, seed=2, progress=False)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.source, b.source)
    assert not (len(a) == len(c) and np.array_equal(a.images, c.images))


def test_crops_are_cached_by_recipe(faces, tmp_path):
    images, labels = faces
    first = crops.load_or_build(
        images[:8], labels[:8], name="t", cache_dir=tmp_path, variants=1, seed=0, progress=False
    )
    assert len(list(tmp_path.glob("t-crops-*.npz"))) == 1
    again = crops.load_or_build(
        images[:8], labels[:8], name="t", cache_dir=tmp_path, variants=1, seed=0, progress=False
    )
    assert np.array_equal(first.images, again.images) and again.missed == first.missed
    crops.load_or_build(
        images[:8],
        labels[:8],
        name="t",
        cache_dir=tmp_path,
        variants=1,
        seed=0,
        recipe=replace(crops.FrameRecipe(), jpeg_quality=50),
        progress=False,
    )
    assert len(list(tmp_path.glob("t-crops-*.npz"))) == 2
