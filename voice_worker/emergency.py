"""Deterministic French red-flag detector, run on every partial and final transcript outside the model.

`detect` says whether what the caller just said describes an emergency happening now, and which one. The rules
(`voice_worker.emergency_rules`) see `normalize(text)`; shared guards cancel a match that is denied ("pas de
douleur"), mild ("un peu mal"), past ("l'an dernier j'ai fait un AVC"), imagined ("si un jour...") or part of a
follow-up request ("c'est pour mon suivi"). When no rule fires, a learned classifier (`voice_worker.emergency_model`)
may still report one, as rule "model", unless the same guards cancel its sentence. The text is health data: nothing
here logs it or puts it in an error.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from voice_worker import emergency_model
from voice_worker import emergency_rules as rules

__all__ = ["EmergencyCategory", "EmergencyMatch", "EmergencyWatch", "detect", "normalize"]


class EmergencyCategory(StrEnum):
    """What kind of emergency the caller describes."""

    CHEST_PAIN = "chest_pain"
    NOT_BREATHING = "not_breathing"
    UNCONSCIOUS = "unconscious"
    STROKE = "stroke"
    HEAVY_BLEEDING = "heavy_bleeding"
    SEIZURE = "seizure"
    ANAPHYLAXIS = "anaphylaxis"
    POISONING_OVERDOSE = "poisoning_overdose"
    SUICIDAL = "suicidal"
    OBSTETRIC_BLEEDING = "obstetric_bleeding"
    CHILD_DISTRESS = "child_distress"


@dataclass(frozen=True, slots=True)
class EmergencyMatch:
    """The category detected and the name of the rule that fired (never the text)."""

    category: EmergencyCategory
    rule: str


# --- normalize -----------------------------------------------------------------------------------------------
_CHARS = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "œ": "oe", "æ": "ae", "ß": "ss"})
_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_DECIMAL = re.compile(r"(\d)[.,](\d)")
_SENTENCE_END = re.compile(r"[.!?;]+")
_NOT_WORD = re.compile(r"[^a-z0-9.]+")
_FILLER = re.compile(
    r"e+u+h+|e+u{2,}|h+e+u+h*|h+u+m+|h+m+|m+h+m*|b+e+n+|b+a+h+|b+e+h+|genre|enfin|voila|quoi|hein|bref"
)
_FILLER_PHRASE = re.compile(r"\b(?:en fait|du coup|tu vois|vous voyez|tu sais|vous savez|comment dire)\b ?")
# Spoken contractions a transcriber glues together ("jai", "sest", "chuis") and common texting shorthand.
_GLUED = {
    "jai": "j ai", "javais": "j avais", "jetais": "j etais", "jarrive": "j arrive", "jarrete": "j arrete",
    "jen": "j en", "jy": "j y", "jme": "je me", "jte": "je te", "jsuis": "je suis", "jsui": "je suis",
    "chuis": "je suis", "chui": "je suis", "jcrois": "je crois", "jpense": "je pense", "jsais": "je sais",
    "chais": "je sais", "jpeux": "je peux", "jveux": "je veux", "jvais": "je vais", "jsp": "je sais pas",
    "cest": "c est", "cetait": "c etait", "sest": "s est", "setait": "s etait", "nest": "n est", "na": "n a",
    "nai": "n ai", "narrive": "n arrive", "narrivent": "n arrivent", "ya": "il y a", "yen": "il y en",
    "quil": "qu il", "quelle": "qu elle", "setouffe": "s etouffe", "sevanouit": "s evanouit", "ptit": "petit",
    "ptite": "petite", "bb": "bebe", "mtn": "maintenant", "rdv": "rendez vous", "svp": "s il vous plait",
    "stp": "s il te plait", "pcq": "parce que", "pck": "parce que", "tjs": "toujours", "dla": "de la",
}  # fmt: skip


# Misspellings a transcriber or a hurried typist produces for the words the rules need most.
_MISSPELT = {
    "plu": "plus", "envi": "envie", "bocoup": "beaucoup", "boucoup": "beaucoup", "bcp": "beaucoup",
    "convulce": "convulse", "convulcent": "convulsent", "convultion": "convulsion", "convultions": "convulsions",
    "emoragie": "hemorragie", "hemoragie": "hemorragie", "emorragie": "hemorragie",
    "hemmoragie": "hemorragie", "poitrinne": "poitrine", "poitrin": "poitrine", "toracique": "thoracique",
    "epilepcie": "epilepsie", "epilepsi": "epilepsie", "epileptik": "epileptique", "anafilactique": "anaphylactique",
    "anaphilactique": "anaphylactique", "anafylactique": "anaphylactique", "quinke": "quincke", "quinck": "quincke",
    "conaissance": "connaissance", "conaisance": "connaissance", "connaisance": "connaissance",
    "etoufe": "etouffe", "etoufer": "etouffer", "etoufement": "etouffement", "inconsient": "inconscient",
    "inconcient": "inconscient", "inconsiente": "inconsciente", "inconciente": "inconsciente", "respir": "respire",
    "sucide": "suicide", "suicid": "suicide", "anaphylaxi": "anaphylaxie", "allergik": "allergique",
    "ambulanse": "ambulance", "medicamant": "medicament", "medicamants": "medicaments", "saignne": "saigne",
}  # fmt: skip
# After "il arrive plus à", "je vais me", a first-group verb is an infinitive even when written "respiré" or "tué".
_INFINITIVE_SLOT = re.compile(
    r"\b((?:arrive|arrivent|arrivait|peut|peux|pouvait|sait|sais|vais|va|veux|veut|voulait|envie de|essaie de"
    r"|essaye de|faut) (?:(?:plus|pas|plus du tout) )?(?:a |d |de )?(?:me |se |te |m |s |t )?)"
    r"(respir|parl|aval|tu|suicid|boug|lev|march|articul|jet|coup|noy|supprim|flingu|reveill|arret|pend)"
    r"(?:e|ee|es|ees|ez|ai)\b"
)

_PU_AFTER = frozenset(
    {"ai", "a", "as", "avons", "avez", "ont", "avait", "avais", "aurait", "aurais", "pas", "plus", "jamais", "eu"}
)


# An elided article or pronoun a transcriber glued to the next word ("lair", "dadieu", "sarrete"): split it when
# the rest is a word the rules know and the whole is not. Real words that would split are kept.
_ELIDED = re.compile(r"(qu|[cdjlmnst])([aeiouyh][a-z]{3,}|air|eau|une)")
_KEEP_WHOLE = frozenset(
    {"dont", "sont", "taux", "lait", "mont", "savait", "savais", "lavait", "sein", "lune", "mais", "sais", "selles",
     "selle", "dents", "seule", "seules", "sauf", "lever", "leve", "levee", "levres", "tenu", "tenue", "meme"}
)  # fmt: skip


def _rule_vocabulary() -> tuple[frozenset[str], re.Pattern[str]]:
    """The literal words and the word stems ("etouff" in "etouff\\w*") that the rule patterns spell out."""
    guards = [rules.PAST, rules.AFTER_EVENT, rules.PRESENT, rules.RECURRENCE, rules.FOLLOW_UP, rules.HYPOTHETICAL]
    sources = [rule.pattern for table in rules.RULES.values() for rule in table] + guards
    words = {w for source in sources for w in re.findall(r"[a-z]{3,}", source)}
    stems = {w for source in sources for w in re.findall(r"([a-z]{5,})\\w", source)}
    return frozenset(words), re.compile("|".join(sorted(stems, key=len, reverse=True)) or "(?!)")


_VOCABULARY, _STEMS = _rule_vocabulary()


def _known(word: str) -> bool:
    return word in _VOCABULARY or word + "s" in _VOCABULARY or _STEMS.match(word) is not None


def _unglue(word: str, previous: str) -> str:
    """Split "jsaigne" into "je saigne" and "lair" into "l air"; read the spoken "pu" as "plus" unless "j'ai pu"."""
    if len(word) > 2 and word[0] == "j" and word[1] in "bcdfghklmnpqrstvwxz":
        return "je " + word[1:]
    if word == "pu" and previous not in _PU_AFTER:
        return "plus"
    elided = _ELIDED.fullmatch(word)
    if elided and word not in _KEEP_WHOLE and not _known(word) and _known(elided[2]):
        return f"{elided[1]} {elided[2]}"
    return word


def normalize(text: str) -> str:
    """Return the canonical form the rules see: lowercase ASCII words, no fillers, " . " between sentences."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_CHARS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    text = _SENTENCE_END.sub(" . ", _DECIMAL.sub(r"\1 \2", text))
    words: list[str] = []
    for word in _NOT_WORD.sub(" ", text).replace(".", " . ").split():
        if _FILLER.fullmatch(word):
            continue
        word = _GLUED.get(word) or _MISSPELT.get(word) or _unglue(word, words[-1] if words else "")
        for part in word.split():
            if not words or part != words[-1]:
                words.append(part)
    text = _INFINITIVE_SLOT.sub(r"\1\2er", _FILLER_PHRASE.sub("", " ".join(words)))
    return text.strip(" .")


