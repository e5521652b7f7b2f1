"""The SHACL engine: shapes read into records, constraint components checked for all focus nodes at once.

May import vocab only. See README.md beside this file.
"""
