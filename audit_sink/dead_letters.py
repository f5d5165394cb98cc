"""Inspect and requeue dead-lettered audit messages once the cause is fixed (nothing is lost, nothing blocks)."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from audit_sink.sink import HEADER_ERROR, HEADER_ORIGINAL_SEQ, HEADER_ORIGINAL_SUBJECT
from audit_sink.stream import DEAD_LETTER_STREAM
from contracts.subjects import HEADER_MSG_ID, HEADER_SIGNATURE


@dataclass(frozen=True)
class DeadLetter:
    """What an operator may see of a poison message: where it came from and why it failed, never its content."""

    seq: int
    original_subject: str
    original_seq: str
    error: str
    size: int


async def dead_letters(js: JetStreamContext, limit: int = 1000) -> list[DeadLetter]:
    info = await js.stream_info(DEAD_LETTER_STREAM)
    found: list[DeadLetter] = []
    seq = info.state.first_seq
    while seq <= info.state.last_seq and len(found) < limit:
        try:
            msg = await js.get_msg(DEAD_LETTER_STREAM, seq)
        except NotFoundError:
            seq += 1
            continue
        headers = msg.headers or {}
        found.append(
            DeadLetter(
                seq=seq,
                original_subject=headers.get(HEADER_ORIGINAL_SUBJECT, ""),
                original_seq=headers.get(HEADER_ORIGINAL_SEQ, ""),
                error=headers.get(HEADER_ERROR, ""),
                size=len(msg.data or b""),
            )
        )
        seq += 1
    return found


async def requeue(js: JetStreamContext, letter: DeadLetter) -> None:
    """Publish the message back to its audit subject (a fresh message id), then remove it from the dead letters."""
    msg = await js.get_msg(DEAD_LETTER_STREAM, letter.seq)
    headers = {HEADER_MSG_ID: f"requeued:{DEAD_LETTER_STREAM}:{letter.seq}"}
    if signature := (msg.headers or {}).get(HEADER_SIGNATURE):  # checked again by the sink, as the first time
        headers[HEADER_SIGNATURE] = signature
    await js.publish(letter.original_subject, msg.data or b"", headers=headers)
    await js.delete_msg(DEAD_LETTER_STREAM, letter.seq)
