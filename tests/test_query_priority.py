"""Query processes run cheap queries at the server's priority and put a runaway below the web workers."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox

from publisher.errors import Problem
from publisher.negotiation import JSON, TURTLE
from publisher.sparql.processes import LOWER_AFTER_S, LOWERED_NICE, QueryPool
from publisher.sparql.runner import QueryOptions

EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def nice_of(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def test_a_cheap_query_runs_at_the_servers_priority_and_a_runaway_is_lowered() -> None:
    store = ox.Store()
    for i in range(60):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(i)))
    pool = QueryPool(lambda: store, 1, wait=30)
    options = QueryOptions(JSON, TURTLE, 30.0, 1000, "http://example.org/")
    try:
        answer = pool("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", options)
        assert b'"60"' in answer.body
        [first] = pool.forked
        assert nice_of(first) == nice_of(0)  # as the server: a cheap query does not wait behind everyone else
        errors: list[Problem] = []

        def runaway() -> None:
            try:
                pool(EXPLOSION, QueryOptions(JSON, TURTLE, LOWER_AFTER_S + 2, 1000, "http://example.org/"))
            except Problem as exc:
                errors.append(exc)

        thread = threading.Thread(target=runaway)
        thread.start()
        deadline = time.monotonic() + LOWER_AFTER_S + 1.5
        while nice_of(first) != LOWERED_NICE and time.monotonic() < deadline:
            time.sleep(0.05)
        lowered = nice_of(first)
        thread.join()
        assert lowered == LOWERED_NICE
        assert [e.status for e in errors] == [503]  # stopped at its limit
        again = pool("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", options)
        assert b'"60"' in again.body
        [second] = pool.forked
        # The runaway's process was killed at its limit: a fresh one runs at the server's priority.
        assert second != first and nice_of(second) == nice_of(0)
    finally:
        pool.kill_all()
        pool.close()


def test_a_worker_thread_keeps_one_connection_to_the_query_service(monkeypatch) -> None:
    """Twenty queries from one thread of a worker: one connection to the server's query service, each answer
    right; when the service is started again, the kept connection is replaced and the next query answered."""
    import socket

    from publisher.sparql.queryservice import QueryService, SharedQueries

    store = ox.Store()
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(i)))
    service = QueryService(QueryPool(lambda: store, 1, wait=10))
    service.start()
    connects: list[object] = []

    class Counting(socket.socket):
        def connect(self, address) -> None:  # type: ignore[override]
            connects.append(address)
            super().connect(address)

    monkeypatch.setattr(socket, "socket", Counting)
    options = QueryOptions(JSON, TURTLE, 10.0, 1000, "http://example.org/")
    shared = SharedQueries(service, admitted=4)
    try:
        for i in range(20):
            query = f"SELECT ?s WHERE {{ ?s ?p {i % 5} }}"
            assert f"http://example.org/{i % 5}".encode() in shared(query, options).body
        assert len(connects) == 1
        service.stop()
        service.start()
        assert b"http://example.org/3" in shared("SELECT ?s WHERE { ?s ?p 3 }", options).body
        assert len(connects) == 2
    finally:
        shared.forget()
        service.stop()
