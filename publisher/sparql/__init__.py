"""The SPARQL endpoint's core: guard → runner → query processes / shared service / remote → result writers.

May import config, errors, negotiation, vocab and render/rdf; never Flask or web/. See README.md beside this file.
"""
