"""The caption-to-mood model: cross-validation with fixed folds, a deterministic build, a stored model reused."""

import io
from unittest import mock

import numpy as np
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

from catalogue.mood_map import MOODS
from tests.rec_fixtures import temporary_dir
from videomood import mood_model
from videomood.mood_evaluation import confusion_image, cross_validate, estimated_fit
from videomood.mood_model import Labelled, labelled_clips

# MusicCaps -0Gj8-vB1q4 at 30 s, which has no AudioSet mood label.
SAD_BALLAD = (
    "low quality; sustained strings melody; soft female vocal; mellow piano melody; sad; soulful; ballad",
    "The low quality recording features a ballad song that contains sustained strings, mellow piano melody and soft "
    "female vocal singing over it. It sounds sad and soulful, like something you would hear at Sunday services.",
)


def small_sample(data: Labelled, per_mood: int = 12) -> Labelled:
    """The first `per_mood` single-label clips of each mood, in file order: a small fixed sample."""
    taken, rows = dict.fromkeys(MOODS, 0), []
    for i, moods in enumerate(data.moods):
        if len(moods) == 1 and taken[moods[0]] < per_mood:
            taken[moods[0]] += 1
            rows.append(i)
    pick = lambda values: [values[i] for i in rows]  # noqa: E731
    return Labelled(pick(data.keys), pick(data.texts), pick(data.moods), data.unlabelled[:1500])


class LabelledSetTest(SimpleTestCase):
    def test_the_musiccaps_clips_with_an_audioset_mood(self):
        data = labelled_clips()
        texts, y = data.single()
        self.assertEqual((len(data.moods), len(y)), (551, 539))
        self.assertEqual(len(data.unlabelled), 5521 - 551)
        self.assertEqual(set(y), set(MOODS))
        aspects, caption = texts[0]
        self.assertIn(";", aspects)
        self.assertGreater(len(caption), 50)


class CrossValidationTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sample = small_sample(labelled_clips())

    def test_folds_fixed_by_the_seed_and_every_figure_reported(self):
        first = cross_validate(self.sample, folds=3, seed=7, tune=False)
        again = cross_validate(self.sample, folds=3, seed=7, tune=False)
        self.assertEqual(first["clips"], 84)
        self.assertEqual(len(first["folds"]), 3)
        self.assertEqual(first["folds"], again["folds"])
        self.assertTrue(np.array_equal(first["confusion"], again["confusion"]))
        self.assertEqual(first["confusion"].sum(), 84)
        self.assertEqual(first["mean"], np.mean(first["folds"]))
        self.assertEqual(first["sd"], np.std(first["folds"]))
        self.assertEqual(list(first["recall"]), list(MOODS))
        self.assertEqual(sum(total for _, total in first["recall"].values()), 84)
        self.assertGreater(first["mean"], 2 / 7)  # well above chance even on 56 training clips
        other = cross_validate(self.sample, folds=3, seed=8, tune=False)
        self.assertNotEqual(first["folds"], other["folds"])

    def test_c_is_tuned_inside_each_training_fold(self):
        with mock.patch("videomood.mood_evaluation.tune_c", wraps=mood_model.tune_c) as tune:
            result = cross_validate(self.sample, folds=3, seed=1)
        self.assertEqual(tune.call_count, 3)
        self.assertTrue(all(len(call.args[0]) == 56 for call in tune.call_args_list))  # the training fold only
        self.assertTrue(set(result["chosen_c"]) <= set(mood_model.C_GRID))

    def test_estimated_fit_of_model_labelled_clips(self):
        perfect = estimated_fit(np.eye(7, dtype=int) * 10)
        self.assertEqual(set(perfect.values()), {1.0})
        confusion = np.zeros((7, 7), dtype=int)
        confusion[MOODS.index("Tender"), MOODS.index("Sad")] = 3  # Tender read as Sad: still fits sad × match
        confusion[MOODS.index("Angry"), MOODS.index("Sad")] = 1
        self.assertEqual(estimated_fit(confusion)[("sad", "match")], 0.75)

    def test_confusion_matrix_image(self):
        result = cross_validate(self.sample, folds=3, seed=7, tune=False)
        path = confusion_image(result, temporary_dir(self) / "confusion.png")
        self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")


class DeterministicBuildTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        data = labelled_clips()
        cls.texts = data.single()[0][:40] + [SAD_BALLAD]
        cls.first = mood_model.train(data, tune=False)
        cls.second = mood_model.train(data, tune=False)

    def test_two_builds_are_identical(self):
        svm_a, svm_b = (m.pipeline.named_steps["svm"] for m in (self.first, self.second))
        self.assertTrue(np.array_equal(svm_a.coef_, svm_b.coef_))
        self.assertTrue(np.array_equal(svm_a.intercept_, svm_b.intercept_))
        self.assertEqual(self.first.temperature, self.second.temperature)
        self.assertEqual(self.first.meta["learned_hash"], self.second.meta["learned_hash"])
        self.assertTrue(np.array_equal(self.first.probabilities(self.texts), self.second.probabilities(self.texts)))

    def test_a_distribution_per_clip_whose_top_is_the_svms_pick(self):
        p = self.first.probabilities(self.texts)
        self.assertEqual(p.shape, (41, 7))
        self.assertTrue(np.allclose(p.sum(axis=1), 1))
        self.assertTrue(np.array_equal(p.argmax(axis=1), self.first.scores(self.texts).argmax(axis=1)))
        self.assertIn(MOODS[int(p[-1].argmax())], ("Sad", "Tender"))  # both fit a sad listener
        self.assertGreater(p[-1][MOODS.index("Sad")] + p[-1][MOODS.index("Tender")], 0.6)

    def test_stored_model_is_reused_until_an_input_changes(self):
        models_dir = temporary_dir(self)
        with override_settings(EMOTUNES_MODELS_DIR=models_dir):
            with mock.patch.object(mood_model, "train", return_value=self.first) as train:
                built = mood_model.ensure_model()
                self.assertEqual(train.call_count, 1)
                self.assertTrue((models_dir / "video_mood.joblib").exists())
                loaded = mood_model.ensure_model()
                self.assertEqual(train.call_count, 1)  # same inputs: the stored file
                self.assertEqual(loaded.meta["learned_hash"], built.meta["learned_hash"])
                self.assertTrue(np.array_equal(loaded.probabilities(self.texts), self.first.probabilities(self.texts)))
                with mock.patch.object(mood_model, "fingerprint", return_value="changed"):
                    mood_model.ensure_model()
                self.assertEqual(train.call_count, 2)
            (models_dir / "video_mood.joblib").write_bytes(b"not a model")
            self.assertIsNone(mood_model.load())


class AgreementCommandTest(SimpleTestCase):
    def test_prints_folds_mean_recall_and_the_image(self):
        out = io.StringIO()
        with override_settings(VAR_DIR=temporary_dir(self)):
            call_command("video_mood_agreement", "--no-tune", "--no-fit", stdout=out)
        text = out.getvalue()
        self.assertIn("539 single-label clips of the 551 MusicCaps clips", text)
        self.assertEqual(text.count("  fold "), 5)
        line = next(line for line in text.splitlines() if "agreement" in line and "7 moods" in line)
        mean = float(line.split("(7 moods): ")[1].split("%")[0])
        self.assertGreaterEqual(mean, 55.0)
        for mood in MOODS:
            self.assertRegex(text, rf"  {mood} +\d+/\d+ +\d+%")
        self.assertIn("video_mood_confusion.png", text)
        self.assertRegex(text, r"  sad +\d+% +\d+% +\d+%")
