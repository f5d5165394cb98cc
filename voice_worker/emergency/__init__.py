"""Deterministic French red-flag detector, run outside the conversation model on every caller transcript.

`detect(text)` says whether what the caller just said describes an emergency happening now, and which one.
Each part imports only parts listed before it: `rules` (the rule table), `normalise` (the text the rules read),
`guards` (what cancels a match), `model` (the learned second opinion), `decision` (rules and model together) and
`watch` (when a call acts on a hit). The categories are `contracts.emergency.EmergencyCategory`.
"""

from voice_worker.emergency.decision import Assessment, EmergencyMatch, assess, detect, model_match, rule_match, windows
from voice_worker.emergency.guards import model_cancelled
from voice_worker.emergency.normalise import normalize
from voice_worker.emergency.watch import EmergencyWatch

__all__ = [
    "Assessment",
    "EmergencyMatch",
    "EmergencyWatch",
    "assess",
    "detect",
    "model_cancelled",
    "model_match",
    "normalize",
    "rule_match",
    "windows",
]
