"""GET /v1/model names the columns the model reads, and which of them a request can only send
in `extra`: a model trained on a Freshdesk mapping reads `description`, not `body`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from classifier.features import FeatureSpec
from serving.app import create_app
from tests.serving_fakes import FakeModel, keys, make_runtime

KEYS = keys()
PREDICT = {"Authorization": f"Bearer {KEYS['predict'][0]}"}
FRESHDESK = FeatureSpec(
    ("subject", "description"), ("tier", "custom_fields.cf_tier"), ("affected_users",)
)


@dataclass
class MappedModel(FakeModel):
    spec: FeatureSpec = FRESHDESK


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    entries = [entry for _, entry in KEYS.values()]
    runtime = make_runtime(tmp_path, model=MappedModel(), keys=entries)
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client


def test_the_model_endpoint_names_the_columns_a_request_sends_in_extra(
    client: TestClient[Any],
) -> None:
    body = client.get("/v1/model", headers=PREDICT).json()

    assert body["columns"] == {
        "text": ["subject", "description"],
        "category": ["tier", "custom_fields.cf_tier"],
        "numeric": ["affected_users"],
        "from_extra": ["description", "custom_fields.cf_tier"],
    }
