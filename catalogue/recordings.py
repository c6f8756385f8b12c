"""When two catalogue rows are one recording, and which genres are no genre at all.

The catalogues credit the same recording in several ways: "If I Survive" by "Hybrid" and by
"Hybrid featuring Julee Cruise", "Get Lucky (feat. Pharrell Williams)" beside "Get Lucky",
"… - Remastered 2011". A list shows a recording once: its key is the normalised title and the
primary artist. Versions that sound different (live, remix, acoustic, edit) stay apart.

Some files fill an unknown genre with a placeholder ("N/A", "unknown"): that is shown, and
counted in a listener's taste, as no genre.
"""

import re
import unicodedata

# "Hybrid featuring Julee Cruise", "Calvin Harris feat. Rihanna", "X ft. Y": the part before.
_FEATURING = re.compile(r"\s+(?:featuring|feat\.?|ft\.?)\s+.*$", re.IGNORECASE)
# "(feat. Akon)", "[ft. Y]", "(featuring Z)" anywhere in a title.
_FEATURING_IN_TITLE = re.compile(r"\s*[(\[]\s*(?:featuring|feat\.?|ft\.?)\s[^)\]]*[)\]]", re.IGNORECASE)
# "- Remastered 2011", "(2009 Remaster)", "[Remastered Version]": the same recording, cleaned up.
_REMASTER = re.compile(
    r"\s*(?:-\s*(?:\d{4}\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+version)?\s*$"
    r"|[(\[]\s*(?:\d{4}\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+version)?\s*[)\]])",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": "'"})

PLACEHOLDER_GENRES = frozenset({"n/a", "na", "n.a.", "none", "null", "unknown", "-", "--", "?"})


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_QUOTES).casefold().split())


def primary_artist(artist: str) -> str:
    """The credited artist without the featured ones, casefolded: "hybrid" for "Hybrid featuring Julee Cruise"."""
    return _folded(_FEATURING.sub("", artist or ""))


def recording_title(title: str) -> str:
    """The title without "(feat. …)" and remaster notes, casefolded."""
    title = _FEATURING_IN_TITLE.sub("", title or "")
    return _folded(_REMASTER.sub("", title))


def recording_key(artist: str, title: str) -> str:
    """Equal for two rows of one recording."""
    return recording_key_of_primary(primary_artist(artist), title)


def recording_key_of_primary(primary: str, title: str) -> str:
    """`recording_key` where the row's `primary_artist` is already at hand (the index needs both)."""
    return f"{primary}|{recording_title(title)}"


def shown_genre(genre: str) -> str:
    """The genre as a listener sees it: "" for a placeholder such as "n/a" or "unknown"."""
    genre = (genre or "").strip()
    return "" if genre.casefold() in PLACEHOLDER_GENRES else genre
