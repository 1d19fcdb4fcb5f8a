import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collectif.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules) lives as long as
# the process: keep it out of the garbage collector's passes, which would
# otherwise walk all of it again and again while a page of 60 cards is made
# (about a tenth of its time). Python's documentation advises it for servers.
gc.freeze()
