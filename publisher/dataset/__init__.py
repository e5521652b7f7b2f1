"""The data flow's first rooms: load → validate → enrich → a Build.

May import config, vocab and shacl/; never Flask, web/ or server/. See README.md beside this file.
"""
