"""Whether a transcript describes an emergency happening now, and which one: the rules and the model together.

The rules (`rules`) see `normalize(text)`; the shared guards (`guards`) cancel a match that is denied ("pas de
douleur"), mild ("un peu mal"), past ("l'an dernier j'ai fait un AVC"), imagined ("si un jour...") or part of a
follow-up request ("c'est pour mon suivi"). When no rule fires, the learned classifier (`model`) may still report
one, as rule "model", unless the same guards cancel its sentence. The text is health data: nothing here logs it or
puts it in an error.

A transcript is read in passages of whole sentences (`passages`), at most `PASSAGE_WORDS` words each, a longer
sentence cut into overlapping pieces: the cost of a check grows with the length of the transcript, never faster, and
a monologue of any length is read to its end. `check` runs the layers apart: when the model raises, the rules still
decide; when a layer raises and nothing was found, the `Verdict` is unknown, never "no emergency".
"""

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.emergency import DetectorLayer, EmergencyCategory
from voice_worker.emergency import model as learned
from voice_worker.emergency.guards import cancelled, model_cancelled
from voice_worker.emergency.normalise import normalize
from voice_worker.emergency.rules import COMPILED, MODEL_RULE

__all__ = [
    "MODEL_MIN_WORDS",
    "PASSAGE_OVERLAP",
    "PASSAGE_WORDS",
    "THRESHOLD",
    "VETO",
    "Assessment",
    "EmergencyMatch",
    "Verdict",
    "assess",
    "check",
    "detect",
    "model_match",
    "passages",
    "rule_match",
    "windows",
]

# P(emergency) above which a window no guard cancels counts as an emergency. It is high because a booking call has
# about ten ordinary turns ("pour moi et mon mari", "non, ce sera tout"): a lower threshold catches a few more
# emergencies but fires on some of those turns. At 0.8, on nine sets neither layer was built from (2,646
# emergencies, 2,290 ordinary lines, 600 of them booking-call turns), the detector catches 0.98 of the emergencies
# and no booking-call turn fires.
THRESHOLD = 0.8
# P(emergency) below which, over every window, the model cancels a rule hit: it is then all but sure the text is
# ordinary (a past or handled episode, a figure of speech). On the same sets this brings false alarms from 0.066 to
# 0.035 for one more missed emergency. `python -m offline_kit.emergency_training held-out` measures both figures.
VETO = 0.002
# Words per window the model reads; a run-on transcript is read in overlapping windows. Shorter windows find an
# emergency drowned in chatter but raise more false alarms than they add catches.
_WINDOW = 24
_STRIDE = 12
# The model needs evidence: on a few words ("Oui,", "mon mari", "Bonjour, je") its bias alone can cross the threshold,
# and every growing partial transcript starts that short. The rules catch short emergencies.
MODEL_MIN_WORDS = 5
# Words per passage of a long transcript, and words two pieces of one over-long sentence share, so that a match and
# the words that qualify it ("pas de", "il y a deux ans") are read together in at least one piece.
PASSAGE_WORDS = 60
PASSAGE_OVERLAP = 20


@dataclass(frozen=True, slots=True)
class EmergencyMatch:
    """The category detected and the name of the rule that fired (never the text)."""

    category: EmergencyCategory
    rule: str


