"""Generators of shipped data files from the reference files in ``../shared/data`` (see README.md)."""
