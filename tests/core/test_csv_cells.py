"""The one cell sanitiser behind every CSV the site writes (issue #25, item 5): the listener's
export, the staff's engagement CSV and report, the catalogue import's rejected rows."""

import csv
import io

from core.csvcells import SafeWriter, csv_text, safe_cell

LIVE = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(A1)"]
INERT = ["1+1", "sad / match", "2026-03-10", "Sigur Rós", "", "a=b"]


def test_text_a_spreadsheet_would_run_is_prefixed_and_the_rest_is_left_alone():
    assert [safe_cell(v) for v in LIVE] == ["'" + v for v in LIVE]
    assert [safe_cell(v) for v in INERT] == INERT
    assert [safe_cell(v) for v in (None, 3, -0.5, 1.25)] == ["", 3, -0.5, 1.25]  # numbers stay numbers


def test_the_writer_and_the_text_use_it_for_every_cell():
    out = io.StringIO()
    SafeWriter(out).writerows([["=1", -2, None]])
    assert out.getvalue() == "'=1,-2,\r\n"
    rows = list(csv.reader(io.StringIO(csv_text(["=header"], [["@x"], ["ok"]]))))
    assert rows == [["'=header"], ["'@x"], ["ok"]]
