"""SPARQL admission on the real server: many closed-loop clients wait their turn in one queue instead of
being refused while threads are free, pages are answered meanwhile, and past the queue's length the
answer is 503 with a Retry-After (issue 23; the design is in publisher/sparql/admission.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests

from publisher.sparql.admission import QueryQueue
from tests.conftest import ROOT
from tests.processes import BIN, clean_env, free_port, running

CLIENTS = 32
SECONDS = 4.0
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
CHEAP = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s LIMIT 3"
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def serve(tmp_path: Path, **settings: str) -> tuple[list[str], dict[str, str]]:
    env = clean_env()
    env.update(REGIOLOD_DOWNLOAD_DIR=str(tmp_path / "download"), REGIOLOD_RATE_LIMIT="0", REGIOLOD_ACCESS_LOG="")
    env.update({f"REGIOLOD_{k.upper()}": v for k, v in settings.items()})
    return [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--workers", "2"], env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server as shipped (default queue), two workers, one query service."""
    folder = tmp_path_factory.mktemp("admission")
    port = free_port()
    command, env = serve(folder)
    base = f"http://127.0.0.1:{port}/"
    with running([*command, "--port", str(port)], base, folder / "serve.log", env=env):
        yield base


def closed_loop(base: str, query: str, clients: int, seconds: float) -> list[requests.Response | Exception]:
    """``clients`` clients, each sending ``query`` again as soon as it has its answer, for ``seconds``."""
    answers: list[requests.Response | Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client() -> None:
        with requests.Session() as session:
            start.wait()
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    answer: requests.Response | Exception = session.get(
                        f"{base}sparql", params={"query": query}, headers=JSON_RESULTS, timeout=60
                    )
                except requests.RequestException as exc:
                    answer = exc
                with lock:
                    answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_32_closed_loop_clients_are_all_answered_and_pages_too(server: str) -> None:
    """32 clients re-sending a cheap query at once get only answers, no refusal, while a page is served."""
    expected = requests.get(f"{server}sparql", params={"query": CHEAP}, headers=JSON_RESULTS, timeout=30).json()
    pages: list[requests.Response] = []

    def read_pages() -> None:
        time.sleep(SECONDS / 3)  # the clients are all sending by now
        pages.append(requests.get(f"{server}doc/territory/03358.ttl", timeout=60))

    reader = threading.Thread(target=read_pages)
    reader.start()
    answers = closed_loop(server, CHEAP, CLIENTS, SECONDS)
    reader.join()
    statuses = Counter(a.status_code if isinstance(a, requests.Response) else type(a).__name__ for a in answers)
    assert statuses == {200: len(answers)}, statuses
    assert len(answers) >= CLIENTS
    # Each answer is the query's: the same rows as asked alone.
    assert all(a.json() == expected for a in answers if isinstance(a, requests.Response))
    [page] = pages
    assert page.status_code == 200
    heidekreis = rdflib.URIRef(f"{server}id/territory/03358")
    assert (heidekreis, None, None) in rdflib.Graph().parse(data=page.text, format="turtle")


def test_a_page_is_answered_while_sparql_requests_hold_more_threads_than_pages_have(tmp_path: Path) -> None:
    """One query process, a long query in it, and more waiting SPARQL requests than both workers have threads
    for pages: they wait their turn (not refused at once), and a page is still answered meanwhile."""
    port = free_port()
    command, env = serve(tmp_path, sparql_max_concurrent="1", sparql_queue_wait="3")
    base = f"http://127.0.0.1:{port}/"
    with running([*command, "--port", str(port)], base, tmp_path / "serve.log", env=env):
        answers: list[tuple[requests.Response, float]] = []

        def slow() -> None:
            params = {"query": EXPLOSION, "timeout": "2"}
            started = time.monotonic()
            answer = requests.get(f"{base}sparql", params=params, headers=JSON_RESULTS, timeout=60)
            answers.append((answer, time.monotonic() - started))

        threads = [threading.Thread(target=slow) for _ in range(24)]  # more than 2 workers x 8 page threads
        for t in threads:
            t.start()
        time.sleep(1)
        page = requests.get(f"{base}doc/organization/metropolregion-hamburg.ttl", timeout=60)
        waiting = sum(t.is_alive() for t in threads)
        for t in threads:
            t.join()
    assert page.status_code == 200 and rdflib.Graph().parse(data=page.text, format="turtle")
    assert waiting > 16  # the page was answered while they held more threads than pages have
    assert {a.status_code for a, _ in answers} == {503}
    ran = [a for a, _ in answers if "time limit of 2 s" in a.text]
    waited = [seconds for a, seconds in answers if "stayed busy for 3 s" in a.text]
    assert len(ran) >= 1 and len(ran) + len(waited) == 24
    assert min(waited) >= 2.9  # each refused only after its wait in the queue, none at once


def test_past_the_queue_length_the_answer_is_503_with_retry_after(tmp_path: Path) -> None:
    """A queue of 2 on a server of one query process: a long query runs, one waits, the rest are told when to
    come back (a Retry-After from the queue), not refused in a loop; the server answers again afterwards."""
    port = free_port()
    command, env = serve(tmp_path, sparql_max_concurrent="1", sparql_queue="2", sparql_queue_wait="20")
    base = f"http://127.0.0.1:{port}/"
    with running([*command, "--port", str(port)], base, tmp_path / "serve.log", env=env):
        answers: list[requests.Response] = []

        def slow() -> None:
            params = {"query": EXPLOSION, "timeout": "6"}
            answers.append(requests.get(f"{base}sparql", params=params, headers=JSON_RESULTS, timeout=60))

        holders = [threading.Thread(target=slow) for _ in range(2)]
        for t in holders:
            t.start()
            time.sleep(1.5)  # each reaches the queue before the next is sent, also on a busy machine
        refused = [requests.get(f"{base}sparql", params={"query": CHEAP}, headers=JSON_RESULTS, timeout=60)]
        refused.append(requests.post(f"{base}sparql", data={"query": CHEAP}, headers=JSON_RESULTS, timeout=60))
        for t in holders:
            t.join()
        for answer in refused:
            assert answer.status_code == 503 and "queue is full" in answer.text
            assert int(answer.headers["Retry-After"]) >= 1
            assert answer.headers["Cache-Control"] == "no-store"
        # The first ran to its limit; the second waited its turn in the queue and then ran to its own.
        assert sorted("time limit of 6 s" in a.text for a in answers) == [True, True]
        after = requests.get(f"{base}sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON_RESULTS, timeout=30)
        assert after.status_code == 200 and after.json()["boolean"] is True


def test_the_queue_is_first_come_first_served() -> None:
    """One slot: the waiting requests run in the order they came, and a newcomer never overtakes them."""
    queue = QueryQueue(slots=1, limit=10, wait=30)
    order: list[int] = []
    queue.enter()  # the slot is taken
    waiters = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: (queue.enter(), order.append(i), queue.leave(0.01)))
        t.start()
        waiters.append(t)
        while queue.waiting_now < i + 1:  # each is waiting before the next comes
            time.sleep(0.01)
    queue.leave(0.01)
    for t in waiters:
        t.join()
    assert order == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("holders", ["one worker", "two workers"])
def test_a_full_queue_is_refused_alike_whichever_worker_the_request_lands_in(holders: str) -> None:
    """One query process, a queue of 2, both places taken by long queries: the third request is told the queue
    is full, with a Retry-After, whether the worker it lands in holds both (refused in the worker) or one
    (refused by the server's query service). Which it is depends on how the server spreads connections."""
    import pyoxigraph as ox

    from publisher.errors import Problem
    from publisher.negotiation import JSON, TURTLE
    from publisher.sparql.processes import QueryPool
    from publisher.sparql.queryservice import QueryService, SharedQueries
    from publisher.sparql.runner import QueryOptions

    store = ox.Store()
    for i in range(40):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(i)))
    service = QueryService(QueryPool(lambda: store, 1, wait=20, admitted=2))
    service.start()
    first, second = SharedQueries(service, admitted=2), SharedQueries(service, admitted=2)
    workers = [first, first] if holders == "one worker" else [first, second]
    slow = QueryOptions(JSON, TURTLE, 3.0, 1000, "http://example.org/")
    outcomes: list[str] = []

    def hold(worker: SharedQueries) -> None:
        try:
            worker("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }", slow)
        except Problem as exc:
            outcomes.append(exc.message)
        finally:
            worker.forget()  # this thread's connection to the service

    threads = [threading.Thread(target=hold, args=(w,)) for w in workers]
    try:
        for t in threads:
            t.start()
            time.sleep(0.5)  # each holds its place before the next comes
        with pytest.raises(Problem) as refused:
            first("ASK { ?s ?p ?o }", slow)
        assert refused.value.status == 503 and "queue is full" in refused.value.message
        assert refused.value.retry_after is not None and int(refused.value.retry_after) >= 1
        for t in threads:
            t.join()
        assert ["time limit of 3 s" in m for m in outcomes] == [True, True]  # each ran to its limit in turn
        assert b"true" in first("ASK { ?s ?p ?o }", slow).body
    finally:
        for worker in (first, second):
            worker.forget()
        service.stop()
