"""Property test: requests generated from /schema/openapi.json never get a 5xx.

Bodies come from the published schema itself (so the test follows the API as it grows), with
each field sometimes replaced by arbitrary JSON to probe validation. The app runs the real
rules engine and `decide()` with the sample rules; the model is a fake (its input handling is
exercised by the end-to-end tests).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from serving.app import create_app
from serving.model_store import ModelStore
from serving.rules_store import RulesStore
from serving.settings import packaged_rules_path
from tests.serving_fakes import FakeModel, FakeModelLoader, keys, make_runtime

KEYS = keys()
HEADERS = {"Authorization": f"Bearer {KEYS['admin'][0]}"}

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
DATES = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
VALID_DATES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()
).map(lambda d: d.isoformat())


NAMED = {"calendar"}  # values must name an entry of the rules file
SCALARS: dict[str, Any] = {
    "string": st.text(max_size=40),
    "integer": st.integers(min_value=-5, max_value=10**6),
    "number": st.floats(min_value=-1e6, max_value=1e13, allow_nan=False),
    "boolean": st.booleans(),
    "null": st.none(),
}


def _strategy(  # noqa: PLR0911 - one return per JSON Schema construct reads best
    schema: dict[str, Any], components: dict[str, Any], depth: int = 0, mutate: bool = True
) -> Any:
    """Values for `schema`; with `mutate`, any field may instead be arbitrary JSON."""
    if "$ref" in schema:
        return _strategy(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth, mutate)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([_strategy(s, components, depth, mutate) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(
            [_strategy({**schema, "type": k}, components, depth, mutate) for k in kind]
        )
    if kind == "object" and depth < 4:
        props = schema.get("properties", {})
        fields = {
            name: _strategy(sub, components, depth + 1, mutate) for name, sub in props.items()
        }
        if mutate:
            fields = {name: value | ANY_JSON for name, value in fields.items()}
        if not mutate:
            # Every field present (so the ticket has text), minus those naming rules-file entries.
            return st.fixed_dictionaries({n: f for n, f in fields.items() if n not in NAMED})
        required = [n for n in schema.get("required", []) if n in fields]
        optional = {n: s for n, s in fields.items() if n not in required}
        return st.fixed_dictionaries({n: fields[n] for n in required}, optional=optional)
    if kind == "array":
        items = schema.get("items", {})
        return st.lists(_strategy(items, components, depth + 1, mutate), max_size=3)
    if kind == "string" and schema.get("format") == "date-time":
        return DATES if mutate else VALID_DATES
    if not mutate:
        return _within_bounds(str(kind), schema)
    return SCALARS.get(str(kind), ANY_JSON)


def _within_bounds(kind: str, schema: dict[str, Any]) -> Any:
    """A value that honours the schema's own limits (so the request can reach the model)."""
    if kind == "string":
        return st.text(min_size=1, max_size=min(40, schema.get("maxLength", 40)))
    if kind in {"integer", "number"}:
        low = schema.get("minimum", 0)
        high = min(schema.get("maximum", 10**6), 10**6)
        return st.integers(int(low), int(high)) if kind == "integer" else st.floats(low, high)
    return SCALARS.get(kind, ANY_JSON)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Any]]:
    from classifier.decide import decide
    from classifier.rules import load_ruleset

    tmp = tmp_path_factory.mktemp("fuzz")
    runtime = make_runtime(tmp, model=FakeModel(), keys=[e for _, e in KEYS.values()])
    runtime.rules = RulesStore(packaged_rules_path(), loader=load_ruleset)
    runtime.models = ModelStore(runtime.settings.model, loader=FakeModelLoader(FakeModel()))
    runtime.decide = decide
    with TestClient(create_app(runtime=runtime, extensions=())) as c:
        yield c


