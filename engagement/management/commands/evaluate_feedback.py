"""Offline evaluation of the engagement feedback (engagement.feedback) on simulated listeners:
click-through with and without it, each run rolled back (engagement.simulation)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalogue.models import Clustering
from engagement.simulation import run


class Command(BaseCommand):
    help = "Click-through of simulated listeners with and without the engagement feedback (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=700, help="lists shown per run (the 7 emotions in turn)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--strategy", choices=("match", "lift", "iso"), default="match")

    def handle(self, *args, rounds, seed, strategy, **options):
        if not Clustering.objects.filter(is_active=True).exists():
            raise CommandError("No active clustering: run `make data` (manage.py load_shared_data) first.")
        results = {}
        for feedback in (False, True):
            with transaction.atomic():
                results[feedback] = run(feedback=feedback, rounds=rounds, seed=seed, strategy=strategy)
                transaction.set_rollback(True)
        out = self.stdout.write
        out(
            f"Simulated listeners, {rounds} lists ({strategy}), seed {seed}; click-through = lists with a play ÷ lists shown"
        )
        for feedback, label in ((False, "without feedback"), (True, "with feedback")):
            r = results[feedback]
            out(
                f"  {label:<17} click-through {r['ctr']:.3f}  second half {r['ctr_second_half']:.3f}  plays per list {r['plays_per_list']:.3f}  in target cluster {r['in_target_cluster']:.3f}"
            )
        gain = results[True]["ctr_second_half"] - results[False]["ctr_second_half"]
        out(f"  change in the second half's click-through: {gain:+.3f}")
