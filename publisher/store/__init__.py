"""Where the data is served from: the Store the web layer asks, embedded (memory, disk) or remote.

May import errors, vocab, dataset/, publish/builds and sparql/ (runner, results); never Flask or web/.
See README.md beside this file.
"""
