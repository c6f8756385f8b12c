"""CSV importers for the song catalogues. Every bad row is reported with its line number.

Formats (detected from the header, or named):

- ``muse_v3``: MuSe v3, ``[lastfm_url,]track,artist,seeds,number_of_emotion_tags,valence_tags,
  arousal_tags,dominance_tags,mbid,spotify_id,genre``. VAD already on the 1–9 Warriner scale.
- ``muse_sample``: the MuSe authors' 1,000-song sample (``emotion_tags`` instead of ``seeds``,
  no genre). VAD on 1–9.
- ``deezer``: Deezer mood detection dataset, ``dzr_sng_id,...,valence,arousal,artist_name,
  track_name``; z-scores, converted with MuSe's mean and sd (``vad.deezer_to_warriner``); no dominance.
- ``spotify_moods``: the 686-song Spotify moods file; Spotify's 0–1 ``valence`` and ``energy``
  become valence and arousal as 1 + 8x; no dominance.
"""

import ast
import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from catalogue.models import CatalogueState, Track
from catalogue.recordings import shown_genre
from catalogue.vad import deezer_to_warriner, unit_to_warriner

FORMATS = ("muse_v3", "muse_sample", "deezer", "spotify_moods")
SOURCE_OF_FORMAT = {
    "muse_v3": Track.Source.MUSE_V3,
    "muse_sample": Track.Source.MUSE_SAMPLE,
    "deezer": Track.Source.DEEZER,
    "spotify_moods": Track.Source.SPOTIFY_MOODS,
}
MAX_COUNT = 2**31 - 1  # PositiveIntegerField's range on every database
# C0 and C1 control characters but tab, line feed and carriage return: no song title has one, and
# a NUL cannot even be stored by PostgreSQL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A z-score beyond this is a broken value, not a song.
MAX_ABS_Z = 6.0
# Fields the source owns: a re-import overwrites these, never staff's is_active or youtube_id.
SOURCE_FIELDS = (
    "title",
    "artist",
    "genre",
    "valence",
    "arousal",
    "dominance",
    "mood_tags",
    "mood_tag_count",
    "spotify_id",
    "deezer_id",
    "musicbrainz_id",
)


class FormatError(ValueError):
    """The file as a whole cannot be read as any known catalogue.

    ``format_unknown`` is set when only the format could not be told from the header: the caller
    says how to name it in its own terms (``--format`` on the command line, the Format menu in the
    admin), see ``how_to_name_the_format``.
    """

    def __init__(self, message: str, *, format_unknown: bool = False):
        super().__init__(message)
        self.format_unknown = format_unknown


def how_to_name_the_format(error: FormatError, how: str) -> str:
    """The error's message, and for a format not told from the header, how to name one: `how` is
    the caller's own way ("name it with --format", "choose it in the Format menu")."""
    if not error.format_unknown:
        return str(error)
    return f"{error}; {how} ({', '.join(FORMATS)})"


class RowError(ValueError):
    """One row is unusable; the message says why."""


@dataclass
class ImportReport:
    format: str
    path: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    notes: list[tuple[int, str]] = field(default_factory=list)  # kept rows worth a remark

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.path} ({self.format}): {self.rows} rows, {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.errors)} rejected"
        )


# One example header line per format, as the admin's import page shows them (the columns the
# detection above reads are the ones that must be there; others are ignored or optional).
EXAMPLE_HEADERS = {
    "muse_v3": "lastfm_url,track,artist,seeds,number_of_emotion_tags,valence_tags,arousal_tags,dominance_tags,mbid,spotify_id,genre",
    "muse_sample": "lastfm_url,track,artist,emotion_tags,valence_tags,arousal_tags,dominance_tags,mbid,spotify_id",
    "deezer": "dzr_sng_id,MSD_sng_id,MSD_track_id,valence,arousal,artist_name,track_name",
    "spotify_moods": "name,album,artist,id,release_date,popularity,length,danceability,acousticness,energy,valence,mood,genre",
}


def detect_format(header: list[str]) -> str:
    columns = {c.strip().lower() for c in header}
    if "dzr_sng_id" in columns:
        return "deezer"
    if {"track", "artist", "seeds", "valence_tags", "arousal_tags"} <= columns:
        return "muse_v3"
    if {"track", "artist", "emotion_tags", "valence_tags", "arousal_tags"} <= columns:
        return "muse_sample"
    if {"name", "artist", "id", "valence", "energy", "mood"} <= columns:
        return "spotify_moods"
    raise FormatError(
        f"cannot tell the catalogue format from the header ({', '.join(header[:8])}…)", format_unknown=True
    )