# --- detect --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _CompiledRule:
    category: EmergencyCategory
    rule: rules.Rule
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


_RULES = tuple(
    _CompiledRule(
        EmergencyCategory(category), rule, re.compile(rule.pattern), re.compile(rule.unless) if rule.unless else None
    )
    for category, table in rules.RULES.items()
    for rule in table
)
if {r.category for r in _RULES} != set(EmergencyCategory):
    raise RuntimeError("emergency_rules.RULES must cover every EmergencyCategory")

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


def detect(text: str) -> EmergencyMatch | None:
    """Return the first emergency that `text` describes as happening now, or None.

    The rules speak first, unless the learned model (`voice_worker.emergency_model`), reading the same sentences,
    is all but certain that nothing urgent is said (below `VETO`: a past or handled episode, a figure of speech).
    When no rule fires, the model may still name one, as `EmergencyMatch(category, rule="model")`.
    """
    return assess(normalize(text), emergency_model.load()).decide()


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules and the model say about one normalized transcript, before any threshold."""

    rule: EmergencyMatch | None
    # The model's highest emergency probability over the windows (None: no window long enough to read), and the
    # highest over the windows no guard cancels, with its category.
    model_max: float | None
    guarded_max: float
    guarded_category: EmergencyCategory | None

    def decide(
        self, threshold: float = emergency_model.THRESHOLD, veto: float = emergency_model.VETO
    ) -> EmergencyMatch | None:
        if self.rule is not None:
            vetoed = self.model_max is not None and self.model_max < veto
            return None if vetoed else self.rule
        if self.guarded_category is not None and self.guarded_max > threshold:
            return EmergencyMatch(self.guarded_category, MODEL_RULE)
        return None


def assess(norm: str, model: emergency_model.Model) -> Assessment:
    """Run the rules and score every window of `norm` with `model`."""
    return Assessment(rule_match(norm), *_scores(norm, model))


def _scores(norm: str, model: emergency_model.Model) -> tuple[float | None, float, EmergencyCategory | None]:
    """The model's fields of an `Assessment`: its highest score, and its highest that no guard cancels."""
    model_max: float | None = None
    guarded_max, guarded_category = 0.0, None
    for window in windows(norm):
        prediction = model.predict(window)
        model_max = max(model_max or 0.0, prediction.probability)
        if prediction.probability > guarded_max and not model_cancelled(window):
            guarded_max, guarded_category = prediction.probability, EmergencyCategory(prediction.category)
    return model_max, guarded_max, guarded_category


