from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalogue.importers import FORMATS, FormatError, how_to_name_the_format
from catalogue.services import import_catalogue

MAX_LISTED_ERRORS = 50


class Command(BaseCommand):
    help = "Import song catalogue CSVs (MuSe v3, MuSe sample, Deezer mood, Spotify moods); re-importing updates."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="skip detection from the header")
        parser.add_argument("--no-refresh", action="store_true", help="do not re-cluster afterwards")

    def handle(self, *paths, **options):
        failed = False
        for path in options["paths"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                report = import_catalogue(
                    path,
                    fmt=options["format"],
                    name=str(path),
                    progress=progress_bar(self, path.name),
                    refresh=not options["no_refresh"],
                )
            except FormatError as exc:
                self.stderr.write(self.style.ERROR(f"{path}: {how_to_name_the_format(exc, 'name it with --format')}"))
                failed = True
                continue
            write_report(self, report)
        if failed:
            raise CommandError("some files could not be imported")


def write_report(command, report) -> None:
    for line, reason in report.errors[:MAX_LISTED_ERRORS]:
        command.stderr.write(command.style.WARNING(f"  {report.path}, line {line}: {reason}"))
    if len(report.errors) > MAX_LISTED_ERRORS:
        command.stderr.write(
            command.style.WARNING(f"  … and {len(report.errors) - MAX_LISTED_ERRORS} more rejected rows")
        )
    for line, note in report.notes[:MAX_LISTED_ERRORS]:
        command.stderr.write(f"  {report.path}, line {line}: {note}")
    command.stdout.write(command.style.SUCCESS(report.summary()))


def progress_bar(command, label: str, unit: str = " rows"):
    """A tqdm bar on the command's stderr, for an importer's `progress`: "label: 1200/18644 (6%) [...]"."""
    return partial(
        tqdm,
        desc=label,
        unit=unit,
        file=_Unended(command.stderr),
        mininterval=0.5,
        bar_format="{desc}: {n_fmt}/{total_fmt} ({percentage:.0f}%) [{elapsed}<{remaining}, {rate_fmt}]",
    )


class _Unended:
    """tqdm redraws its line after a carriage return; Django's OutputWrapper would end every redraw with a newline."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
