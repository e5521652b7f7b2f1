"""The remote store's transport: queries go over kept-alive connections, counted at a small TCP proxy
between the publisher and a real Oxigraph server, and a connection the store drops is retried once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from publisher.errors import Problem
from publisher.negotiation import JSON, TURTLE
from publisher.sparql.runner import QueryOptions
from publisher.store.remote import RemoteEndpoint, RemoteRunner
from tests.conftest import BASE

THING = BASE + "id/territory/03358"


class CountingProxy:
    """Forwards TCP connections to ``target`` and counts them. ``drop``: "none"; "second" closes a connection
    when its second request arrives (a store closing an idle kept-alive connection just as it is reused);
    "all" closes every connection as its first request arrives (a store that is going away)."""

    def __init__(self, target: tuple[str, int], drop: str = "none"):
        self.target, self.drop = target, drop
        self.accepted = 0
        self.requests_dropped = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        self.open += [client, upstream]
        answered = threading.Event()  # the store has sent something on this connection

        def back() -> None:
            try:
                while data := upstream.recv(1 << 16):
                    answered.set()
                    client.sendall(data)
            except OSError:
                pass
            finally:
                close(client)

        threading.Thread(target=back, daemon=True).start()
        try:
            while data := client.recv(1 << 16):
                if self.drop == "all" or (self.drop == "second" and answered.is_set()):
                    self.requests_dropped += 1
                    break  # close without an answer
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            close(client)
            close(upstream)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def close(self) -> None:
        self.listener.close()
        for s in self.open:
            close(s)


def close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


@pytest.fixture
def proxy(remote_endpoint: str) -> Iterator[CountingProxy]:
    parts = urlsplit(remote_endpoint)
    assert parts.hostname and parts.port
    found = CountingProxy((parts.hostname, parts.port))
    yield found
    found.close()


def options(form: str = "SELECT") -> QueryOptions:
    return QueryOptions(JSON, TURTLE, 10.0, 1000, BASE + "sparql", form=form)


def graphs(finished: Path) -> list[str]:
    from publisher.publish.builds import open_build

    return sorted(open_build(finished).graph_sizes)


def test_many_queries_of_the_store_and_of_clients_use_one_connection(
    finished: Path, proxy: CountingProxy, remote_endpoint: str
) -> None:
    """30 page statements and 30 client queries, one after the other: one TCP connection to the store,
    and the same answers as a connection of their own each gives (the store asked directly)."""
    names = graphs(finished)
    kept = RemoteEndpoint(proxy.url, names, 10.0)
    direct = RemoteEndpoint(remote_endpoint, names, 10.0)
    query = f"SELECT ?p ?o WHERE {{ <{THING}> ?p ?o }} ORDER BY ?p ?o"
    for _ in range(30):
        assert kept.solutions(query) == direct.solutions(query)
    runner = RemoteRunner(kept)
    construct = f"CONSTRUCT {{ <{THING}> ?p ?o }} WHERE {{ <{THING}> ?p ?o }}"
    expected = set(ox.parse(RemoteRunner(direct)(construct, options("CONSTRUCT")).body, format=ox.RdfFormat.TURTLE))
    for _ in range(30):
        answer = runner(construct, options("CONSTRUCT"))
        assert set(ox.parse(answer.body, format=ox.RdfFormat.TURTLE)) == expected
    assert proxy.accepted == 1


def test_queries_at_once_use_at_most_the_pool_of_connections(finished: Path, proxy: CountingProxy) -> None:
    """Eight threads asking at once open at most eight connections, however many queries they send."""
    kept = RemoteEndpoint(proxy.url, graphs(finished), 10.0)
    rows = []

    def ask() -> None:
        for _ in range(10):
            rows.append(len(kept.solutions(f"SELECT ?p WHERE {{ <{THING}> ?p ?o }}")))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rows) == 80 and len(set(rows)) == 1 and rows[0] > 0
    assert 1 <= proxy.accepted <= 8


def test_a_dropped_connection_is_retried_once(finished: Path, proxy: CountingProxy) -> None:
    """The store closes a kept-alive connection just as the next query arrives: the query is sent again on a
    new connection and answered; a store that drops every connection is asked twice, then counts as down."""
    kept = RemoteEndpoint(proxy.url, graphs(finished), 10.0)
    query = f"ASK {{ <{THING}> ?p ?o }}"
    proxy.drop = "second"
    assert kept.request(query, "json", 10.0)[1]  # the first on a connection: answered
    media_type, body = kept.request(query, "json", 10.0)  # dropped on the kept connection, then retried
    assert media_type == "application/sparql-results+json" and b"true" in body
    assert proxy.requests_dropped == 1 and proxy.accepted == 2
    proxy.drop = "all"
    with pytest.raises(Problem) as refused:
        kept.request(query, "json", 10.0)
    assert refused.value.status == 503 and refused.value.retry_after
    assert proxy.requests_dropped == 3  # once, and once again: never more


def test_a_server_with_a_remote_store_reuses_its_connections(finished: Path, proxy: CountingProxy, settings) -> None:
    """Through the app: pages and /sparql over the remote store send every request over the kept ones."""
    from publisher import create_app

    remote = replace(settings, store="sparql+" + proxy.url, download_dir=str(finished), rate_limit=0)
    app = create_app(remote).test_client(use_cookies=False)
    for _ in range(5):
        page = app.get("/doc/territory/03358", headers={"Accept": "application/n-triples"})
        assert page.status_code == 200
        answer = app.get(
            "/sparql",
            query_string={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{THING}> ?p ?o }}"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200
    assert proxy.accepted == 1
