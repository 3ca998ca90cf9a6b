"""`Accept-Encoding` read by RFC 9110's rules: q=0 refuses a coding, `*` stands for the rest."""

from __future__ import annotations

import pytest

from serving.compression import accepts_gzip


@pytest.mark.parametrize(
    "header",
    [
        "gzip",
        "GZIP",
        "gzip, deflate, br",
        "br;q=1.0, gzip;q=0.8, *;q=0.1",
        "identity, gzip;q=0.5",
        "gzip ; q=0.001",
        "x-gzip",
        "*",
        "br, *;q=0.2",
        "deflate, gzip;q=0, gzip;q=1",  # a repeated coding: its best weight
    ],
)
def test_headers_that_accept_gzip(header: str) -> None:
    assert accepts_gzip(header)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "identity",
        "gzip;q=0",
        "gzip; q=0.000",
        "GZIP;Q=0",
        "identity, gzip;q=0",
        "*;q=0",
        "identity;q=1, *;q=0",
        "gzip;q=0, *",  # gzip's own entry wins over *
        "br, deflate",
        "gzipped",  # not gzip: Litestar's substring test took it for gzip
        "gzip;q=abc",  # a weight that is not a qvalue: refused, never guessed
        "gzip;q=1.5",
        "gzip;q=-1",
    ],
)
def test_headers_that_refuse_gzip(header: str) -> None:
    assert not accepts_gzip(header)
