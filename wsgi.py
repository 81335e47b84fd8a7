"""Entry point for gunicorn (``gunicorn wsgi:app``) and the ``flask`` command."""

import gc

from app import create_app

app = create_app()
# What start-up built (models, templates, translations) lives as long as the process: frozen, it is
# no longer walked by every full garbage collection (about half the collector's time per list page).
gc.freeze()
