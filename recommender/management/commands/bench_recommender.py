import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

from catalogue.clustering import refresh
from catalogue.models import Clustering, Track
from core.emotions import EMOTIONS
from recommender.engine.index import track_index
from recommender.engine.strategies import STRATEGIES
from recommender.selectors import forget_tastes, recommend, reset_indexes
from recommender.simulation import generate_scale_catalogue, simulate_listeners

CASES = ("personalised", "personalised, cold", "anonymous")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = (
        "Time recommend() (p50/p95) on the imported catalogue and on a generated scale set, and the "
        "re-clustering of that set. Simulated listeners and the generated set are rolled back afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=420, help="calls per case (7 emotions × 3 strategies)")
        parser.add_argument("--scale", type=int, default=100_000, help="tracks in the generated set")
        parser.add_argument("--skip-scale", action="store_true")

    def handle(self, *args, **options):
        if not Clustering.objects.filter(is_active=True).exists():
            raise CommandError("No active clustering: run `make data` (manage.py load_shared_data) first.")
        # Timed as in production: with DEBUG on, Django would also log every SQL query.
        with override_settings(DEBUG=False):
            with transaction.atomic():
                n_tracks = Track.objects.filter(is_active=True).count()
                self.time_recommend(f"the shared catalogue ({n_tracks} active tracks)", options["calls"])
                transaction.set_rollback(True)
            reset_indexes()
            if not options["skip_scale"]:
                with transaction.atomic():
                    self.time_scale_set(options["scale"], options["calls"])
                    transaction.set_rollback(True)
                reset_indexes()

    def time_scale_set(self, n: int, calls: int) -> None:
        out = self.stdout.write
        Track.objects.update(is_active=False)
        self.stderr.write(f"Generating {n} tracks …")
        started = time.perf_counter()
        generate_scale_catalogue(n, seed=2)
        self.stderr.write(f"  generated in {time.perf_counter() - started:.1f} s")
        started, cpu_started = time.perf_counter(), time.process_time()
        clustering = refresh(trigger="benchmark (generated)")
        elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
        out(
            f"Refresh of a GENERATED scale set of {clustering.n_tracks} tracks (resampled shared VAD + jitter): "
            f"{elapsed:.2f} s (load, K-Means k={clustering.k}, quality scan k={clustering.k_scan[0]['k']}–"
            f"{clustering.k_scan[-1]['k']}, write, swap), CPU {cpu_elapsed:.2f} s; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        out("  " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in clustering.stage_seconds.items()))
        started = time.perf_counter()
        track_index()
        out(
            f"  index build (the first recommendation after the refresh, once per process): "
            f"{time.perf_counter() - started:.2f} s"
        )
        self.time_recommend(f"the GENERATED set ({clustering.n_tracks} active tracks)", calls)

    def time_recommend(self, label: str, calls: int) -> None:
        out = self.stdout.write
        listeners = simulate_listeners(seed=1)
        n_ratings = listeners[0].user.ratings.count()
        # A running server has built its indexes, and has each returning listener's taste cached from
        # their first list (their first call is the "cold" case, timed on its own below).
        for listener in listeners:
            recommend(emotion="happy", user=listener.user)
        wall = {case: [] for case in CASES}
        cpu = {case: [] for case in CASES}  # CPU time: what the call costs, whatever else runs
        for case in CASES:
            for i in range(calls):
                emotion, strategy = EMOTIONS[i % 7], STRATEGIES[(i // 7) % 3]
                who = None if case == "anonymous" else listeners[i % len(listeners)].user
                if case.endswith("cold"):
                    forget_tastes()  # the listener's taste and neighbours recomputed from the database
                started, cpu_started = time.perf_counter(), time.thread_time()
                recommend(emotion=emotion, strategy=strategy, user=who)
                wall[case].append((time.perf_counter() - started) * 1000)
                cpu[case].append((time.thread_time() - cpu_started) * 1000)
        out(f"recommend() on {label}, {calls} calls over 7 emotions × 3 strategies, 10 tracks + 4 videos each:")
        for case in CASES:
            out(
                f"  {case:<18} wall p50 {statistics.median(wall[case]):6.2f} ms  p95 {percentile(wall[case], 95):6.2f} ms  "
                f"max {max(wall[case]):7.2f} ms   CPU p50 {statistics.median(cpu[case]):6.2f} ms  "
                f"p95 {percentile(cpu[case], 95):6.2f} ms"
            )
        out(
            f"  (personalised: {len(listeners)} simulated listeners with ~{n_ratings} ratings each, collaborative "
            f"signal on; 'cold' recomputes the listener's taste every call (a listener's first list), the other "
            f"reuses it while their ratings are unchanged (every later list); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
