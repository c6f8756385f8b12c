from django.core.management.base import BaseCommand

from catalogue.models import Video
from core.emotions import EMOTIONS
from recommender.engine.strategies import STRATEGIES
from videomood.mood_evaluation import confusion_image, cross_validate, estimated_fit, fit_report
from videomood.mood_model import FOLDS, SEED


class Command(BaseCommand):
    help = (
        "Cross-validated agreement of the caption-to-mood model with AudioSet's human music-mood labels, "
        "and how many of the top videos fit each emotion × strategy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folds", type=int, default=FOLDS)
        parser.add_argument("--seed", type=int, default=SEED, help="fixes the folds (default %(default)s)")
        parser.add_argument("--no-tune", action="store_true", help="fixed C instead of tuning it inside each fold")
        parser.add_argument("--no-fit", action="store_true", help="skip the top-videos report")

    def handle(self, *args, **options):
        out = self.stdout.write
        r = cross_validate(folds=options["folds"], seed=options["seed"], tune=not options["no_tune"])
        out(
            f"Caption → music mood: {r['clips']} single-label clips of the {r['labelled']} MusicCaps clips with an "
            f"AudioSet music-mood label; stratified {options['folds']}-fold CV, folds fixed by seed {options['seed']}"
            f"{', C tuned inside each training fold' if not options['no_tune'] else ''}"
        )
        for number, (accuracy, c) in enumerate(zip(r["folds"], r["chosen_c"]), start=1):
            out(f"  fold {number}: {accuracy:.1%}  (C={c})")
        out(
            f"Mean agreement with AudioSet's human label (7 moods): {r['mean']:.1%} ± {r['sd']:.1%} (± sd over folds; "
            f"always the commonest label: {r['majority']:.1%}, uniform chance: {1 / 7:.1%})"
        )
        out("Recall per mood (human label → predicted):")
        for mood, (hits, total) in r["recall"].items():
            out(f"  {mood:<9} {hits:>3}/{total:<3} {hits / total if total else 0:.0%}")
        out(f"Confusion matrix: {confusion_image(r)}")
        estimate = estimated_fit(r["confusion"])
        out("A clip whose predicted mood fits: how often its human label fits too (from the CV confusion matrix):")
        out(f"  {'emotion':<9}" + "".join(f"{s:>8}" for s in STRATEGIES))
        for emotion in EMOTIONS:
            out(f"  {emotion:<9}" + "".join(f"{estimate[(emotion, s)]:>8.0%}" for s in STRATEGIES))
        if options["no_fit"]:
            return
        if not Video.objects.exists():
            out("No videos imported, so no top-videos report: run `manage.py import_videos` first.")
            return
        report = fit_report()
        out("Top 4 videos whose human label (or, without one, predicted mood) fits, per emotion × strategy:")
        out(f"  {'emotion':<9}" + "".join(f"{s:>16}" for s in STRATEGIES))
        for emotion in EMOTIONS:
            cells = [report[(emotion, s)] for s in STRATEGIES]
            out(f"  {emotion:<9}" + "".join(f"{f'{hit}/{n} ({human} human)':>16}" for hit, human, n in cells))
        hits = sum(hit for hit, _, _ in report.values())
        shown = sum(n for _, _, n in report.values())
        out(f"Fitting: {hits}/{shown} ({hits / shown if shown else 0:.0%}) over {len(report)} emotion × strategy lists")
