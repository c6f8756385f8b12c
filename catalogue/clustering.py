"""K-Means emotion clusters over standardised VAD, built off to the side and swapped in atomically.

Missing dominance (Deezer and Spotify carry none) is imputed for clustering from valence and
arousal with a least-squares line fitted on the tracks that have it; the stored value stays
empty. Each cluster is labelled with one of the seven basic emotions by matching its centroid to
Warriner's coordinates of the emotion words (Hungarian assignment, so with k = 7 every emotion
gets exactly one cluster). Songs occupy a narrower band of VAD than the emotion words (no song
is as negative as the word "sad"), so centroids and emotion words are compared as z-scores
within their own sets: relative positions, not raw distances. With k > 7 the clusters left over take their nearest emotion; with
k < 7 some emotions own no cluster and borrow the one whose centroid is nearest to them.
"""

import logging
import time
from itertools import islice

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from catalogue.models import Cluster, Clustering, ClusterMembership, Track
from catalogue.vad import SCALE_MID
from core.emotions import EMOTIONS, WARRINER_VAD

logger = logging.getLogger(__name__)

EMOTION_POINTS = np.array([WARRINER_VAD[e] for e in EMOTIONS], dtype=float)
EMOTION_SCALER = {"mean": EMOTION_POINTS.mean(axis=0).tolist(), "scale": EMOTION_POINTS.std(axis=0).tolist()}


class ClusteringError(RuntimeError):
    pass


# --- Numbers (no database) -----------------------------------------------------------------------


def fit_dominance(vad: np.ndarray) -> list[float]:
    """Coefficients (c0, cV, cA) of D ≈ c0 + cV·V + cA·A from the rows whose D is known."""
    known = ~np.isnan(vad[:, 2])
    if known.sum() < 3:
        return [SCALE_MID, 0.0, 0.0]
    design = np.column_stack([np.ones(known.sum()), vad[known, 0], vad[known, 1]])
    coefficients, *_ = np.linalg.lstsq(design, vad[known, 2], rcond=None)
    return [float(c) for c in coefficients]


def complete(vad: np.ndarray, dominance_fit: list[float]) -> np.ndarray:
    """VAD with missing dominance filled in from the fitted line (a copy)."""
    filled = np.array(vad, dtype=float, copy=True)
    missing = np.isnan(filled[:, 2])
    c0, cv, ca = dominance_fit
    filled[missing, 2] = np.clip(c0 + cv * filled[missing, 0] + ca * filled[missing, 1], 1.0, 9.0)
    return filled


def fit_scaler(vad: np.ndarray) -> dict:
    """The standardisation of a set of tracks: per-dimension mean and sd after imputing dominance.

    Stored with each clustering so that tracks added later land in the same space; the index
    uses the same fit before the first clustering exists. An empty catalogue gets the scale's
    middle and unit spread, so a point can still be placed.
    """
    if not len(vad):
        return {"mean": [SCALE_MID] * 3, "scale": [1.0] * 3, "dominance_fit": [SCALE_MID, 0.0, 0.0]}
    dominance_fit = fit_dominance(vad)
    filled = complete(vad, dominance_fit)
    scale = filled.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return {"mean": filled.mean(axis=0).tolist(), "scale": scale.tolist(), "dominance_fit": dominance_fit}


def standardise(points: np.ndarray, scaler: dict) -> np.ndarray:
    return (np.asarray(points, dtype=float) - np.array(scaler["mean"])) / np.array(scaler["scale"])


def place(vad: np.ndarray, scaler: dict) -> np.ndarray:
    """Tracks' VAD (NaN where dominance is unknown) in a clustering's standardised space."""
    return standardise(complete(vad, scaler["dominance_fit"]), scaler) if len(vad) else np.zeros((0, 3))


def label_clusters(centroids_z: np.ndarray, emotions_z: np.ndarray) -> list[int]:
    """Index into EMOTIONS for each centroid."""
    distances = np.linalg.norm(centroids_z[:, None, :] - emotions_z[None, :, :], axis=2)
    labels = distances.argmin(axis=1)  # k > 7: the leftovers keep their nearest emotion
    rows, columns = linear_sum_assignment(distances)
    labels[rows] = columns
    return [int(x) for x in labels]


