"""The track index: the active clustering's tracks as read-only arrays and k-d trees, one per process.

A recommendation needs the songs nearest a VAD point, first among the emotion's own cluster(s)
("match") or among all songs ("lift", "iso"). Scanning every track per request costs
milliseconds per target at a million tracks, and iso has a target per song; a k-d tree answers
the same question in a fraction of a millisecond whatever the catalogue's size. So the index
holds one tree over every active track and one per emotion over the tracks of its clusters.

Besides the trees it keeps only what ranking a small pool needs, as flat numpy arrays: the track
id, the cluster, and integer keys for the artist, the song (the recording: primary artist and
normalised title, `catalogue.recordings`, so one recording under two credits or from two
sources counts once) and the genre. Titles, links and tags are read from the database for the
ten or so songs a list shows, so the index stays small at a million tracks.

It is rebuilt when the active clustering or the catalogue version changes (see `cache.Rebuilt`),
and once built nothing changes it: every array is marked read-only, so a read path that tried to
write into it would fail loudly instead of leaking one listener's taste into another's list.
"""

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.spatial import cKDTree

from catalogue.clustering import fit_scaler, load_active_tracks, place, standardise
from catalogue.models import CatalogueState, Cluster, Clustering
from catalogue.recordings import primary_artist, recording_key, recording_key_of_primary
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.cache import Rebuilt


# Integer keys for the text the index compares. Python's string hash is salted per process, which is
# fine: the index and the tastes it is compared with live in the same process. 64 bits make a
# collision between two of a million artists about a one-in-ten-million chance.
def artist_key(artist: str) -> int:
    """One key for every credit of an artist: "Hybrid featuring Julee Cruise" counts as Hybrid."""
    return hash(primary_artist(artist))


def song_key(artist: str, title: str) -> int:
    return hash(recording_key(artist, title))


def genre_key(genre: str) -> int:
    return hash(genre or "")


@dataclass(frozen=True)
class Region:
    """The tracks of one emotion's own cluster(s): their rows in the index and a tree over them."""

    rows: np.ndarray
    tree: cKDTree | None


@dataclass(frozen=True)
class TrackIndex:
    key: tuple  # (active clustering id, tracks version)
    clustering_id: int | None
    scaler: MappingProxyType  # the clustering's standardisation, so targets land in the tracks' space
    ids: np.ndarray  # row → track id, ascending
    tree: cKDTree | None  # every row, in standardised VAD (dominance imputed where missing)
    cluster: np.ndarray  # row → index into cluster_emotions (-1 without a clustering)
    cluster_emotions: tuple
    emotion_clusters: MappingProxyType  # emotion → cluster indices labelled with it (or the nearest one)
    regions: MappingProxyType  # emotion → Region of its clusters' rows
    artist: np.ndarray  # row → artist_key
    song: np.ndarray  # row → song_key
    genre: np.ndarray  # row → genre_key

    def __len__(self) -> int:
        return len(self.ids)

    def rows_of(self, track_ids) -> np.ndarray:
        """The rows of those tracks that are in the index (in the order given)."""
        wanted = np.asarray(list(track_ids), dtype=np.int64)
        at = np.searchsorted(self.ids, wanted).clip(max=max(0, len(self.ids) - 1))
        found = (self.ids[at] == wanted) if len(self.ids) else np.zeros(len(wanted), bool)
        return at[found]

    def standardise(self, points) -> np.ndarray:
        return standardise(points, self.scaler)

    def emotion_of(self, row: int) -> str | None:
        cluster = int(self.cluster[row])
        return self.cluster_emotions[cluster] if cluster >= 0 else None


def track_index(tracks_version: int | None = None) -> TrackIndex:
    """This process's index of the active tracks, rebuilt first if the catalogue or clustering changed."""
    if tracks_version is None:
        tracks_version = CatalogueState.versions()[0]
    clustering_id = Clustering.objects.filter(is_active=True).values_list("id", flat=True).first()
    return _index.get((clustering_id, tracks_version))


def forget() -> None:
    _index.clear()


def _build(key: tuple) -> TrackIndex:
    clustering_id = key[0]
    clustering = Clustering.objects.filter(pk=clustering_id).values("id", "scaler").first() if clustering_id else None
    ids, vad, (artists, titles, genres) = load_active_tracks("artist", "title", "genre")
    if clustering:
        scaler = clustering["scaler"]
        clusters = list(
            Cluster.objects.filter(clustering_id=clustering["id"])
            .order_by("index")
            .values_list("emotion", "valence", "arousal", "dominance")
        )
    else:  # before the first clustering: the same geometry, no clusters
        scaler, clusters = fit_scaler(vad), []
    z = _frozen(place(vad, scaler))
    centroids = standardise([c[1:] for c in clusters], scaler) if clusters else np.zeros((0, 3))
    cluster = _nearest_centroid(z, centroids)
    cluster_emotions = tuple(c[0] for c in clusters)
    emotion_clusters = {}
    for emotion in EMOTIONS:
        own = [i for i, e in enumerate(cluster_emotions) if e == emotion]
        if not own and clusters:  # k < 7: borrow the cluster nearest the emotion's coordinates
            point = standardise([WARRINER_VAD[emotion]], scaler)[0]
            own = [int(np.linalg.norm(centroids - point, axis=1).argmin())]
        emotion_clusters[emotion] = tuple(own)
    regions = {}
    for emotion, own in emotion_clusters.items():
        if own:
            rows = np.flatnonzero(np.isin(cluster, own))
            regions[emotion] = Region(rows=_frozen(rows), tree=_tree(_frozen(z[rows])))
    n = len(ids)
    # artist_key and song_key both start from the primary artist: computed once a row, not twice
    # (1.3 µs each, over a second at a million tracks).
    primaries = list(map(primary_artist, artists))
    return TrackIndex(
        key=key,
        clustering_id=clustering["id"] if clustering else None,
        scaler=MappingProxyType(scaler),
        ids=_frozen(ids),
        tree=_tree(z),
        cluster=_frozen(cluster),
        cluster_emotions=cluster_emotions,
        emotion_clusters=MappingProxyType(emotion_clusters),
        regions=MappingProxyType(regions),
        artist=_frozen(np.fromiter(map(hash, primaries), np.int64, count=n)),  # = artist_key
        song=_frozen(np.fromiter(map(hash, map(recording_key_of_primary, primaries, titles)), np.int64, count=n)),
        genre=_frozen(np.fromiter(map(genre_key, genres), np.int64, count=n)),
    )


def _nearest_centroid(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """K-Means' own assignment, which also places the tracks added since the run (-1 without clusters)."""
    best = np.full(len(z), np.inf)
    cluster = np.full(len(z), -1, dtype=np.int16)
    for i, centroid in enumerate(centroids):
        distance = ((z - centroid) ** 2).sum(axis=1)
        closer = distance < best
        best[closer], cluster[closer] = distance[closer], i
    return cluster


def _tree(points: np.ndarray) -> cKDTree | None:
    # Sliding-midpoint splits build three times faster than median splits and query as fast in 3-D.
    # The tree keeps `points` (read-only) as its data rather than a copy.
    return cKDTree(points, balanced_tree=False) if len(points) else None


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


_index: Rebuilt[TrackIndex] = Rebuilt(_build)
