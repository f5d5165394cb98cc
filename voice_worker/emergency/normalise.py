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

# Second-language French often drops the conjugation: "mon fils tomber", "il pas respirer", "moi avoir mal". After a
# subject, an infinitive of this list is read as the present ("mon fils tombe", "il ne respire pas"), so the rules and
# the model read one form. Correct French never puts these infinitives straight after a subject.
# "lui", "moi" and "eux" are objects, not subjects, after a verb or a preposition: "je vais lui parler", "pour lui
# dire", "laissez moi parler" are correct French.
_SUBJECT = (
    r"(?:il|elle|je|ils|elles|lui|moi|eux|(?:mon|ma|mes|son|sa|ses|notre|le|la|les) (?:fils|fille|mari|femme"
    r"|epouse|enfant|enfants|bebe|mere|pere|maman|papa|frere|soeur|grand pere|grand mere|copain|copine|voisin|voisine"
    r"|ami|amie|collegue|patron|oncle|tante|gamin|gamine|cousin|cousine)|bebe)"
)
_CONJUGATED = {
    "avoir": "a", "etre": "est", "faire": "fait", "pouvoir": "peut", "vouloir": "veut", "boire": "boit",
    "prendre": "prend", "perdre": "perd", "mettre": "met", "dormir": "dort", "mourir": "meurt", "venir": "vient",
    "reagir": "reagit", "repondre": "repond", "ouvrir": "ouvre", "sentir": "sent", "voir": "voit", "vomir": "vomit",
    "evanouir": "evanouit", "sortir": "sort", "partir": "part", "tenir": "tient", "entendre": "entend",
    "devenir": "devient", "convulser": "convulse", "savoir": "sait", "dire": "dit",
}  # fmt: skip
_FIRST_PERSON = {"avoir": "ai", "etre": "suis", "pouvoir": "peux", "vouloir": "veux", "faire": "fais", "savoir": "sais"}
_INFINITIVE_AFTER_SUBJECT = re.compile(
    rf"\b({_SUBJECT}) (?:(pas|plus|jamais) )?((?:se |s |me |m )?)([a-z]{{2,}}er|{'|'.join(_CONJUGATED)})\b"
    r"(?: (pas|plus|jamais)\b)?"
)
# An infinitive after a subject is correct French when the subject is inverted ("peut il passer", "faut il faire")
# or the object of a verb of perception ("je sens plus le bebe bouger", "il a vu sa fille tomber").
_BEFORE_SUBJECT = re.compile(
    r"\b(?:peut|peuvent|peux|faut|faudrait|doit|doivent|dois|devrait|veut|veulent|voudrait|vaut|va|vont|vais|sait"
    r"|pourrait|pourra|aurait|est|sera|puis|dois|fait|fais|faire|laisse|laisser|laissez|vu|vois|voit|voir|voyez"
    r"|regarde|regarder|entend|entends|entendu|entendre|sens|sent|senti|sentir|ecoute|ecouter|vais|ira)"
    r"(?: (?:plus|pas|jamais|ne|n))? $"
)
_BEFORE_OBJECT = frozenset(
    {"pour", "de", "d", "a", "sans", "par", "en", "dois", "peux", "veux", "voudrais", "aimerais", "pourrais",
     "devrais", "essaie", "essaye", "ose", "pouvez", "voulez", "devez", "allez", "vas", "sais", "savez", "aide",
     "aidez", "excusez", "laissez", "dites", "demande", "demander", "interdit", "permet", "conseille", "empeche",
     "oblige", "apprend", "appris", "montre", "montrer", "faut", "vais", "va", "peut", "veut", "doit", "fait",
     "faire", "laisse", "ecoute", "regarde", "vu", "voir", "entendu", "senti", "avant", "apres", "vient", "viens",
     "venez", "pouvons", "du", "pu", "voulu", "su", "fallu", "aller", "venir", "essayer", "pouvoir", "vouloir",
     "devoir", "doivent", "peuvent", "veulent"}
)  # fmt: skip
# First-group infinitives that are nouns or adjectives more often than verbs after a subject word.
_NOT_VERBS = frozenset({"premier", "dernier", "cancer", "clavier", "entier", "hier", "fer", "mer", "hiver", "leger"})


def _conjugate(match: re.Match[str]) -> str:
    subject, before, reflexive, verb, after = match.groups()
    if verb in _NOT_VERBS or _BEFORE_SUBJECT.search(match.string, max(match.start() - 40, 0), match.start()):
        return match.group()
    if subject in {"lui", "moi", "eux"} and not (before or after):
        previous = match.string[max(match.start() - 20, 0) : match.start()].split()
        if previous and previous[-1] in _BEFORE_OBJECT:
            return match.group()
    first = subject in {"moi", "je"}
    present = (_FIRST_PERSON.get(verb) if first else None) or _CONJUGATED.get(verb) or verb[:-2] + "e"
    person = "je" if first else ("il" if subject == "lui" else "ils" if subject == "eux" else subject)
    reflexive = reflexive.strip()
    if reflexive:
        reflexive = "me" if first else "se"
        present = f"{reflexive} {present}"
    if first and present[0] in "aeiouy" and not reflexive:
        person = "j"
    negation = before or after
    return f"{person} ne {present} {negation}" if negation else f"{person} {present}"


_PU_AFTER = frozenset(
    {"ai", "a", "as", "avons", "avez", "ont", "avait", "avais", "aurait", "aurais", "pas", "plus", "jamais", "eu"}
)


# An elided article or pronoun a transcriber glued to the next word ("lair", "dadieu", "sarrete"): split it when
# the rest is a word the rules know and the whole is not. Real words that would split are kept.
_ELIDED = re.compile(r"(qu|[cdjlmnst])([aeiouyh][a-z]{3,}|air|eau|une)")
_KEEP_WHOLE = frozenset(
    {"dont", "sont", "taux", "lait", "mont", "savait", "savais", "lavait", "sein", "lune", "mais", "sais", "selles",
     "selle", "dents", "seule", "seules", "sauf", "lever", "leve", "levee", "levres", "tenu", "tenue", "meme",
     "centre"}
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
    text = _INFINITIVE_AFTER_SUBJECT.sub(_conjugate, text)
    return text.strip(" .")
