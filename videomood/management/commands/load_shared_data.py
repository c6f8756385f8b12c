import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalogue.clustering import refresh
from catalogue.importers import FormatError, import_tracks, shared_catalogue_files
from catalogue.management.commands.import_catalogue import progress_bar, write_report
from catalogue.management.commands.refresh_clusters import write_clustering
from catalogue.models import Clustering, Track, Video
from videomood.management.commands.import_videos import summary
from videomood.videos import import_videos

# Bump when an importer or a conversion changes, so `make data` re-imports.
DATA_VERSION = 2  # 2: video moods from the caption model (videomood.mood_model)


def source_files(data_dir: Path) -> list[Path]:
    videos = data_dir / "videos"
    lexicons = data_dir / "lexicons"
    return [
        *shared_catalogue_files(data_dir),
        videos / "musiccaps.csv",
        videos / "audioset" / "balanced_train_segments.csv",
        videos / "audioset" / "eval_segments.csv",
        videos / "audioset" / "class_labels_indices.csv",
        lexicons / "warriner_2013_vad.csv",
        lexicons / "nrc_vad_v1.tsv",
    ]


def fingerprint(files: list[Path]) -> str:
    parts = [f"v{DATA_VERSION}", str(connection.settings_dict.get("NAME")), str(settings.RECOMMENDER_K)]
    for path in files:
        stat = path.stat() if path.exists() else None
        parts.append(f"{path}:{stat.st_size if stat else '-'}:{stat.st_mtime_ns if stat else '-'}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class Command(BaseCommand):
    help = (
        "Import the shared catalogues and videos from EMOTUNES_DATA_DIR and build clusters. "
        "Skips quickly when nothing changed since the last run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="import even when the sources are unchanged")

    def handle(self, *args, **options):
        data_dir = Path(settings.EMOTUNES_DATA_DIR)
        if not (data_dir / "catalogue").is_dir():
            raise CommandError(
                f"No catalogue at {data_dir / 'catalogue'}: set EMOTUNES_DATA_DIR (see README, Data and models)"
            )
        stamp = Path(settings.VAR_DIR) / "recommender-data.stamp"
        files = source_files(data_dir)
        current = fingerprint(files)
        populated = Track.objects.exists() and Clustering.objects.filter(is_active=True).exists()
        if (
            not options["force"]
            and populated
            and stamp.exists()
            and json.loads(stamp.read_text()).get("fingerprint") == current
        ):
            self.stdout.write(
                f"Recommender data is up to date ({Track.objects.count()} tracks, "
                f"{Video.objects.count()} videos); nothing to import."
            )
            return
        for path in shared_catalogue_files(data_dir):
            try:
                report = import_tracks(
                    path, name=str(path.relative_to(data_dir)), progress=progress_bar(self, path.name)
                )
            except FormatError as exc:
                raise CommandError(f"{path}: {exc}") from None
            write_report(self, report)
        # Trains the caption-to-mood model first when its inputs changed (var/models/video_mood.joblib).
        report = import_videos(progress=progress_bar(self, "videos", unit=" clips"), log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(summary(report)))
        self.stdout.write("Clustering …")
        write_clustering(self, refresh(trigger="make data"))
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"fingerprint": current}))