def rule_match(norm: str) -> EmergencyMatch | None:
    """The first rule match in `norm` that no guard cancels."""
    for compiled in _RULES:
        for match in compiled.pattern.finditer(norm):
            if not _cancelled(compiled, norm, match.start(), match.end()):
                return EmergencyMatch(compiled.category, compiled.rule.name)
    return None


# --- the learned layer ---------------------------------------------------------------------------------------
MODEL_RULE = "model"
# A model hit has no span, so the guards read its whole window as the text before an imagined match at its end:
# a state (an earlier "il y a deux ans ... et là" does not date it) that follow-up words can cancel.
_MODEL_GUARD_RULE = rules.Rule(MODEL_RULE, "", state=True)
# "J'ai mal au cœur" is how French says nausea; a chest pain is said otherwise, and the rules know those words.
_NAUSEA = re.compile(r"\bmal au coeur\b")
# A symptom denied by name ("pas de douleur", "aucune fièvre", "il ne saigne plus"); "aucun son", "pas d'air" and
# "arrête pas de saigner" are the emergency itself and stay.
_SYMPTOM_DENIED = re.compile(
    r"\b(?:(?:pas|plus|aucune?|sans|ni) (?:de |d |du |des )?(?:douleurs?|gene|symptomes?|fievre|saignements?|sang"
    r"|convulsions?|crises?|malaises?|problemes?|soucis?)|ne (?:s |se |m |me )?(?:etouff|saign|convuls|vomi)\w*"
    r" (?:pas|plus))\b"
)
# Words per window the model reads; a run-on transcript is read in overlapping windows. Shorter windows (12 words)
# caught an emergency drowned in chatter but cost more in false alarms than they gained in recall.
_WINDOW = 24
_STRIDE = 12
# The model needs evidence: on a few words ("Oui,", "mon mari", "Bonjour, je") its bias alone can cross the threshold,
# and every growing partial transcript starts that short. The rules catch short emergencies.
MODEL_MIN_WORDS = 5


