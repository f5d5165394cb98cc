"""The shared guards: a match is cancelled when the caller denies it, softens it, imagines it, dates it in the past
or asks about a follow-up.

A rule hit is checked against its sentence (`cancelled`); a model hit, which has no span, against its whole window
(`model_cancelled`).
"""

import re

from voice_worker.emergency import rules

__all__ = ["cancelled", "model_cancelled"]

_PAST = re.compile(rules.PAST)
_AFTER_EVENT = re.compile(rules.AFTER_EVENT)
_PRESENT = re.compile(rules.PRESENT)
_IMMEDIATE = re.compile(rules.IMMEDIATE)
_RECURRENCE = re.compile(rules.RECURRENCE)
_FOLLOW_UP = re.compile(rules.FOLLOW_UP)
_HYPOTHETICAL = re.compile(rules.HYPOTHETICAL)
_NEGATION = re.compile(rules.NEGATION)
_SOFTENER = re.compile(rules.SOFTENER)
_CLAUSE_START = re.compile(rules.CLAUSE_START)
_NEGATED_VERB_BEFORE = re.compile(rules.NEGATED_VERB_BEFORE)
_NEGATED_VERB_AFTER = re.compile(rules.NEGATED_VERB_AFTER)
_CLAUSE_BREAK = re.compile(rules.CLAUSE_BREAK)
_CONTRAST = re.compile(rules.CONTRAST)
_POSSESSIVE = re.compile(rules.POSSESSIVE)
_WINDOW_WORDS = 5  # how far back a negation or a softener reaches
_CONTEXT_CHARS = 300  # guards look this far around a match, which keeps a 10 kB monologue linear
_AFTER_WORDS = 4  # how far after a match a past marker still dates it ("j'ai fait un AVC l'an dernier")

# A model hit has no span, so the guards read its whole window as the text before an imagined match at its end:
# a state (an earlier "il y a deux ans ... et là" does not date it) that follow-up words can cancel.
_MODEL_GUARD_RULE = rules.Rule(rules.MODEL_RULE, "", state=True)
# "J'ai mal au cœur" is how French says nausea; a chest pain is said otherwise, and the rules know those words.
_NAUSEA = re.compile(r"\bmal au coeur\b")
# A symptom denied by name ("pas de douleur", "aucune fièvre", "il ne saigne plus"); "aucun son", "pas d'air" and
# "arrête pas de saigner" are the emergency itself and stay.
_SYMPTOM_DENIED = re.compile(
    r"\b(?:(?:pas|plus|aucune?|sans|ni) (?:de |d |du |des )?(?:douleurs?|gene|symptomes?|fievre|saignements?|sang"
    r"|convulsions?|crises?|malaises?|problemes?|soucis?)|ne (?:s |se |m |me )?(?:etouff|saign|convuls|vomi)\w*"
    r" (?:pas|plus))\b"
)


def model_cancelled(window: str) -> bool:
    """Whether the window imagines the emergency, dates it in the past or a follow-up, denies it, or is nausea.

    The rules' other guards (softeners, negations in general, their benign contexts) are not applied to a model
    hit: the model learns those contexts from its hard negatives, and on the held-out sets
    (`offline_kit.emergency_training held-out`) they cancel more real emergencies than false alarms ("aucun son ne
    sort", "il réagit à rien", "je parle mal depuis ce matin au réveil").
    """
    return bool(
        _imagined(window, "")
        or _past(_MODEL_GUARD_RULE, window, window, "")
        or _SYMPTOM_DENIED.search(window)
        or _NAUSEA.search(window)
    )


def cancelled(compiled: rules.CompiledRule, norm: str, start: int, end: int) -> bool:
    """Whether a shared guard or the rule's own `unless` cancels the match at norm[start:end]."""
    first = norm.rfind(" . ", 0, start) + 1
    if start - first > _CONTEXT_CHARS:
        first = norm.find(" ", start - _CONTEXT_CHARS, start) + 1
    last = norm.find(" . ", end, end + _CONTEXT_CHARS)
    if last < 0:
        last = len(norm) if len(norm) <= end + _CONTEXT_CHARS else norm.rfind(" ", end, end + _CONTEXT_CHARS)
    before, after, sentence = norm[first:start], norm[end:last], norm[first:last]
    rule = compiled.rule
    if compiled.unless is not None and compiled.unless.search(sentence):
        return True
    if rule.negatable and _denied_or_mild(before, norm[start:end], after):
        return True
    if not rule.state and _POSSESSIVE.search(before):
        return True
    return _imagined(before, after) or _past(rule, sentence, before, after)


def _denied_or_mild(before: str, matched: str, after: str) -> bool:
    window = " ".join(before.split()[-_WINDOW_WORDS:])
    clause = _last_clause(window)
    # The negation must sit before the match, but may need the match to be read: "pas mal de douleurs".
    if any(m.start() < len(clause) for m in _NEGATION.finditer(clause + " " + matched)):
        return True
    if _SOFTENER.search(window + " " + matched):
        return True
    return bool(_NEGATED_VERB_BEFORE.search(window) and _NEGATED_VERB_AFTER.search(after))


def _last_clause(window: str) -> str:
    starts = [m.end() for m in _CLAUSE_START.finditer(window)]
    return window[starts[-1] :] if starts else window


def _imagined(before: str, after: str) -> bool:
    """A hypothetical marker earlier in the sentence, with nothing current or contrasting since.

    "Est-ce grave si ça saigne depuis une heure": a duration or "maintenant" after the match makes it real.
    """
    markers = list(_HYPOTHETICAL.finditer(before))
    if not markers:
        return False
    since = before[markers[-1].end() :]
    return not (_PRESENT.search(since) or _CONTRAST.search(since) or _IMMEDIATE.search(after))


def _routine(sentence: str, before: str) -> bool:
    """An administrative request with nothing current, unless "mais" turns from it to the match."""
    requests = list(_FOLLOW_UP.finditer(sentence))
    if not requests or _PRESENT.search(sentence):
        return False
    last = requests[-1]
    return not (last.end() <= len(before) and _CONTRAST.search(before, last.end()))


def _past(rule: rules.Rule, sentence: str, before: str, after: str) -> bool:
    """Whether the sentence dates the match in the past or in a handled follow-up, with nothing current."""
    if _RECURRENCE.search(sentence):
        return False
    if rule.follow_up and _routine(sentence, before):
        return True
    # "après mon accouchement" dates an event, but a state after it is current ("... et je saigne").
    markers = [*_PAST.finditer(before), *([] if rule.state else _AFTER_EVENT.finditer(before))]
    for earlier in markers:
        since = before[earlier.end() :]
        if not (_PRESENT.search(since) or (rule.state and _CLAUSE_BREAK.search(since))):
            return True
    later = _PAST.search(after) or (None if rule.state else _AFTER_EVENT.search(after))
    if later is None:
        return False
    between = after[: later.start()]
    return len(between.split()) <= _AFTER_WORDS and not _PRESENT.search(between) and not _CLAUSE_START.search(between)
