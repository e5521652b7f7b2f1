"""regiolod: a linked open data publisher for German regions and inter-municipal cooperations.

Nothing runs at import time; the command line (``publisher.cli``) and, later, the web
application factory build what they need from a :class:`publisher.config.Settings` record.
"""

__version__ = "0.1.0"
