import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

from core.emotions import EMOTIONS
from recommender.clustering import refresh
from recommender.models import Clustering, Track
from recommender.selectors import STRATEGIES, forget_tastes, recommend, reset_indexes
from recommender.simulation import generate_scale_catalogue, simulate_listeners


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = ("Time a personalised recommend() on the imported catalogue (p50/p95) and a re-clustering of a "
            "generated 100,000-track scale set. Simulated users and the generated set are rolled back afterwards.")

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=420)
        parser.add_argument("--scale", type=int, default=100_000)
        parser.add_argument("--skip-scale", action="store_true")

    def handle(self, *args, **options):
        if not Clustering.objects.filter(is_active=True).exists():
            raise CommandError("No active clustering: run `make data` (manage.py load_shared_data) first.")
        out = self.stdout.write
        # Timed as in production: with DEBUG on, Django would also log every SQL query.
        with override_settings(DEBUG=False), transaction.atomic():
            n_tracks = Track.objects.filter(is_active=True).count()
            listeners = simulate_listeners(seed=1)
            user = listeners[0].user
            n_ratings = user.ratings.count()
            recommend(emotion="happy", user=user)  # builds the index once, as a running server would have
            timings = {"personalised": [], "personalised, cold": [], "anonymous": []}
            cpu = {label: [] for label in timings}  # CPU time: what the call costs, whatever else runs
            for label in timings:
                for i in range(options["calls"]):
                    emotion, strategy = EMOTIONS[i % 7], STRATEGIES[(i // 7) % 3]
                    who = None if label == "anonymous" else listeners[i % len(listeners)].user
                    if label.endswith("cold"):
                        forget_tastes()  # the listener's taste and neighbours recomputed from the database
                    started, cpu_started = time.perf_counter(), time.thread_time()
                    recommend(emotion=emotion, strategy=strategy, user=who)
                    timings[label].append((time.perf_counter() - started) * 1000)
                    cpu[label].append((time.thread_time() - cpu_started) * 1000)
            out(f"recommend() on the shared catalogue ({n_tracks} active tracks), {options['calls']} calls over "
                f"7 emotions × 3 strategies, 10 tracks + 4 videos each:")
            for label, values in timings.items():
                out(f"  {label:<18} wall p50 {statistics.median(values):6.2f} ms  p95 {percentile(values, 95):6.2f} ms  "
                    f"max {max(values):7.2f} ms   CPU p50 {statistics.median(cpu[label]):6.2f} ms  "
                    f"p95 {percentile(cpu[label], 95):6.2f} ms")
            out(f"  (personalised: {len(listeners)} simulated listeners with ~{n_ratings} ratings each, collaborative "
                f"signal on; 'cold' recomputes the listener's taste every call, the other reuses it while their "
                f"ratings are unchanged; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            transaction.set_rollback(True)
        reset_indexes()
        if options["skip_scale"]:
            return
        with transaction.atomic():
            Track.objects.update(is_active=False)
            self.stderr.write(f"Generating {options['scale']} tracks …")
            generate_scale_catalogue(options["scale"], seed=2)
            started, cpu_started = time.perf_counter(), time.process_time()
            clustering = refresh(trigger="benchmark (generated)")
            elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
            out(f"Refresh of a GENERATED scale set of {clustering.n_tracks} tracks (resampled shared VAD + jitter): "
                f"{elapsed:.2f} s (load, K-Means k={clustering.k}, quality scan k={clustering.k_scan[0]['k']}–"
                f"{clustering.k_scan[-1]['k']}, write, swap), CPU {cpu_elapsed:.2f} s; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            out("  " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in clustering.stage_seconds.items()))
            transaction.set_rollback(True)
        reset_indexes()
