"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()
# Objects created while loading the app live for the whole process: moving them
# out of the collector's reach saves a full-collection pause on busy workers.
gc.freeze()
