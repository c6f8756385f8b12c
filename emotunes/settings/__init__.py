"""EmoTunes settings (`DJANGO_SETTINGS_MODULE=emotunes.settings`).

Everything comes from the environment. With no variables set the site runs
embedded: SQLite, the in-memory channel layer, vision inside the web process and
Celery tasks executed eagerly. ``REDIS_URL`` and ``DATABASE_URL`` switch to the
distributed parts; ``DEBUG=0`` switches on the production safeguards.
"""

from emotunes.settings.base import *  # noqa: F403 - Django reads settings as module attributes
from emotunes.settings.features import *  # noqa: F403
