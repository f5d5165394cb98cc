"""Deterministic French red-flag detector, run outside the conversation model on every caller transcript.

`detect(text)` says whether what the caller just said describes an emergency happening now, and which one.
Each part imports only parts listed before it: `rules` (the rule table), `normalise` (the text the rules read),
`guards` (what cancels a match), `model` (the learned second opinion), `decision` (rules and model together) and
`watch` (when a call acts on a hit). The categories are `contracts.emergency.EmergencyCategory`. `check(text)` is
`detect` that never raises: a layer that fails makes an unknown `Verdict`, not a safe one.
"""

from voice_worker.emergency.decision import (
    Assessment,
    EmergencyMatch,
    Verdict,
    assess,
    check,
    detect,
    model_match,
    passages,
    rule_match,
    windows,
)
from voice_worker.emergency.guards import model_cancelled
from voice_worker.emergency.normalise import normalize
from voice_worker.emergency.watch import EmergencyWatch

__all__ = [
    "Assessment",
    "EmergencyMatch",
    "EmergencyWatch",
    "Verdict",
    "assess",
    "check",
    "detect",
    "model_cancelled",
    "model_match",
    "normalize",
    "passages",
    "rule_match",
    "windows",
]
