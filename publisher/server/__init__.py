"""The HTTP server side: gunicorn, its workers taking turns, per-client limits, the shared render cache.

May import config, sparql/ and the app factory; web/ imports limits from here. See README.md beside this file.
"""
