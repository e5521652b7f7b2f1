"""Hostile input to /reconcile: every refusal is a 4xx with a JSON message, never a 500."""

from __future__ import annotations

import json

import pytest

from publisher.web.reconcile import MAX_QUERIES

MANY = {f"q{i}": {"query": "a"} for i in range(MAX_QUERIES + 1)}
CASES = [
    ("too many queries", "/reconcile", {"queries": json.dumps(MANY)}),
    ("nested beyond reason", "/reconcile", {"queries": "[" * 100_000 + "]" * 100_000}),
    ("query not an object", "/reconcile", {"queries": json.dumps({"q": "Walsrode"})}),
    ("query text a number", "/reconcile", {"queries": json.dumps({"q": {"query": 12}})}),
    ("type a number", "/reconcile", {"queries": json.dumps({"q": {"query": "a", "type": 3}})}),
    ("limit a string", "/reconcile", {"queries": json.dumps({"q": {"query": "a", "limit": "5"}})}),
    ("limit a boolean", "/reconcile", {"queries": json.dumps({"q": {"query": "a", "limit": True}})}),
    ("property value a list of lists", "/reconcile",
     {"queries": json.dumps({"q": {"query": "a", "properties": [{"pid": "ags", "v": [[1]]}]}})}),
    ("at a number", "/reconcile", {"queries": json.dumps({"q": {"query": "a", "at": 2019}})}),
    ("extend ids not strings", "/reconcile", {"extend": json.dumps({"ids": [1], "properties": [{"id": "ags"}]})}),
    ("extend settings day", "/reconcile",
     {"extend": json.dumps({"ids": ["x"], "properties": [{"id": "memberships", "settings": {"at": "x"}}]})}),
    ("match queries not a list", "/reconcile/match", {"queries": json.dumps({"queries": {"a": 1}})}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "path", "form"), CASES, ids=[c[0] for c in CASES])
def test_hostile_reconciliation_input_is_a_400(client, case: str, path: str, form: dict[str, str]) -> None:
    response = client.post(path, data=form)
    assert response.status_code == 400, (case, response.get_data(as_text=True)[:200])
    assert response.mimetype == "application/json" and response.get_json()["message"]


def test_control_characters_and_huge_names_are_answered(client) -> None:
    queries = {"nul": {"query": "Wals\0rode"}, "bidi": {"query": "\u202eedorslaW"}, "long": {"query": "x" * 5000},
               "empty": {"query": ""}}  # fmt: skip
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200
    assert set(response.get_json()) == set(queries)


def test_a_body_over_the_limit_is_413(client) -> None:
    response = client.post("/reconcile/match", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 413