def model_match(norm: str, threshold: float | None = None) -> EmergencyMatch | None:
    """The model's category for the best window of `norm` above `threshold` that no guard cancels (no rules)."""
    limit = emergency_model.THRESHOLD if threshold is None else threshold
    return Assessment(None, *_scores(norm, emergency_model.load())).decide(limit)


def windows(norm: str) -> list[str]:
    """The sentences of `norm`, long ones cut into overlapping windows of `_WINDOW` words.

    Sentences are never joined: "Non, ce sera tout. Au revoir." read as one window looks like a farewell note.
    """
    found: list[str] = []
    for sentence in norm.split(" . "):
        words = sentence.split()
        starts = [*range(0, max(len(words) - _WINDOW, 0) + 1, _STRIDE)]
        if starts[-1] < len(words) - _WINDOW:
            starts.append(len(words) - _WINDOW)
        found.extend(" ".join(words[start : start + _WINDOW]) for start in starts)
    return [window for window in found if len(window.split()) >= MODEL_MIN_WORDS]


def model_cancelled(window: str) -> bool:
    """Whether the window imagines the emergency, dates it in the past or a follow-up, denies it, or is nausea.

    The rules' other guards (softeners, negations in general, their benign contexts) are not applied to a
    model hit: the model has learned those contexts from its hard negatives, and on the held-out sets (see
    `emergency_model.held_out`) they cancelled more real emergencies than false alarms ("aucun son ne sort", "il
    réagit à rien", "je parle mal depuis ce matin au réveil").
    """
    return bool(
        _imagined(window, "")
        or _past(_MODEL_GUARD_RULE, window, window, "")
        or _SYMPTOM_DENIED.search(window)
        or _NAUSEA.search(window)
    )


def _cancelled(compiled: _CompiledRule, norm: str, start: int, end: int) -> bool:
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


class EmergencyWatch:
    """When to act on what the caller is saying: a final transcript's hit at once; a partial one once it has held.

    Partial transcripts grow word by word, and a marker that cancels a hit often comes after it ("j'ai fait un AVC
    ... l'année dernière"). So a hit in a partial transcript acts only after it has held for `confirm_words` more
    words, and otherwise waits for the final transcript, which realtime transcription delivers moments later.
    """

    def __init__(self, confirm_words: int = 8) -> None:
        self._confirm_words = confirm_words
        self._held_since: int | None = None

    def observe(self, text: str, *, final: bool) -> EmergencyMatch | None:
        match = detect(text)
        words = len(text.split())
        if match is None or final:
            self._held_since = None
            return match
        if self._held_since is None or words < self._held_since:
            self._held_since = words
        return match if words - self._held_since >= self._confirm_words else None