# --- Cell readers ---------------------------------------------------------------------------


def _text(row: dict, column: str, *, required: bool = False, max_length: int = 500) -> str:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise RowError(f"missing {column}")
    return value[:max_length]


def _number(row: dict, column: str, low: float, high: float, *, required: bool = True) -> float | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        if required:
            raise RowError(f"missing {column}")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise RowError(f"{column} {raw!r} is not a number")
    if not low <= value <= high:
        raise RowError(f"{column} {value:g} is outside {low:g}–{high:g}")
    return value


def _count(row: dict, column: str) -> int | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None
    # The upper bound is the database's integer column (found by tests/catalogue/test_hostile_csv.py).
    if not math.isfinite(value) or value < 0 or value != int(value) or value > MAX_COUNT:
        raise RowError(f"{column} {raw!r} is not a count")
    return int(value)


MAX_TAGS_CHARS = 4000  # a MuSe tags cell is a short list: ['sad', 'mellow']


def _tags(raw: str) -> list[str]:
    raw = (raw or "").strip()
    if not raw:
        return []
    if len(raw) > MAX_TAGS_CHARS:
        raise RowError(f"tags cell of {len(raw):,} characters; at most {MAX_TAGS_CHARS:,} are read")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw.strip("[]").split(",")
    except (RecursionError, MemoryError):
        # Python's parser and literal_eval recurse: '-' * 3000 + '1' or '1' + '+1' * 1500 nest that
        # deep (a 500, and a Celery import left "running", when only the two above were caught).
        raise RowError("tags cell nested too deeply to read") from None
    if isinstance(value, str):
        value = [value]
    return (
        [str(t).strip(" '\"").lower() for t in value if str(t).strip(" '\"")]
        if isinstance(value, (list, tuple))
        else []
    )


def song_key(artist: str, title: str) -> str:
    """A source id for sources keyed by song: MuSe's last.fm URL is itself made of artist and title."""
    key = f"{' '.join(artist.casefold().split())}|{' '.join(title.casefold().split())}"
    return key if len(key) <= 200 else hashlib.sha1(key.encode()).hexdigest()


# --- Row parsers: a CSV row → Track fields ------------------------------------------------------


def _muse(row: dict, *, tags_column: str, has_genre: bool) -> dict:
    title = _text(row, "track", required=True)
    artist = _text(row, "artist", required=True)
    tags = _tags(row.get(tags_column, ""))
    count = _count(row, "number_of_emotion_tags") if "number_of_emotion_tags" in row else len(tags) or None
    return {
        "source_id": song_key(artist, title),
        "title": title,
        "artist": artist,
        "genre": shown_genre(_text(row, "genre", max_length=100).lower()) if has_genre else "",
        "valence": _number(row, "valence_tags", 1, 9),
        "arousal": _number(row, "arousal_tags", 1, 9),
        "dominance": _number(row, "dominance_tags", 1, 9, required=False),
        "mood_tags": tags,
        "mood_tag_count": count,
        "spotify_id": _text(row, "spotify_id", max_length=40),
        "deezer_id": "",
        "musicbrainz_id": _text(row, "mbid", max_length=40),
    }


def parse_muse_v3(row: dict) -> dict:
    return _muse(row, tags_column="seeds", has_genre=True)


def parse_muse_sample(row: dict) -> dict:
    return _muse(row, tags_column="emotion_tags", has_genre=False)


def parse_deezer(row: dict) -> dict:
    deezer_id = _text(row, "dzr_sng_id", required=True, max_length=40)
    if not deezer_id.isdigit():
        raise RowError(f"dzr_sng_id {deezer_id!r} is not a Deezer id")
    return {
        "source_id": deezer_id,
        "title": _text(row, "track_name", required=True),
        "artist": _text(row, "artist_name", required=True),
        "genre": "",
        "valence": deezer_to_warriner(_number(row, "valence", -MAX_ABS_Z, MAX_ABS_Z), "valence"),
        "arousal": deezer_to_warriner(_number(row, "arousal", -MAX_ABS_Z, MAX_ABS_Z), "arousal"),
        "dominance": None,
        "mood_tags": [],
        "mood_tag_count": None,
        "spotify_id": "",
        "deezer_id": deezer_id,
        "musicbrainz_id": "",
    }


def parse_spotify_moods(row: dict) -> dict:
    spotify_id = _text(row, "id", required=True, max_length=40)
    mood = _text(row, "mood", max_length=40).lower()
    return {
        "source_id": spotify_id,
        "title": _text(row, "name", required=True),
        "artist": _text(row, "artist", required=True),
        "genre": shown_genre(_text(row, "genre", max_length=100).lower()),  # "N/A" is no genre
        "valence": unit_to_warriner(_number(row, "valence", 0, 1)),
        "arousal": unit_to_warriner(_number(row, "energy", 0, 1)),
        "dominance": None,
        "mood_tags": [mood] if mood else [],
        "mood_tag_count": None,
        "spotify_id": spotify_id,
        "deezer_id": "",
        "musicbrainz_id": "",
    }


