"""The canonical form of a transcript that the rules, the guards and the model read.

`normalize` folds case and accents, splits glued apostrophes ("jai", "lair"), repairs common misspellings, drops
fillers ("euh", "du coup") and marks sentence ends with " . ". Splitting a glued word needs to know which words the
rules spell out, so this module reads the rule table.
"""

import re
import unicodedata

from voice_worker.emergency import rules

__all__ = ["normalize"]

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
