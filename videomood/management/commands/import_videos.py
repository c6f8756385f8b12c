from django.core.management.base import BaseCommand

from catalogue.management.commands.import_catalogue import progress_bar
from videomood.videos import import_videos, videos_dir


class Command(BaseCommand):
    help = "Import MusicCaps clips and AudioSet music-mood segments, each with its mood (label or caption model)."

    def handle(self, *args, **options):
        self.stdout.write(f"Reading {videos_dir()} …")
        report = import_videos(progress=progress_bar(self, "videos", unit=" clips"), log=self.stdout.write)
        for name, line, reason in report.errors[:50]:
            self.stderr.write(self.style.WARNING(f"  {name}, line {line}: {reason}"))
        self.stdout.write(self.style.SUCCESS(summary(report)))


def summary(report) -> str:
    return (
        f"videos: {report.created} new, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.human} with an AudioSet mood label, {report.predicted} with the caption model's mood; "
        f"{len(report.errors)} rejected rows"
    )
