"""WSGI entry point used by ``phiward serve`` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")

application = get_wsgi_application()
