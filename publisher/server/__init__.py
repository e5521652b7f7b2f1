"""The HTTP server side: granian, or gunicorn and its workers taking turns, per-client limits, the shared render cache.

May import config, sparql/ and the app factory; web/ imports limits from here. See README.md beside this file.
"""
