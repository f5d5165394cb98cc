"""The webhook answer's body: decoded under the size limit, so a compressed answer cannot inflate past it."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from tool_runner.http import AnswerTooLarge, BoundedBody, UndecodableAnswer, decoded

LIMIT = 256 * 1024
ANSWER = b'{"tool": "book_appointment", "appointment_id": "apt-1"}'


def gzip_bomb(inflated_bytes: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A gzip stream of `inflated_bytes` zeros, compressed piece by piece (a few hundred kB on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(chunk)
    for _ in range(inflated_bytes // chunk):
        if out := compressor.compress(zeros):
            yield out
    yield compressor.flush()


def feed_in_pieces(body: BoundedBody, wire: bytes, piece: int = 64 * 1024) -> None:
    for start in range(0, len(wire), piece):
        body.feed(wire[start : start + piece])


@pytest.mark.parametrize(
    ("coding", "wire"),
    [
        (None, ANSWER),
        ("identity", ANSWER),
        ("gzip", gzip.compress(ANSWER)),
        ("x-gzip", gzip.compress(ANSWER)),
        ("deflate", zlib.compress(ANSWER)),
        ("deflate", zlib.compress(ANSWER, wbits=-zlib.MAX_WBITS)),
        ("gzip", gzip.compress(ANSWER[:20]) + gzip.compress(ANSWER[20:])),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "deflate-zlib", "deflate-raw", "gzip-two-members"],
)
def test_compressed_answers_are_decoded(coding: str | None, wire: bytes) -> None:
    """Identity, gzip (one or several members) and deflate (zlib-wrapped or raw) all give back the same body."""
    body = BoundedBody(coding, LIMIT)
    for byte in range(0, len(wire), 7):  # in small pieces, as a slow network delivers them
        body.feed(wire[byte : byte + 7])
    assert body.finish() == ANSWER
    assert decoded(wire, coding, LIMIT) == ANSWER


def test_a_gzip_bomb_is_refused_before_it_inflates() -> None:
    """64 MiB of zeros in about 64 kB of gzip is refused, and decoding never holds much more than the limit."""
    wire = b"".join(gzip_bomb(64 << 20))
    assert len(wire) < LIMIT  # small on the wire: only the decoded size can catch it
    body = BoundedBody("gzip", LIMIT)
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge):
            feed_in_pieces(body, wire)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * LIMIT, peak  # against 64 MiB had it been inflated first


def test_an_answer_exactly_at_the_limit_is_accepted() -> None:
    """The limit is inclusive: a body of exactly the limit decodes, one byte more is refused."""
    assert len(decoded(gzip.compress(bytes(LIMIT)), "gzip", LIMIT)) == LIMIT
    with pytest.raises(AnswerTooLarge):
        decoded(gzip.compress(bytes(LIMIT + 1)), "gzip", LIMIT)
    with pytest.raises(AnswerTooLarge):
        decoded(bytes(LIMIT + 1), None, LIMIT)


@pytest.mark.parametrize(
    ("coding", "wire"),
    [
        ("br", b"\x0b\x02\x80hello\x03"),
        ("gzip, gzip", gzip.compress(gzip.compress(ANSWER))),
        ("gzip", gzip.compress(ANSWER)[:-6]),
        ("gzip", b"not gzip at all"),
        ("deflate", zlib.compress(ANSWER) + b"trailing"),
    ],
    ids=["unasked-coding", "stacked-codings", "cut-short", "corrupt", "trailing-data"],
)
def test_unreadable_compressed_answers_are_typed_errors(coding: str, wire: bytes) -> None:
    """A coding we did not ask for, stacked codings, a cut or corrupt stream: UndecodableAnswer, never a body."""
    with pytest.raises(UndecodableAnswer):
        decoded(wire, coding, LIMIT)
