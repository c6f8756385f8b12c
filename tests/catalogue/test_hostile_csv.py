"""Fuzzing the catalogue CSV importer: every file is imported with a report or refused with FormatError.

Hypothesis writes catalogue files in each real format (headers from the shared files) whose cells
are good values, values out of range, broken numbers, NaN and infinities, quotes, line breaks and
arbitrary Unicode, with rows of the wrong width; also arbitrary text and arbitrary bytes. The
importer must either refuse the whole file with `FormatError` or return a report in which every
row is accounted for (imported, rejected with its line, or a later duplicate), and only in-range
VAD may reach the database. The cases tried, by outcome, are printed (`-s`) and asserted.
"""

import csv
import io
import math
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalogue.importers import FORMATS, FormatError, import_tracks
from catalogue.models import Track
from tests.rec_fixtures import CATALOGUE

pytestmark = pytest.mark.slow

CASES = 300
FUZZ = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHARED_FILES = ["muse_v3_head.csv", "muse_sample_1000.csv", "spotify_moods_686.csv", "deezer_mood/test.csv"]


def real_header_and_row(name: str) -> tuple[list[str], list[str]]:
    with open(CATALOGUE / name, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), next(reader)


REAL = [real_header_and_row(name) for name in SHARED_FILES]

hostile_cells = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "1",
            "5.5",
            "9",
            "9.0001",
            "-0.5",
            "0.5",
            "1e309",
            "-1e309",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1,5",
            "٣",
            "0x10",
            "1_000",
            "5.5.5",
            "None",
            "[]",
            "['happy'",
            "[1, 2]",
            '"',
            '""',
            "'",
            "\n",
            "\r\n",
            'a"b',
            "\x00",
            "🙂",
            "ＡＢＣ",
            "x" * 600,
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=40),
)


@st.composite
def catalogue_files(draw) -> str:
    header, example = draw(st.sampled_from(REAL))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = list(example)
        for column in draw(st.sets(st.integers(0, len(header) - 1), max_size=len(header))):
            row[column] = draw(hostile_cells)
        width = draw(st.sampled_from([len(header)] * 6 + [0, 1, len(header) - 1, len(header) + 1]))
        rows.append((row + [""] * width)[:width])
        if draw(st.booleans()) and rows:
            rows.append(list(draw(st.sampled_from(rows))))  # a duplicate, later row wins
    buffer = io.StringIO()
    if draw(st.booleans()):
        csv.writer(buffer).writerows([header, *rows])
        return buffer.getvalue()
    # Unquoted, so stray quotes, commas and line breaks break the structure for real.
    return "\n".join(",".join(cells) for cells in [header, *rows]) + draw(st.sampled_from(["", "\n", "\n\n"]))


def check(source, tried: Counter, **options) -> None:
    """Import ``source`` in a transaction rolled back afterwards; count the outcome; fail on anything untyped."""
    with transaction.atomic():
        before = Track.objects.count()
        try:
            report = import_tracks(source, **options)
        except FormatError as error:
            assert str(error).strip()
            assert Track.objects.count() == before, "a refused file must import nothing"
            tried["refused"] += 1
            transaction.set_rollback(True)
            return
        assert report.format in FORMATS
        assert report.imported + len(report.errors) + len(report.notes) == report.rows, report
        for line, reason in report.errors:
            assert isinstance(line, int) and line >= 2 and reason.strip(), (line, reason)
        assert Track.objects.count() == before + report.created
        for valence, arousal, dominance in Track.objects.values_list("valence", "arousal", "dominance"):
            for value in (valence, arousal) + ((dominance,) if dominance is not None else ()):
                assert math.isfinite(value) and 1.0 <= value <= 9.0, value
        tried["some rows imported" if report.imported else "every row rejected" if report.errors else "no rows"] += 1
        tried["rows rejected"] += len(report.errors)
        transaction.set_rollback(True)


def test_catalogue_shaped_files(db):
    tried = Counter()

    @settings(max_examples=CASES, **FUZZ)
    @given(catalogue_files())
    # Hypothesis also draws on the literals of every project module it sees loaded, so the random
    # cases shift with any change to the code: one refused file is given outright (a cell beyond
    # the csv module's field limit), so that the outcome counted below never depends on that luck.
    @example(f"{','.join(REAL[0][0])}\nA,{'x' * 200_000},[],1,5,5,5,,,\n")
    def run(text):
        tried["files"] += 1
        check(io.StringIO(text), tried, name="fuzz.csv")

    run()
    print(f"\nCSV importer, catalogue-shaped files: {dict(tried)}")
    assert tried["files"] >= CASES
    # Past the header into the rows: whole files refused, rows imported, rows rejected with their line.
    assert tried["refused"] > 0 and tried["some rows imported"] > 0 and tried["rows rejected"] > 0, tried


def test_any_text_with_or_without_a_named_format(db):
    tried = Counter()

    @settings(max_examples=CASES // 3, **FUZZ)
    @given(st.text(max_size=400), st.sampled_from([None, *FORMATS]))
    def run(text, fmt):
        tried["texts"] += 1
        check(io.StringIO(text), tried, fmt=fmt, name="fuzz.csv")

    run()
    print(f"\nCSV importer, arbitrary text: {dict(tried)}")
    assert tried["texts"] >= CASES // 3 and tried["refused"] > 0, tried


def test_any_bytes_in_a_file(db, tmp_path):
    tried = Counter()
    path = tmp_path / "upload.csv"

    @settings(max_examples=CASES // 3, **FUZZ)
    @given(st.binary(max_size=400))
    def run(data):
        tried["byte files"] += 1
        path.write_bytes(data)
        check(path, tried)

    run()
    print(f"\nCSV importer, arbitrary bytes: {dict(tried)}")
    assert tried["byte files"] >= CASES // 3 and tried["refused"] > 0, tried


def test_a_count_beyond_the_database_integer_is_a_rejected_row(db):
    """Found by the fuzzing above: a 20-digit tag count reached the database and overflowed its integer."""
    header, example = REAL[0]
    huge = list(example)
    huge[header.index("number_of_emotion_tags")] = str(10**19)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, huge, example])
    report = import_tracks(io.StringIO(buffer.getvalue()), name="huge.csv")
    assert report.errors == [(2, f"number_of_emotion_tags '{10**19}' is not a count")]
    assert report.imported == 1
