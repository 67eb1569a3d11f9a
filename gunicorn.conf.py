"""gunicorn settings in the checkout (read automatically when gunicorn starts in this folder, or
with `gunicorn -c gunicorn.conf.py`): the installed package's own, stationsite/gunicorn_conf.py,
which an installed wheel uses as `gunicorn -c python:stationsite.gunicorn_conf`."""

from stationsite.gunicorn_conf import *  # noqa: F403
