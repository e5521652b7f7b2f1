"""Generators of shipped data files from the shared reference data (``../shared/data``)."""