def detect(text: str, model: learned.Model | None = None) -> EmergencyMatch | None:
    """Return the first emergency that `text` describes as happening now, or None; a layer's exception propagates.

    The rules speak first, unless the learned model, reading the same sentences, is all but certain that nothing
    urgent is said (below `VETO`: a past or handled episode, a figure of speech). When no rule fires, the model may
    still name one, as `EmergencyMatch(category, rule="model")`. `check` is the form that never raises.
    """
    return assess(normalize(text), model or learned.load()).decide()


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check of a transcript: the emergency found, and the layers that raised (by name, never the text)."""

    match: EmergencyMatch | None
    failed: tuple[DetectorLayer, ...] = ()
    error: str | None = None  # the first exception's type name: its message may quote the text

    @property
    def unknown(self) -> bool:
        """Nothing found, but a layer could not read: the turn is not known to be safe."""
        return self.match is None and bool(self.failed)


def check(text: str, model: learned.Model | None = None, *, last_words: int | None = None) -> Verdict:
    """`detect` with each layer run apart, never raising: when the model fails the rules decide alone (no veto), and
    when the rules fail the model does. `last_words` reads only the transcript's last words (a growing partial
    transcript whose start was read before): the cost of the check no longer grows with the transcript."""
    try:
        if last_words is not None:
            said = text.rsplit(maxsplit=last_words)
            text = " ".join(said[1:]) if len(said) > last_words else text
        read = passages(normalize(text))
    except Exception as exc:
        return Verdict(None, (DetectorLayer.NORMALISE,), type(exc).__name__)
    failed: list[DetectorLayer] = []
    error: str | None = None
    rule: EmergencyMatch | None = None
    try:
        rule = _first_rule_match(read)
    except Exception as exc:
        failed.append(DetectorLayer.RULES)
        error = type(exc).__name__
    try:
        scores = _scores(read, model or learned.load())
    except Exception as exc:
        failed.append(DetectorLayer.MODEL)
        return Verdict(rule, tuple(failed), error or type(exc).__name__)
    return Verdict(Assessment(rule, *scores).decide(), tuple(failed), error)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules and the model say about one normalized transcript, before any threshold."""

    rule: EmergencyMatch | None
    # The model's highest emergency probability over the windows (None: no window long enough to read), and the
    # highest over the windows no guard cancels, with its category.
    model_max: float | None
    guarded_max: float
    guarded_category: EmergencyCategory | None

    def decide(self, threshold: float = THRESHOLD, veto: float = VETO) -> EmergencyMatch | None:
        if self.rule is not None:
            vetoed = self.model_max is not None and self.model_max < veto
            return None if vetoed else self.rule
        if self.guarded_category is not None and self.guarded_max > threshold:
            return EmergencyMatch(self.guarded_category, MODEL_RULE)
        return None


def assess(norm: str, model: learned.Model) -> Assessment:
    """Run the rules and score every window of `norm` with `model`, passage by passage."""
    read = passages(norm)
    return Assessment(_first_rule_match(read), *_scores(read, model))


def _first_rule_match(read: Sequence[str]) -> EmergencyMatch | None:
    for passage in read:
        if (match := rule_match(passage)) is not None:
            return match
    return None


def _scores(read: Sequence[str], model: learned.Model) -> tuple[float | None, float, EmergencyCategory | None]:
    """The model's fields of an `Assessment`: its highest score, and its highest that no guard cancels."""
    model_max: float | None = None
    guarded_max, guarded_category = 0.0, None
    for window in (window for passage in read for window in windows(passage)):
        prediction = model.predict(window)
        model_max = max(model_max or 0.0, prediction.probability)
        if prediction.probability > guarded_max and not model_cancelled(window):
            guarded_max, guarded_category = prediction.probability, prediction.category
    return model_max, guarded_max, guarded_category


def rule_match(norm: str) -> EmergencyMatch | None:
    """The first rule match in `norm` that no guard cancels."""
    for compiled in COMPILED:
        for match in compiled.pattern.finditer(norm):
            if not cancelled(compiled, norm, match.start(), match.end()):
                return EmergencyMatch(compiled.category, compiled.rule.name)
    return None


def model_match(norm: str, threshold: float | None = None) -> EmergencyMatch | None:
    """The model's category for the best window of `norm` above `threshold` that no guard cancels (no rules)."""
    limit = THRESHOLD if threshold is None else threshold
    return Assessment(None, *_scores(passages(norm), learned.load())).decide(limit)


def passages(norm: str) -> list[str]:
    """`norm` as passages of whole sentences, at most `PASSAGE_WORDS` words each; a longer sentence is cut into pieces
    that overlap by `PASSAGE_OVERLAP` words. A transcript of one passage is read exactly as a whole."""
    found: list[str] = []
    held: list[str] = []
    count = 0
    for sentence in norm.split(" . "):
        words = sentence.split()
        if len(words) > PASSAGE_WORDS:
            if held:
                found.append(" . ".join(held))
                held, count = [], 0
            step = PASSAGE_WORDS - PASSAGE_OVERLAP
            found.extend(
                " ".join(words[start : start + PASSAGE_WORDS]) for start in range(0, len(words) - PASSAGE_OVERLAP, step)
            )
            continue
        if held and count + len(words) > PASSAGE_WORDS:
            found.append(" . ".join(held))
            held, count = [], 0
        held.append(sentence)
        count += len(words)
    if held:
        found.append(" . ".join(held))
    return found


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
