"""Integers from outside, range-checked before they reach the database.

SQLite and PostgreSQL hold at most a signed 64-bit integer; a larger id in a query raises
OverflowError (a 500) instead of matching nothing.
"""

DB_INT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(DB_INT_MAX))


def parse_db_id(raw) -> int | None:
    """A positive database id from an int or a string of ASCII digits; None when it is not one.

    ``"²"`` or ``"٣"`` (digits to ``str.isdigit``/``int()``) and booleans are not ids.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and 0 < len(raw) <= _MAX_DIGITS and raw.isascii() and raw.isdecimal():
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= DB_INT_MAX else None


class DbIdConverter:
    """A path converter for ids: digits that fit the database's integer, else no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_db_id(value)
        if parsed is None:
            raise ValueError(value)
        return parsed

    def to_url(self, value) -> str:
        return str(int(value))