def quality_scan(z: np.ndarray, k_values, *, sample: int, seed: int = 0) -> list[dict]:
    """Inertia (per track) and silhouette for each k, on a random sample to stay quick."""
    rng = np.random.default_rng(seed)
    pick = z if len(z) <= sample else z[rng.choice(len(z), sample, replace=False)]
    scan = []
    for k in k_values:
        if k < 2 or k >= len(pick):
            continue
        model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(pick)
        scan.append(
            {
                "k": int(k),
                "inertia_per_track": round(float(model.inertia_) / len(pick), 4),
                "silhouette": round(
                    float(silhouette_score(pick, model.labels_, sample_size=min(len(pick), 1500), random_state=seed)), 4
                ),
                "sample": int(len(pick)),
            }
        )
    return scan


def compute(vad: np.ndarray, k: int, *, scan_k=(), seed: int = 0) -> dict:
    """Fit K-Means on (n, 3) VAD with NaN for missing dominance; returns everything to store."""
    # OpenMP threads spin while they wait; on a busy machine (web workers beside the refresh) that
    # made a 100,000-track fit 7× slower than one thread. Three dimensions need no parallelism.
    with threadpool_limits(settings.RECOMMENDER_CLUSTER_THREADS):
        return _compute(vad, k, scan_k=scan_k, seed=seed)


def _compute(vad: np.ndarray, k: int, *, scan_k, seed: int) -> dict:
    if len(vad) < max(k, 2):
        raise ClusteringError(f"{len(vad)} active tracks cannot make {k} clusters")
    scaler = fit_scaler(vad)
    mean, scale = np.array(scaler["mean"]), np.array(scaler["scale"])
    z = place(vad, scaler)
    # Beyond RECOMMENDER_FIT_SAMPLE tracks the centroids are fitted on a random sample and every
    # track is then assigned to its nearest centroid: the clusters barely move, the time stays bounded.
    rng = np.random.default_rng(seed)
    fit_on = (
        z
        if len(z) <= settings.RECOMMENDER_FIT_SAMPLE
        else z[rng.choice(len(z), settings.RECOMMENDER_FIT_SAMPLE, replace=False)]
    )
    model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(fit_on)
    assignments = model.predict(z) if fit_on is not z else model.labels_
    inertia = -float(model.score(z)) if fit_on is not z else float(model.inertia_)
    silhouette = float(silhouette_score(z, assignments, sample_size=min(len(z), 3000), random_state=seed))
    labels = label_clusters(model.cluster_centers_, standardise(EMOTION_POINTS, EMOTION_SCALER))
    centroids = model.cluster_centers_ * scale + mean
    return {
        "scaler": scaler,
        "assignments": assignments.astype(int),
        "centroids": centroids,
        "emotions": [EMOTIONS[i] for i in labels],
        "sizes": np.bincount(assignments, minlength=k).tolist(),
        "inertia": inertia,
        "silhouette": silhouette,
        "k_scan": quality_scan(z, scan_k, sample=settings.RECOMMENDER_K_SCAN_SAMPLE, seed=seed) if scan_k else [],
    }


# --- The refresh ----------------------------------------------------------------------------------


def load_active_tracks(*extra: str, chunk: int = 50_000) -> tuple[np.ndarray, np.ndarray, list[list]]:
    """The active tracks by id: ids, (n, 3) VAD with NaN where dominance is unknown, and any extra columns.

    Shared by the refresh and the recommendation index, so both see the same tracks in the same
    order. Read in chunks, so that a million tracks never sit in memory as one list of row tuples.
    """
    query = (
        Track.objects.filter(is_active=True).order_by("id").values_list("id", "valence", "arousal", "dominance", *extra)
    )
    rows = query.iterator(chunk_size=chunk)
    numbers, columns = [], [[] for _ in extra]
    while batch := list(islice(rows, chunk)):
        numbers.append(np.array([row[:4] for row in batch], dtype=float))  # None (no dominance) becomes NaN
        for i, column in enumerate(columns, start=4):
            column.extend([row[i] for row in batch])
    numbers = np.concatenate(numbers) if numbers else np.zeros((0, 4))
    return numbers[:, 0].astype(np.int64), np.ascontiguousarray(numbers[:, 1:]), columns


