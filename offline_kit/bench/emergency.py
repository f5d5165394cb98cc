"""`camille bench emergency`: how long one emergency check holds the event loop on a long caller transcript.

A caller's partial transcript grows word by word and the supervisor reads it on the event loop. Before, every
partial was read whole (`detect(text)`); now a partial is read at most once per `min_interval_s` and only its last
words (`check(text, last_words=PARTIAL_WORDS)`), and the final transcript is read whole, passage by passage, in a
worker thread when it is long. The three reads are timed in the same run, on the same ordinary transcript of `words`
words (no emergency in it: every layer reads to the end), interleaved round by round so that the machine's noise
falls on each alike. Then the longest stall of an event loop ticking every millisecond is measured while the final
is read on the loop, as before, and in a worker thread, as now.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from offline_kit.stats import percentile

# Ordinary booking-call turns, repeated to the length wanted: no rule fires and the model reads every window.
_TURNS = (
    "Bonjour, je voudrais prendre un rendez-vous avec le docteur pour mon fils la semaine prochaine.",
    "Il a un peu de toux depuis quelques jours mais il mange bien et il joue normalement.",
    "Le mardi matin serait parfait, sinon le jeudi en fin d'après-midi après l'école.",
    "Est-ce que je dois apporter son carnet de santé et la carte vitale, ou seulement l'ordonnance ?",
    "Mon mari pourrait l'accompagner si je travaille, il faut juste qu'il soit rentré avant midi.",
)


def transcript(words: int) -> str:
    """An ordinary transcript of exactly `words` words."""
    pool = " ".join(_TURNS).split()
    return " ".join(pool[i % len(pool)] for i in range(words))


def run(words: int = 1000, rounds: int = 200, min_interval_s: float = 0.1) -> dict[str, Any]:
    from voice_worker.emergency import EmergencyWatch, check, detect
    from voice_worker.emergency import model as learned
    from voice_worker.emergency.watch import PARTIAL_WORDS

    model = learned.load()
    text = transcript(words)
    timings: dict[str, list[float]] = {"whole_before": [], "partial_now": [], "final_now": []}
    checks = {
        "whole_before": lambda: detect(text, model),
        "partial_now": lambda: check(text, model, last_words=PARTIAL_WORDS),
        "final_now": lambda: check(text, model),
    }
    for check_once in checks.values():  # warm caches (regex, numpy) before timing
        check_once()
    for _ in range(rounds):
        for name, check_once in checks.items():
            started = time.perf_counter()
            check_once()
            timings[name].append((time.perf_counter() - started) * 1000)

    # A caller speaking for a minute: a partial every 20 ms, the transcript growing to `words` words.
    watch = EmergencyWatch(model=model, min_interval_s=min_interval_s, clock=_Clock(0.02))
    partials = 3000
    every = max(words // partials, 1)
    for i in range(partials):
        watch.observe(" ".join(text.split()[: (i + 1) * every]) or text, final=False)

    final = lambda: check(text, model)  # noqa: E731
    stalls: dict[str, list[float]] = {"on_loop": [], "in_thread": []}
    for _ in range(max(rounds // 20, 3)):
        stalls["on_loop"].append(asyncio.run(_longest_stall(final, in_thread=False)))
        stalls["in_thread"].append(asyncio.run(_longest_stall(final, in_thread=True)))

    def figures(name: str) -> dict[str, float | None]:
        values = timings[name]
        return {"p50_ms": _round(percentile(values, 50)), "p99_ms": _round(percentile(values, 99))}

    before, partial = figures("whole_before"), figures("partial_now")
    return {
        "words": words,
        "rounds": rounds,
        "whole_transcript_before": before,
        "partial_check_now": partial,
        "final_check_now": figures("final_now"),
        "final_longest_loop_stall_ms": {
            where: {"p50": _round(percentile(values, 50)), "max": _round(max(values))}
            for where, values in stalls.items()
        },
        "partial_over_before_p50": _ratio(partial["p50_ms"], before["p50_ms"]),
        "partial_over_before_p99": _ratio(partial["p99_ms"], before["p99_ms"]),
        "partials_sent_every_20ms": partials,
        "partials_read_with_throttle": watch.checks,
    }


async def _longest_stall(read: Callable[[], object], *, in_thread: bool) -> float:
    """The longest gap, in ms, between ticks of a 1 ms ticker while `read` runs on the loop or in a thread."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append((now - last) * 1000)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    if in_thread:
        await asyncio.to_thread(read)
    else:
        read()
    await asyncio.sleep(0.005)
    done.set()
    await ticker
    return max(gaps)


class _Clock:
    """A clock that moves `step_s` each time it is read: partials arrive at a steady pace, whatever the machine."""

    def __init__(self, step_s: float) -> None:
        self._now, self._step_s = 0.0, step_s

    def __call__(self) -> float:
        self._now += self._step_s
        return self._now


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else round(part / whole, 3)
