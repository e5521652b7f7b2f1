"""Renderers: from quads to bytes in one format (RDF serializations and HTML)."""
