"""Fixtures of the hostile input suite: loopback canaries and an app with a short SPARQL time limit."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.conftest import make_client
from tests.hostile.support import Canary, canary_listening, ipv6_loopback_available


@pytest.fixture(scope="session")
def canary_server() -> Iterator[Canary]:
    """An IPv4 loopback listener for the whole session (connections are cleared before each test)."""
    with canary_listening() as listener:
        yield listener


@pytest.fixture(scope="session")
def canary6_server() -> Iterator[Canary | None]:
    """The same on [::1], where the machine has IPv6 loopback."""
    if not ipv6_loopback_available():
        yield None
        return
    with canary_listening(socket.AF_INET6, "::1") as listener:
        yield listener


@pytest.fixture
def canary(canary_server: Canary) -> Iterator[Canary]:
    """The IPv4 canary with no connections recorded yet (each test asserts it stayed silent)."""
    canary_server.connections.clear()
    return canary_server


@pytest.fixture
def canary6(canary6_server: Canary | None) -> Canary | None:
    if canary6_server is not None:
        canary6_server.connections.clear()
    return canary6_server


@pytest.fixture(scope="session")
def short_client():
    """A client of an app whose SPARQL time limit is 2 s, for expensive but legal queries."""
    return make_client(sparql_timeout=2)