@pytest.fixture(scope="module")
def openapi(client: TestClient[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/schema/openapi.json").json()
    return schema


def _body_schema(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    body = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    schema: dict[str, Any] = body["schema"]
    return schema


@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_generated_requests_never_get_a_5xx(
    client: TestClient[Any], openapi: dict[str, Any], path: str
) -> None:
    components = openapi["components"]["schemas"]
    schema = _body_schema(openapi, path)
    # Schema-shaped bodies reach the model and rules; mutated ones and raw JSON probe validation.
    bodies = (
        _strategy(schema, components, mutate=False)
        | _strategy(schema, components, mutate=True)
        | ANY_JSON
    )

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(body=bodies)
    def check(body: Any) -> None:
        response = client.post(path, json=body, headers=HEADERS)
        statuses.append(response.status_code)
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            assert response.json()["detail"]

    statuses: list[int] = []
    check()
    # the generator must reach the model and rules, not only the validation layer
    assert statuses.count(200) >= 25, statuses
    assert any(400 <= s < 500 for s in statuses)


def test_every_documented_get_route_answers_without_5xx(
    client: TestClient[Any], openapi: dict[str, Any]
) -> None:
    for path, item in openapi["paths"].items():
        if "get" in item and "{" not in path:
            assert client.get(path, headers=HEADERS).status_code < 500, path


def test_arbitrary_bytes_never_get_a_5xx(client: TestClient[Any]) -> None:
    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(raw=st.binary(max_size=200), path=st.sampled_from(["/v1/predict", "/v1/predict/batch"]))
    def check(raw: bytes, path: str) -> None:
        assert client.post(path, content=raw, headers=HEADERS).status_code < 500

    check()


def test_a_creation_time_near_the_year_9999_is_its_tickets_own_422(
    client: TestClient[Any],
) -> None:
    far = {"body": "Printer problem", "created_at": "9999-12-31T23:59:59Z"}
    single = client.post("/v1/predict", json=far, headers=HEADERS)
    assert single.status_code == 422
    assert single.json()["field"] == "created_at"
    assert "use a time from 1900 to 2999" in single.json()["detail"]
    tickets = {"tickets": [{"body": "ok"}, far]}
    batch = client.post("/v1/predict/batch", json=tickets, headers=HEADERS)
    assert batch.status_code == 200
    results = batch.json()["results"]
    assert "decision" in results[0]
    assert results[1]["error"]["field"] == "tickets[1].created_at"


@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_bodies_integrators_get_wrong_are_4xx_that_say_what_to_send(
    client: TestClient[Any], path: str
) -> None:
    def post(content: bytes, **headers: str) -> Any:
        sent = {**HEADERS, "content-type": "application/json", **headers}
        return client.post(path, content=content, headers=sent)

    ticket = '{"subject": "Größe", "body": "Æble er nede"}'
    body = ticket if path == "/v1/predict" else f'{{"tickets": [{ticket}]}}'
    latin1 = post(body.encode("latin-1"))
    assert (latin1.status_code, latin1.json()["error"]) == (400, "malformed_json")
    assert "is not UTF-8" in latin1.json()["detail"]
    empty = post(b"")
    assert (empty.status_code, empty.json()["error"]) == (400, "empty_body")
    zipped = post(gzip.compress(body.encode()), **{"content-encoding": "gzip"})
    assert zipped.status_code == 415
    assert "Content-Encoding 'gzip' is not supported" in zipped.json()["detail"]
    mislabelled = post(body.encode(), **{"content-encoding": "gzip"})  # plain JSON, gzip label
    assert mislabelled.status_code == 415
    assert post(body.encode()).status_code == 200


def test_metrics_name_their_charset_once(client: TestClient[Any]) -> None:
    kind = client.get("/metrics").headers["content-type"]
    assert kind.count("charset") == 1, kind


@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", b"subject=Server+down&body=x"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="subject"\r\n\r\ndown\r\n--xyz--\r\n',
        ),
        ("application/xml", b"<ticket><subject>down</subject></ticket>"),
    ],
    ids=["form", "multipart", "xml"],
)
def test_a_form_or_xml_body_is_415_naming_json(
    client: TestClient[Any], path: str, content_type: str, content: bytes
) -> None:
    sent = {**HEADERS, "content-type": content_type}
    r = client.post(path, content=content, headers=sent)
    assert r.status_code == 415, r.text
    assert r.json()["error"] == "unsupported_media_type"
    media = content_type.partition(";")[0]
    assert f"Content-Type {media} is not supported" in r.json()["detail"]
    assert "Content-Type: application/json" in r.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_json_sent_with_curls_default_form_type_is_still_read(
    client: TestClient[Any], path: str
) -> None:
    ticket = '{"subject": "Server down"}'
    body = ticket if path == "/v1/predict" else f'{{"tickets": [{ticket}]}}'
    sent = {**HEADERS, "content-type": "application/x-www-form-urlencoded"}  # curl -d '{...}'
    assert client.post(path, content=body.encode(), headers=sent).status_code == 200