PARSERS = {
    "muse_v3": parse_muse_v3,
    "muse_sample": parse_muse_sample,
    "deezer": parse_deezer,
    "spotify_moods": parse_spotify_moods,
}


# --- The import ------------------------------------------------------------------------------


def _open(source) -> io.TextIOBase:
    if isinstance(source, (str, Path)):
        return open(source, encoding="utf-8-sig", newline="")
    return source


def import_tracks(
    source, *, fmt: str | None = None, name: str = "", progress=None, max_rows: int | None = None
) -> ImportReport:
    """Import one catalogue CSV (a path or a text file object); re-importing updates in place.

    Rows that cannot be used are reported as (line, reason) and the rest is imported; so is a
    row with a control character (NUL and the like) in any cell. Raises FormatError when the file
    cannot be read as a catalogue at all, or has more than `max_rows` rows (counted while reading,
    so a huge file is not read to the end). `progress`, if given, wraps the rows as they are
    parsed (`tqdm` or a partial of it), so the caller decides how to show it.
    """
    label = name or str(source if isinstance(source, (str, Path)) else "upload")
    with _open(source) as handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise FormatError("the file is empty")
            header = [h.strip() for h in header]
            if fmt is None:
                fmt = detect_format(header)
            elif fmt not in PARSERS:
                raise FormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
            records, previous_end = [], reader.line_num
            for cells in reader:
                if max_rows is not None and len(records) >= max_rows:
                    raise FormatError(
                        f"the file has more than {max_rows} rows; split it, or import it with "
                        f"`manage.py import_catalogue`"
                    )
                records.append((previous_end + 1, cells))
                previous_end = reader.line_num
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FormatError(f"not a readable UTF-8 CSV file: {exc}") from None
    report = ImportReport(format=fmt, path=label)
    parse, source_name = PARSERS[fmt], SOURCE_OF_FORMAT[fmt]
    parsed: dict[str, tuple[int, dict]] = {}
    for line, cells in progress(records) if progress else records:
        if not any(c.strip() for c in cells):
            continue  # a blank line is not a row
        report.rows += 1
        if len(cells) != len(header):
            report.errors.append((line, f"expected {len(header)} fields, found {len(cells)}"))
            continue
        bad = next((column for column, cell in zip(header, cells) if CONTROL_CHARACTERS.search(cell)), None)
        if bad is not None:
            report.errors.append((line, f"{bad} contains a control character (such as NUL)"))
            continue
        try:
            fields = parse(dict(zip(header, cells)))
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        earlier = parsed.get(fields["source_id"])
        if earlier is not None:
            report.notes.append((line, f"same track as line {earlier[0]}; this later row wins"))
        parsed[fields["source_id"]] = (line, fields)
    _save(parsed, source_name, report)
    return report


def _save(parsed: dict[str, tuple[int, dict]], source_name: str, report: ImportReport) -> None:
    existing = {
        t.source_id: t for t in Track.objects.filter(source=source_name).only("id", "source_id", *SOURCE_FIELDS)
    }
    now = timezone.now()
    to_create, to_update = [], []
    for source_id, (_, fields) in parsed.items():
        track = existing.get(source_id)
        if track is None:
            to_create.append(Track(source=source_name, **fields))
            continue
        if all(getattr(track, name) == fields[name] for name in SOURCE_FIELDS):
            report.unchanged += 1
            continue
        for name in SOURCE_FIELDS:
            setattr(track, name, fields[name])
        track.updated_at = now
        to_update.append(track)
    with transaction.atomic():
        Track.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Track.objects.bulk_update(to_update, [*SOURCE_FIELDS, "updated_at"], batch_size=500)
        if to_create or to_update:
            CatalogueState.bump(tracks=True)
    report.created, report.updated = len(to_create), len(to_update)


def shared_catalogue_files(data_dir: Path) -> list[Path]:
    """The shared catalogue CSVs in import order."""
    catalogue = data_dir / "catalogue"
    names = [
        "muse_v3_head.csv",
        "muse_sample_1000.csv",
        "spotify_moods_686.csv",
        "deezer_mood/train.csv",
        "deezer_mood/validation.csv",
        "deezer_mood/test.csv",
    ]
    return [catalogue / n for n in names if (catalogue / n).exists()]
