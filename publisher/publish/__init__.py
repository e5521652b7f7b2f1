"""What a deployment publishes besides the live app: finished builds, dumps, catalog and VoID, the static export.

May import config, vocab, negotiation, dataset/ and render/. See README.md beside this file.
"""
