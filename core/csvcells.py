"""Every CSV the site writes, with its cells made inert for spreadsheets (CSV formula injection).

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula: ``=HYPERLINK("http://…")`` in a name or a rejected column's
header would come back live in the staff's or a listener's spreadsheet. Such a cell is written
with a leading apostrophe (OWASP's advice), the full-width forms (＝ ＋ － ＠) too, as some
spreadsheets fold them to ASCII. Numbers are written as they are.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value):
    """The cell as written: None as empty, a text that a spreadsheet would run prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are made of safe cells."""

    def __init__(self, out, **kwargs):
        self.writer = csv.writer(out, **kwargs)

    def writerow(self, row) -> None:
        self.writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
