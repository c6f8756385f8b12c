"""Writing the listener's export out as files: one CSV per kind of row, zipped.

The document itself is a read (moods.selectors.export_data); this module only serialises it,
and guards the CSV cells against spreadsheet formula injection (core.csvcells).
"""

import io
import zipfile

from core.csvcells import csv_text as _csv
from engagement.selectors import EVENT_CSV_HEADER, export_csv_rows
from moods.selectors import export_data

# A listener's own neutral, if they kept one: numbers fitted on their resting face's scores, no picture.
NEUTRAL_HEADER = ["created_at", "neutral_factor", "bias", "bias_divisor", "readings"]


def export_csv_files(*, user) -> dict[str, str]:
    """The export as one CSV per kind: file name → CSV text."""
    data = export_data(user=user)
    account = data["account"]
    mood_header = ["time", "emotion", "confidence", "valence", "arousal", "dominance", "source", "session_id"]
    track_header = ["track_id", "title", "artist", "genre", "spotify_id", "deezer_id", "youtube_id"]
    track_keys = ["id", "title", "artist", "genre", "spotify_id", "deezer_id", "youtube_id"]

    def track_cells(track):
        return [(track or {}).get(key) for key in track_keys]

    return {
        "account.csv": _csv(list(account), [list(account.values())]),
        "mood_entries.csv": _csv(mood_header, ([e[k] for k in mood_header] for e in data["mood_entries"])),
        "ratings.csv": _csv(
            [
                "rated_at",
                "item_type",
                "value",
                "emotion",
                "strategy",
                *track_header,
                "video_id",
                "video_youtube_id",
                "video_title",
            ],
            (
                [
                    r["rated_at"],
                    r["item_type"],
                    r["value"],
                    r["emotion"],
                    r["strategy"],
                    *track_cells(r["track"]),
                    *[(r["video"] or {}).get(key) for key in ("id", "youtube_id", "title")],
                ]
                for r in data["ratings"]
            ),
        ),
        "playlists.csv": _csv(
            ["playlist_id", "playlist_name", "playlist_emotion", "created_at", "position", *track_header],
            (
                [p["id"], p["name"], p["emotion"], p["created_at"], position, *track_cells(track)]
                for p in data["playlists"]
                for position, track in enumerate(p["tracks"], start=1)
            ),
        ),
        "engagement.csv": _csv(EVENT_CSV_HEADER, export_csv_rows(data["engagement"])),
        "neutral_face.csv": _csv(
            NEUTRAL_HEADER, [[data["neutral_face"][k] for k in NEUTRAL_HEADER]] if data["neutral_face"] else []
        ),
    }


def export_csv_zip(*, user) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_csv_files(user=user).items():
            archive.writestr(name, text)
    return buffer.getvalue()
