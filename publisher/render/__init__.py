"""From data to bytes and to what a page shows: RDF serializers, HTML page data and helpers.

May import vocab, negotiation, store/ and dataset/enrich; never Flask or web/. See README.md beside this file.
"""
