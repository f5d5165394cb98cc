"""When the call acts on the detector: a final transcript's hit at once, a partial hit only once it has held."""

from __future__ import annotations

from contracts.emergency import EmergencyCategory
from voice_worker.emergency import EmergencyWatch

PAST = "j'ai fait un AVC il y a trois ans et je voudrais un rendez-vous de contrôle avec le docteur"
PRESENT = "mon mari a le visage paralysé d'un côté et il n'arrive plus à parler depuis dix minutes, venez vite"


def partials(sentence: str) -> list[str]:
    words = sentence.split()
    return [" ".join(words[:i]) for i in range(1, len(words) + 1)]


def test_a_final_hit_acts_at_once() -> None:
    """A final transcript that describes an emergency is acted on immediately."""
    match = EmergencyWatch().observe("il ne respire plus", final=True).match
    assert match is not None and match.category is EmergencyCategory.NOT_BREATHING


def test_past_history_said_after_the_event_never_acts() -> None:
    """A history told word by word ('un AVC ... il y a trois ans') never acts, neither on partials nor at the end."""
    watch = EmergencyWatch(min_interval_s=0)
    *growing, whole = partials(PAST)
    assert [p for p in growing if watch.observe(p, final=False).match] == []
    assert watch.observe(whole, final=True).match is None


def test_a_partial_hit_acts_once_it_has_held() -> None:
    """A present emergency in a long utterance acts on a partial transcript before the caller has finished."""
    watch = EmergencyWatch(confirm_words=4, min_interval_s=0)
    acted = [p for p in partials(PRESENT) if watch.observe(p, final=False).match]
    assert acted and len(acted[0].split()) < len(PRESENT.split())


def test_a_hit_that_disappears_starts_over() -> None:
    """When a later partial no longer detects, the hold starts again from the next hit."""
    watch = EmergencyWatch(confirm_words=2, min_interval_s=0)
    assert watch.observe("il ne respire plus", final=False).match is None
    assert watch.observe("bonjour", final=False).match is None
    assert watch.observe("il ne respire plus", final=False).match is None
    assert watch.observe("il ne respire plus du tout", final=False).match is not None
