"""The medical-advice guardrail: does what Camille is saying give a dose, name a medicine, tell the caller what to do
for their health, or name a diagnosis?

Each part imports only parts listed before it: `lexicon` (the word lists), `text` (the normalised text, numbers
in words read as digits), `rules` (named rules and their guards) and `watch` (the streaming transcript, sentence by
sentence, word by word). It runs outside the model, on the transcript the model streams ahead of its audio, so
the voice worker can cut a sentence before its dose is heard (see `voice_worker.supervisor`).
"""

from voice_worker.advice.rules import RULES, Kind, Rule, first_match
from voice_worker.advice.text import normalize
from voice_worker.advice.watch import AdviceHit, AdviceWatch, medical_advice

__all__ = ["RULES", "AdviceHit", "AdviceWatch", "Kind", "Rule", "first_match", "medical_advice", "normalize"]