def _write_memberships(clustering: Clustering, cluster_ids: list[int], track_ids: np.ndarray, assignments) -> None:
    table = ClusterMembership._meta.db_table
    rows = [(clustering.pk, cluster_ids[a], int(t)) for t, a in zip(track_ids.tolist(), assignments.tolist())]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20000):
            cursor.executemany(
                f"INSERT INTO {table} (clustering_id, cluster_id, track_id) VALUES (%s, %s, %s)",
                rows[start : start + 20000],
            )


def refresh(*, k: int | None = None, trigger: str = "manual", scan: bool = True) -> Clustering:
    """Build a new clustering of the active tracks and make it the active one.

    Everything is written and the active flag flipped inside one transaction: readers see the old
    clustering until the commit and the new, complete one after it. If anything fails the
    transaction rolls back, the old clustering keeps serving, and a failed run is recorded.
    """
    k = k or settings.RECOMMENDER_K
    started = time.perf_counter()
    stages = {}
    try:
        track_ids, vad, _ = load_active_tracks()
        stages["load"] = time.perf_counter() - started
        result = compute(vad, k, scan_k=settings.RECOMMENDER_K_SCAN if scan else ())
        stages["k-means + quality"] = time.perf_counter() - started - sum(stages.values())
        with transaction.atomic():
            clustering = Clustering.objects.create(
                k=k,
                n_tracks=len(track_ids),
                inertia=result["inertia"],
                silhouette=result["silhouette"],
                k_scan=result["k_scan"],
                scaler=result["scaler"],
                trigger=trigger[:40],
            )
            clusters = Cluster.objects.bulk_create(
                [
                    Cluster(
                        clustering=clustering,
                        index=i,
                        emotion=result["emotions"][i],
                        valence=float(c[0]),
                        arousal=float(c[1]),
                        dominance=float(c[2]),
                        size=result["sizes"][i],
                    )
                    for i, c in enumerate(result["centroids"])
                ]
            )
            cluster_ids = [c.pk for c in sorted(clusters, key=lambda c: c.index)]
            _write_memberships(clustering, cluster_ids, track_ids, result["assignments"])
            Clustering.objects.filter(is_active=True).update(is_active=False)
            clustering.is_active = True
            clustering.duration_s = round(time.perf_counter() - started, 3)
            clustering.save(update_fields=["is_active", "duration_s"])
        stages["write + swap"] = time.perf_counter() - started - sum(stages.values())
    except Exception as exc:
        logger.exception("Re-clustering failed; the previous clustering keeps serving")
        try:  # a record for the admin; if the database itself is what failed, the log has it
            Clustering.objects.create(
                k=k,
                status=Clustering.Status.FAILED,
                trigger=trigger[:40],
                error=f"{type(exc).__name__}: {exc}"[:2000],
                duration_s=round(time.perf_counter() - started, 3),
            )
        except Exception:
            logger.exception("Could not record the failed re-clustering")
        raise
    _prune_old()
    clustering.stage_seconds = stages  # for the benchmark's breakdown; not stored
    logger.info(
        "Clustering #%s active: k=%s, %s tracks, %.2fs", clustering.pk, k, len(track_ids), clustering.duration_s
    )
    return clustering


def _prune_old() -> None:
    keep = settings.RECOMMENDER_KEEP_CLUSTERINGS
    old = list(
        Clustering.objects.filter(is_active=False).order_by("-created_at", "-id").values_list("pk", flat=True)[keep:]
    )
    if old:
        Clustering.objects.filter(pk__in=old).delete()
