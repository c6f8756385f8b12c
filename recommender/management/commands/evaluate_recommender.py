import statistics

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

from catalogue.clustering import complete
from catalogue.models import Clustering, Track
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.index import track_index
from recommender.engine.strategies import STRATEGIES, targets
from recommender.selectors import forget_tastes, recommend, reset_indexes
from recommender.simulation import simulate_listeners


class Command(BaseCommand):
    help = (
        "Offline evaluation: fit of the top 10 to the requested emotion, and precision@10 with and without "
        "personalisation on simulated listeners with held-out ratings (rolled back afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        clustering = Clustering.objects.filter(is_active=True).first()
        if clustering is None:
            raise CommandError("No active clustering: run `make data` (manage.py load_shared_data) first.")
        out = self.stdout.write
        vad = {t: (v, a, d) for t, v, a, d in Track.objects.values_list("id", "valence", "arousal", "dominance")}
        fit = clustering.scaler["dominance_fit"]

        def point(track_id):
            v, a, d = vad[track_id]
            return complete(np.array([[v, a, np.nan if d is None else d]]), fit)[0]

        out(
            f"Fit to the requested emotion (clustering #{clustering.pk}, k={clustering.k}); VAD distance on the 1–9 "
            f"scale, dominance imputed where a source has none:"
        )
        rng = np.random.default_rng(options["seed"])
        active = list(Track.objects.filter(is_active=True).values_list("id", flat=True))
        for strategy in STRATEGIES:
            distances, inside = [], []
            for emotion in EMOTIONS:
                result = recommend(emotion=emotion, strategy=strategy, video_limit=0)
                steps = targets(strategy, WARRINER_VAD[emotion], emotion, len(result["tracks"]))
                for track, target in zip(result["tracks"], steps):
                    distances.append(float(np.linalg.norm(point(track["id"]) - np.array(target))))
                    inside.append(track["in_target_cluster"])
            out(
                f"  {strategy:<6} mean distance of the top 10 to its target {statistics.mean(distances):.2f}   "
                f"share inside the emotion's cluster {np.mean(inside):.0%}"
            )
        baseline = []
        for emotion in EMOTIONS:
            sample = rng.choice(active, 10, replace=False)
            baseline += [float(np.linalg.norm(point(int(t)) - np.array(WARRINER_VAD[emotion]))) for t in sample]
        out(f"  random 10 tracks: mean distance {statistics.mean(baseline):.2f} (for scale)")

        with transaction.atomic():
            listeners = simulate_listeners(seed=options["seed"])
            index = track_index()
            plain, personal, personal_no_cf, personal_distance = [], [], [], []
            for sim in listeners:
                if not sim.held_out_likes:
                    continue
                # The listener is in the mood of one of the songs they would like (its cluster's emotion).
                target = sorted(sim.held_out_likes)[0]
                emotion = index.emotion_of(int(index.rows_of([target])[0]))
                for bucket, user, cf in (
                    (plain, None, True),
                    (personal, sim.user, True),
                    (personal_no_cf, sim.user, False),
                ):
                    forget_tastes()  # each variant computes the listener's taste under its own settings
                    with override_settings(
                        RECOMMENDER_CF_MIN_RATINGS=10**9 if not cf else settings.RECOMMENDER_CF_MIN_RATINGS
                    ):
                        tracks = recommend(emotion=emotion, user=user, video_limit=0)["tracks"]
                    bucket.append(sum(t["id"] in sim.held_out_likes for t in tracks) / 10)
                    if bucket is personal:
                        personal_distance += [
                            float(np.linalg.norm(point(t["id"]) - np.array(WARRINER_VAD[emotion]))) for t in tracks
                        ]
            out(
                f"Precision@10 on {len(plain)} simulated listeners (12 taste groups, each likes ~7 artists; half of "
                f"their likes held out, plus 10 dislikes):"
            )
            out(f"  without personalisation {statistics.mean(plain):.3f}")
            out(f"  with personalisation    {statistics.mean(personal):.3f}")
            out(f"  (artists and genres only, no collaborative signal: {statistics.mean(personal_no_cf):.3f})")
            out(f"  mean distance of the personalised top 10 to the emotion: {statistics.mean(personal_distance):.2f}")
            transaction.set_rollback(True)
        reset_indexes()
