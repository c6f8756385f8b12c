from django.core.management.base import BaseCommand

from recommender.videos import mood_agreement


class Command(BaseCommand):
    help = "How often lexicon moods of MusicCaps captions agree with AudioSet's human music-mood labels."

    def handle(self, *args, **options):
        r = mood_agreement()
        out = self.stdout.write
        out(
            f"MusicCaps clips with an AudioSet music-mood label: {r['clips_scored']} scored, "
            f"{r['clips_without_mood_words']} without any mood word"
        )
        out(
            f"Agreement with the human label (7 moods): {r['agreement']:.1%}  "
            f"(always '{r['majority_label']}': {r['majority_baseline']:.1%}, uniform chance: {1 / 7:.1%})"
        )
        out(
            f"Valence sign agreement (positive: Happy/Funny/Tender/Exciting): {r['valence_sign_agreement']:.1%}  "
            f"(always the commoner sign: {max(r['positive_share'], 1 - r['positive_share']):.1%})"
        )
        for mood, (hits, total) in r["per_mood"].items():
            out(f"  {mood:<9} {hits:>3}/{total:<3} {hits / total:.0%}")
