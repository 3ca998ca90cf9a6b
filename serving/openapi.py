"""What the OpenAPI schema says beyond the handlers' types: error answers and bearer keys.

Every 4xx/5xx body is an `ErrorOut` (see `serving.errors`); each route lists the statuses it
can answer with, so generated clients and Swagger UI know them, and the schema carries the
bearer scheme with the scope each route needs.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from litestar import Router
from litestar.enums import ParamType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.static_files import create_static_files_router

from serving.idempotency import MAX_KEY_CHARS, REPLAYED_HEADER, UNCONFIRMED_HEADER
from serving.schemas import ErrorOut
from serving.settings import IdempotencySettings

BEARER = "bearer"
SWAGGER_ASSETS = "/docs/static"
SWAGGER_PACKAGE = "swagger-ui-py"
_WHY: Mapping[int, str] = {
    400: "Malformed or too deeply nested JSON, an empty body, a body not in UTF-8, or a "
    "malformed idempotency key (POST /v1/predict/batch refuses the header).",
    401: "Missing or unknown API key (send `Authorization: Bearer <key>`).",
    403: "The key lacks this route's scope.",
    404: "No such prediction.",
    409: "Already reviewed with another verdict (`force` replaces it), or rules rejected.",
    413: "Larger than a limit (TP_MAX_* settings); `field` names what.",
    415: "A compressed, form, multipart or other non-JSON body.",
    422: "An invalid value; `field` names it (also an idempotency key reused with another ticket).",
    500: "A bug; the X-Request-ID header finds it in the log.",
    503: "Not available now (no model loaded, or the review store unreachable).",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The `responses=` of a route answering with these error statuses (and 500)."""
    return {
        status: ResponseSpec(
            data_container=ErrorOut, description=_WHY[status], generate_examples=False
        )
        for status in (*statuses, 500)
    }


def bearer(*scopes: str) -> list[SecurityRequirement]:
    """The `security=` of a route needing a key with these scopes."""
    return [{BEARER: list(scopes)}]


def components(idempotency: IdempotencySettings | None = None) -> Components:
    """The bearer scheme and the idempotency headers for `OpenAPIConfig(components=...)`:
    the key's header under the name the service reads (`TP_IDEMPOTENCY_HEADER`)."""
    return Components(
        parameters={IDEMPOTENCY_KEY: _key_parameter(idempotency or IdempotencySettings())},
        headers={
            REPLAYED_HEADER: OpenAPIHeader(
                description="`true` when this is the stored first answer to an earlier "
                "request with the same idempotency key.",
                schema=Schema(type=OpenAPIType.STRING, enum=["true"]),
            ),
            UNCONFIRMED_HEADER: OpenAPIHeader(
                description="`true` when the review store could not take the idempotency key "
                "(it is down): the answer is queued for the store, but a retry may be "
                "answered anew with another prediction_id, and this one's may never be "
                "stored if another answer for the key reaches the store first.",
                schema=Schema(type=OpenAPIType.STRING, enum=["true"]),
            ),
        },
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                description=(
                    "An API key from `ticket-priority new-key`, configured in TP_API_KEYS; "
                    "each route lists the scope it needs (predict, review, admin)."
                ),
            )
        },
    )


def _is_error_out(response: OpenAPIResponse | Reference) -> bool:
    content = response.content if isinstance(response, OpenAPIResponse) else None
    media = (content or {}).get("application/json")
    schema = media.schema if media is not None else None
    # Named "serving_schemas_ErrorOut" while the schema is built, "ErrorOut" once it is done.
    return isinstance(schema, Reference) and schema.ref.endswith("ErrorOut")


@dataclass
class QueryOperation(Operation):
    """Drops Litestar's default 400 for routes with query parameters: its body shape
    (`status_code`, `detail`, `extra`) is never sent; a bad parameter is a 422 `ErrorOut`."""

    def __post_init__(self) -> None:
        default = (self.responses or {}).get("400")
        if self.responses is not None and default is not None and not _is_error_out(default):
            del self.responses["400"]


@dataclass
class ExportOperation(QueryOperation):
    """Documents the review export's 200 as the CSV or JSON-lines file it streams."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.responses is None:
            return
        text = Schema(type=OpenAPIType.STRING)
        self.responses["200"] = OpenAPIResponse(
            description="`format=csv` (default): CSV with a header row; `format=jsonl`: one "
            "JSON object per line. Sent as an attachment (reviews.csv / reviews.jsonl).",
            content={
                "text/csv": OpenAPIMediaType(schema=text),
                "application/x-ndjson": OpenAPIMediaType(schema=text),
            },
        )


class SwaggerAssetsMissing(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """The installed swagger-ui-py has no Swagger UI files where they are expected."""


def swagger_ui_dir() -> Path:
    """The Swagger UI files (swagger-ui-bundle.js, ...) of the installed `swagger-ui-py`.

    Found without importing the package: its `__init__` loads jinja2 and urllib, which a
    worker does not need.
    """
    spec = importlib.util.find_spec("swagger_ui")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "static"
        if (folder / "swagger-ui-bundle.js").is_file():
            return folder
    raise SwaggerAssetsMissing(
        f"no swagger_ui/static/swagger-ui-bundle.js in {locations or 'any installed package'}; "
        f"reinstall the service's dependencies (pip install {SWAGGER_PACKAGE})"
    )


def swagger_assets() -> Router:
    """Serves the Swagger UI files under SWAGGER_ASSETS, so /docs works without internet."""
    return create_static_files_router(
        path=SWAGGER_ASSETS, directories=[swagger_ui_dir()], include_in_schema=False
    )


def swagger_plugin() -> SwaggerRenderPlugin:
    """Swagger UI at /schema/swagger, its scripts, style sheet and icon from SWAGGER_ASSETS."""
    return SwaggerRenderPlugin(
        js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
    )


IDEMPOTENCY_KEY = "IdempotencyKey"  # the header parameter's name under components


def _key_parameter(idempotency: IdempotencySettings) -> Parameter:
    ignored = "" if idempotency.enabled else " Ignored: TP_IDEMPOTENCY_HOURS is 0."
    return Parameter(
        name=idempotency.header,
        param_in=ParamType.HEADER,
        required=False,
        description=(
            "A unique key per ticket event, the same on every retry "
            "(draft-ietf-httpapi-idempotency-key-header; a quoted string or the bare "
            f"value, 1 to {MAX_KEY_CHARS} printable ASCII characters). A repeat from the "
            f"same API key within {idempotency.hours:g} hours (TP_IDEMPOTENCY_HOURS) gets "
            "the first answer and stores nothing new; the same key with another ticket is a "
            "422. The header's name is set by TP_IDEMPOTENCY_HEADER." + ignored
        ),
        schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_KEY_CHARS),
    )


@dataclass
class IdempotentOperation(Operation):
    """Documents POST /v1/predict's idempotency key request header (named in the app's
    components, which know the configured name) and the headers of its 200."""

    def __post_init__(self) -> None:
        key = Reference(ref=f"#/components/parameters/{IDEMPOTENCY_KEY}")
        self.parameters = [*(self.parameters or []), key]
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.headers = {
                **(ok.headers or {}),
                REPLAYED_HEADER: Reference(ref=f"#/components/headers/{REPLAYED_HEADER}"),
                UNCONFIRMED_HEADER: Reference(ref=f"#/components/headers/{UNCONFIRMED_HEADER}"),
            }
