import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # One line naming the setting, not a traceback in the server's log.
    print(f"newsarchive is not configured: {exc}", file=sys.stderr)
    sys.exit(3)
