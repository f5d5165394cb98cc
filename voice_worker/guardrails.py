"""A deterministic check of Camille's own words: does this sentence give medical advice (a dose, a drug, a diagnosis)?

It runs on the agent's final transcripts; a hit becomes a `GuardrailTriggered(medical_advice)` audit event with the
rule name. It flags, it does not block: the words have already been spoken by then.
"""

from __future__ import annotations

import re

from voice_worker.emergency import normalize

_DRUG = (
    r"(?:doliprane|dafalgan|efferalgan|paracetamol|ibuprofene|advil|nurofen|aspirine|antibiotiques?|amoxicilline"
    r"|cortisone|antihistaminiques?|sirop|spray|pommade|creme|gouttes|comprimes?|gelules?|cachets?|medicaments?"
    r"|anti inflammatoires?|antidouleurs?|tisane|somniferes?|xanax|ventoline|smecta|spasfon|imodium)"
)
_CONDITION = (
    r"(?:grippe|angine|infection|migraine|bronchite|otite|gastro(?: enterite)?|covid|allergie|entorse|fracture"
    r"|cystite|sinusite|pneumonie|depression|tendinite|eczema|diabete|hypertension|rhume|virus|conjonctivite"
    r"|lumbago|sciatique|appendicite|infarctus|burn out|anemie|varicelle|zona)"
)
RULES: dict[str, re.Pattern[str]] = {
    "dose": re.compile(
        r"\b\d+ ?(?:mg|milligrammes?|ml|millilitres?|grammes?|g|ui|comprimes?|gelules?|gouttes?|cachets?"
        r"|fois par jour)\b"
    ),
    "take_drug": re.compile(rf"\b(?:prenez|prends|prendre|prenne|avalez|appliquez|mettez) (?:\w+ ){{0,3}}{_DRUG}\b"),
    "advice": re.compile(
        r"\b(?:je vous (?:conseille|recommande|suggere)|vous devriez|il faut|il faudrait) (?:de |d )?"
        r"(?:prendre|appliquer|boire|eviter|arreter|augmenter|diminuer|doubler|mettre de la glace|vous reposer)\b"
    ),
    "diagnosis": re.compile(
        rf"\b(?:vous avez|vous faites|c est|ca ressemble a|ca doit etre|il s agit d|probablement|surement"
        rf"|sans doute|on dirait) (?:\w+ ){{0,2}}{_CONDITION}\b"
    ),
}


def medical_advice(text: str) -> str | None:
    """The name of the first rule the sentence breaks, or None."""
    norm = normalize(text)
    return next((name for name, pattern in RULES.items() if pattern.search(norm)), None)