LAX_VALUES = [
    ({"affected_users": "60"}, "affected_users"),
    ({"affected_users": 40.0}, "affected_users"),
    ({"affected_users": "1e3"}, "affected_users"),
    ({"customer": {"vip": "true"}}, "customer.vip"),
    ({"customer": {"vip": 1}}, "customer.vip"),
    ({"customer": {"monthly_value": "4200"}}, "customer.monthly_value"),
    ({"created_at": 0}, "created_at"),
    ({"created_at": "1763780400"}, "created_at"),
]


@pytest.mark.parametrize(("extra", "field"), LAX_VALUES, ids=[f for _, f in LAX_VALUES])
def test_single_and_batch_refuse_the_same_ticket_the_same_way(
    client: TestClient[Any], extra: dict[str, Any], field: str
) -> None:
    # The schema says integer, boolean, number and date-time: both endpoints decode strictly.
    ticket = {"subject": "Server down", **extra}
    single = client.post("/v1/predict", json=ticket, headers=HEADERS)
    batch = client.post("/v1/predict/batch", json={"tickets": [ticket]}, headers=HEADERS)
    assert batch.status_code == 200
    item = batch.json()["results"][0]["error"]
    assert (single.status_code, single.json()["field"]) == (item["status"], field)
    assert item["field"] == f"tickets[0].{field}"
    assert single.json()["detail"] == item["detail"].removeprefix("tickets[0].")


MISSPELT = [
    ({"afected_users": 500}, "afected_users", "did you mean `affected_users`?"),
    ({"customer": {"teir": "enterprise"}}, "customer.teir", "did you mean `tier`?"),
    ({"stated_urgncy": "high"}, "stated_urgncy", "did you mean `stated_urgency`?"),
    ({"queue": "IT"}, "queue", "a ticket's own attributes go under `extra`"),
]


@pytest.mark.parametrize(("extra", "field", "hint"), MISSPELT, ids=[f for _, f, _ in MISSPELT])
def test_an_unknown_field_is_422_naming_it_and_the_nearest_real_one(
    client: TestClient[Any], extra: dict[str, Any], field: str, hint: str
) -> None:
    # Dropped silently, "afected_users": 500 turned an urgent ticket into a low one.
    ticket = {"subject": "Cannot log in", **extra}
    single = client.post("/v1/predict", json=ticket, headers=HEADERS)
    batch = client.post("/v1/predict/batch", json={"tickets": [ticket]}, headers=HEADERS)
    assert single.status_code == 422, single.text
    assert single.json()["field"] == field
    assert hint in single.json()["detail"]
    item = batch.json()["results"][0]["error"]
    assert (item["status"], item["field"]) == (422, f"tickets[0].{field}")
    assert hint in item["detail"]


def test_custom_attributes_under_extra_are_still_accepted(client: TestClient[Any]) -> None:
    ticket = {"subject": "Cannot log in", "extra": {"queue": "IT"}}
    assert client.post("/v1/predict", json=ticket, headers=HEADERS).status_code == 200


@pytest.mark.parametrize("sent", ["2026-11-22 03:00:00 UTC", "22.11.2026 03:00", 1763780400])
def test_a_bad_created_at_says_what_to_send(client: TestClient[Any], sent: object) -> None:
    ticket = {"subject": "Server down", "created_at": sent}
    for answer in (
        client.post("/v1/predict", json=ticket, headers=HEADERS).json(),
        client.post("/v1/predict/batch", json={"tickets": [ticket]}, headers=HEADERS).json()[
            "results"
        ][0]["error"],
    ):
        assert answer["status"] == 422
        assert "send RFC 3339, e.g. 2026-11-24T09:30:00Z (no offset: UTC)" in answer["detail"]
