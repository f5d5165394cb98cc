"""Named rules for medical advice in Camille's words, and the guards that cancel a match.

Every rule reads the normalised text (`advice.text.normalize`). The rules run on a sentence that is still growing
(Camille's transcript arrives a few words at a time), so a rule may only look to its right at words that are
already there: an exception that needs the next word is written as a lookahead that *requires* that word
(« une prise » waits for the next word, then « une prise de sang » is not a dose). Guards look to the left, in the
clause of the match: a refusal (« je ne peux pas vous dire »), a referral to the doctor (« le docteur vous dira »),
or Camille repeating the caller or the file (« je note », « renouvellement de », « il a pris »).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import StrEnum

from voice_worker.advice.lexicon import (
    ADMIN,
    CARE_IMPERATIVE,
    CARE_INFINITIVE,
    CARE_OBJECT,
    CARE_PLACE,
    CONDITION,
    DRUG,
    DRUG_NAME,
    FRACTION,
    HEDGE,
    MODAL,
    NUMBER,
    SUBJUNCTIVE,
    TAKE_IMPERATIVE,
    TAKE_INFINITIVE,
    UNIT,
)

__all__ = ["RULES", "Kind", "Rule", "first_match"]


class Kind(StrEnum):
    DOSE = "dose"
    DRUG = "drug"
    INSTRUCTION = "instruction"
    DIAGNOSIS = "diagnosis"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Kind
    pattern: re.Pattern[str]
    guards: tuple[re.Pattern[str], ...]


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


_WORD = r"[a-z0-9][a-z0-9.]*"  # a word or a number, never a comma or a sentence end
_PRONOUNS = r"(?:(?:lui|leur|le|la|les|l|en|y|vous|te|toi|me|moi|nous) )*"
_ARTICLE = r"(?:un|une|du|de la|de l|des|le|la|l|les|d|de)"
_PARTITIVE = r"(?:du|de la|de l|des|un peu de|un peu d|un peu du)"
_GAP = rf"(?:(?!{ADMIN}\b){_WORD} ){{0,4}}?"  # up to four words, none of them an admin object
_SUBSTANCE = rf"{_PARTITIVE} (?!{ADMIN}\b|quoi\b)[a-z]+"  # « du Smecta », « de la glace », not « des notes »
_MEDICINE = rf"(?:{DRUG}\b|(?:quelque chose|un truc|un produit) (?:contre|pour)\b)"
_TAKE = _any(
    rf"(?<!vous )(?<!tu )(?<!qu )(?<!que )(?<!il )(?<!elle )\b{TAKE_IMPERATIVE}",
    rf"\b{MODAL} (?:{_WORD} ){{0,3}}?{_PRONOUNS}{TAKE_INFINITIVE}",
)
_TIME = (  # « évitez le lundi » is about the diary
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|matin|matins|soir|soirs|apres midi|midi|heures?|jours?"
    r"|semaine|week end|vacances|periode|debut|fin|retard|attente|affluence|rush)"
)
_NOT_ADMIN_NEXT = (  # the next word is there and is not the doctor, the agenda or a mistake
    rf"(?= (?!{ADMIN}\b|docteur|docteure|medecin|remplacant|cabinet|secretariat|pharmacien|erreur|probleme|bug"
    r"|malentendu|oubli|coupure|confusion|panne|souci|question|autre)[a-z])"
)
_EFFECT = _any(  # what a medicine is said to do
    r"soulag\w*", r"calm\w*", "aider", "aide", "aidera", "suffire", "suffit", "suffira", "ira", "ira mieux",
    "irez mieux", "iras mieux", "mieux pour", "meilleur pour", "evitera", "degagera", "passera", "fera du bien",
    r"(?:faire|fera|fait) (?:baisser|passer|tomber|partir|degonfler)", "fait du bien", "marche bien",
    "marche tres bien", "marchent bien",
    "est efficace", "tres efficace", "est parfait", "fera l affaire", "fait effet", "est tres bien", "est ideal",
)  # fmt: skip

_DOSE_RULES = {
    # « deux comprimés », « quinze milligrammes », « une demi cuillère », « un comprimé et demi »
    "dose_amount": rf"\b(?:{NUMBER}|{FRACTION})(?: (?:et )?(?:demi|quart))?"
    rf"(?: (?:petite?s?|grande?s?|bonne?s?|demi|pleine?s?|seule?s?))? {UNIT}\b",
    # « deux prises de cinq cents », « une dose toutes les six heures »; not « une prise de sang », « en deux doses »
    "dose_count": rf"(?<!en )\b(?:{NUMBER}|{FRACTION}|\d+) (?:prises?|doses?)"
    r"(?= [.,:]| (?!(?:de|d|du|en)\b)[a-z0-9]| (?:de|d|du) (?!sang|rendez|vaccin|rappel|contact|tension|patience"
    r"|temps)[a-z0-9])",
    # « Doliprane 500 », « ibuprofène quatre cents », « trois Gaviscon »
    "dose_strength": rf"\b{DRUG_NAME} \d|\b(?:{NUMBER}|{FRACTION}|\d+) {DRUG_NAME}\b",
    # « toutes les six heures », « trois fois par jour », « par kilo », « une dose-poids »
    "dose_frequency": _any(
        r"\btoutes les (?:\d+(?:\.\d+)? (?:a |ou )?)?(?:\d+ )?(?:heures|h)\b",
        rf"\b(?:{NUMBER}|\d+)(?: (?:a|ou) \d+)? fois (?:par|dans la) (?:jour|journee|24)\b",
        r"\bpar (?:kilo|kilos|kg|prise)\b",
        r"\bdose poids\b",
        r"\bpar tranche de \d+ kilos?\b",
        r"\b(?:pour|a) son poids\b",
        r"\b\d+ par jour\b",
        r"\bpas plus de \d+ par\b",
    ),
    # « doublez la dose », « prenez-en deux », « la moitié de la dose », « réglez la pipette », « un de plus »
    "dose_change": _any(
        r"\b(?:doublez|doubler|augmentez|augmenter|diminuez|diminuer|reduisez|reduire|baissez|baisser|espacez|espacer"
        r"|renouvelez|sautez|sauter|rajoutez|fractionnez) (?:la|les|votre|vos|sa|ses|son|une|cette) "
        r"(?:dose|doses|prise|prises|posologie|comprime|comprimes)\b",
        r"\b(?:augmentez|diminuez|montez|descendez|baissez|reduisez|augmenter|diminuer|monter|descendre|baisser"
        r"|reduire) a (?:\d|un |une |demi)",
        r"\bla moitie (?:de la dose|de la posologie|d un comprime|d une dose|de ce)",
        rf"\b(?:prenez|prends|reprenez|reprends|donnez lui|donnez leur|donne lui) en (?:{NUMBER}|\d|la moitie|plus"
        r"|moins|encore)\b",
        r"\ben (?:prendre|donner|redonner|reprendre|mettre|remettre) (?:\d|un|une|encore|plus de|la moitie)\b",
        r"\b(?:un|une|\d) de plus\b",
        r"\breglez la (?:pipette|seringue)",
        r"\bgraduation\b",
        r"\b(?:pipette|seringue) doseuse",
        r"\bcuillere mesure",
        r"\bcommencez par (?:\d|un|une|demi)\b",
        r"\ble double (?:de la dose|d une dose|de la posologie)",
        r"\bentre (?:les|deux|2|chaque) prises?\b",
    ),
}
_DRUG_RULES = {
    # « prenez du Doliprane », « mettez-lui une crème », « vous pouvez lui donner de l'Advil », « arrêtez l'ibuprofène »
    "drug_take": _any(
        rf"{_TAKE} {_PRONOUNS}{_GAP}{_MEDICINE}",
        rf"{_TAKE} {_PRONOUNS}{_SUBSTANCE}",
        rf"\bje (?:vous|te) (?:conseille|recommande|suggere|propose) (?:{_ARTICLE} )?{_GAP}{DRUG}\b",
        r"\bse soign\w* (?:avec|par|a l)\b",
        r"\bon (?:le |la |les |l )?(?:soigne|traite) (?:avec|par)\b",
        rf"\bn (?:{_PRONOUNS})?(?:arretez|arrete) (?:surtout |jamais )?pas (?:{_WORD} ){{0,3}}?{DRUG}\b",
        rf"\bil (?:lui |vous |leur )?(?:faudrait|faut) (?:{_ARTICLE} )?{DRUG}\b",
    ),
    # « le Vogalène marche bien », « du Maalox, ça calme », « un bon Doliprane », « pour la fièvre, c'est Doliprane »
    "drug_effect": _any(
        rf"(?:\b{DRUG}|\b{_PARTITIVE} [a-z]+)(?: {_WORD}){{0,6}}(?: ,)? (?:ca |cela |il |elle |qui |c est )?"
        r"(?:(?:devrait|va|peut|vont|doit) )?(?:le |la |les |l |vous |lui |te |vous en )?(?:devrait |va |peut |vont )?"
        rf"(?:{_EFFECT})\b",
        r"\bc est (?:tres |vraiment )?(?:efficace|parfait pour|tres bien pour|bien pour|ideal pour|doux)\b",
        rf"\b(?:un bon|une bonne|un petit|une petite) {DRUG_NAME}\b",
        rf"\bpour (?:la|le|les|l|un|une|des|son|sa|ses|votre|vos) [a-z]+(?: [a-z]+)? , (?:c est|prenez|il faut) "
        rf"(?:{_ARTICLE} )?{DRUG}\b",
        rf"\b{DRUG} (?:, )?c est (?:ce qu il y a de mieux|le mieux|ce qu il faut|ce qui marche|le plus efficace)\b",
        rf"\ble (?:mieux|plus simple|plus efficace) (?:, )?c est (?:le|la|l|du|de la|de l|un|une|des) {DRUG}\b",
        rf"\bavec {_PARTITIVE} [a-z]+ , (?:vous|il|elle|tu) \w+ mieux\b",
        rf"\bavec (?:{_ARTICLE} )?{DRUG}\b(?: {_WORD}){{0,5}}(?: ,)? (?:{_WORD} ){{0,3}}(?:partiront|partira|passera"
        r"|passeront|disparaitra|disparaitront|ira mieux|iront mieux|dormirez mieux|dormira mieux|calmera|calmeront)\b",
    ),
}
_INSTRUCTION_RULES = {
    # « buvez beaucoup », « allongez-le », « faites-lui des inhalations », « gardez-le au chaud »
    "care": _any(
        rf"(?<!vous )(?<!tu )\b{CARE_IMPERATIVE}\b(?! moi\b)",
        rf"\breposez (?:votre|vos|sa|son|ses) (?!{ADMIN}\b|question)[a-z]",
        r"\bne parlez pas\b",
        r"\b(?:lavez|lave) (?:lui |le |la |les |leur |bien )?(?!vous\b|toi\b)[a-z]",
        r"\b(?:prenez|prends) (?:un|une|des) (?:bain|bains|douche|douches)\b",
        rf"\bposez (?:{_ARTICLE} )?{CARE_OBJECT}\b",
        rf"\b(?:faites|fais) (?:lui |le |la |les |vous |leur )?(?:{_ARTICLE} )?{CARE_OBJECT}\b",
        r"\b(?:faites|fais) (?:le|la|lui|les) (?:boire|manger|respirer|vomir|dormir|moucher|marcher|tousser|cracher"
        r"|prendre)\b",
        r"\b(?:mettez|mets|remettez) (?:lui |le |la |les |vous |toi )*(?:un|une|du|de la|de l|des|le|la|l|les|d|de|vos"
        rf"|ses|sa|son|votre) (?!{ADMIN}\b|date|jour|heure|signature|justificatif)[a-z]+",
        rf"\b(?:mettez|mets) (?:le|la|les|lui|vous|toi) {CARE_PLACE}",
        rf"\b(?:gardez|garde) (?:le |la |les |lui |vous )?(?:{CARE_PLACE}|(?:le|la|les|son|sa|ses|votre|vos) "
        r"(?:lit|bras|jambe|jambes|pied|pansement|tete|doigt|main|glace))",
        rf"\b(?:restez|reste) {CARE_PLACE}",
        r"\bprenez (?:sa|votre|la|leur|son) (?:temperature|tension|pouls)\b",
        r"\b(?:donnez|donne) (?:lui|leur) (?!rendez)[a-z]",
        r"\bne (?:lui|leur) donnez\b",
        rf"\b(?:retirez|retire) (?:la|le|les|l|votre|sa|son|ses) (?!{ADMIN}\b)[a-z]",
        rf"\b(?:surveillez|surveille) (?:sa|la|votre|le|les|son|ses) (?!{ADMIN}\b)[a-z]",
        r"\b(?:surveillez|surveille) (?:qu|que|s il|si)\b",
        rf"\b(?:evitez|evite) (?:(?:le|la|les|l|du|des|de la|de l|tout|toute|tous|toutes) )?(?!(?:de|d|le|la|les|l"
        rf"|du|des|tout|toute|tous|toutes)\b|{ADMIN}\b|{_TIME}\b)[a-z]+",
        r"\b(?:evitez|evite) (?:de|d) (?!venir|rappeler|appeler|vous garer|laisser|stationner|arriver|attendre)[a-z]+",
        r"\bappuyez (?:fort |bien |fermement )?sur (?:la|le|l|les) (?!touche|bouton|interphone|sonnette)[a-z]",
        r"\blaissez (?:a l air|secher|reposer|agir|respirer|couler|tremper)\b",
        r"\blaissez (?:le|la|les|lui) (?:se reposer|dormir|se coucher|au calme|au repos)\b",
        r"\bne (?:le|la|les) laissez pas (?:seul|seule|dormir|sortir|se lever)\b",
        r"\bne (?:le |la |lui |vous |les )?(?:couvrez|grattez|gratte|posez|mouillez|forcez|frottez|percez|touchez"
        r"|allongez|couchez|baignez|exposez|mangez|buvez) (?:pas|rien|jamais|surtout pas|plus)\b",
        r"\bsurtout ne \w+ pas\b",
        r"\bsous l eau (?:froide|tiede|fraiche|claire|courante)\b",
        rf"\b(?:passez|mettez|rincez|tenez|gardez|laissez) (?:{_WORD} ){{0,3}}sous l eau\b",
        r"\ba l eau (?:froide|tiede|claire|fraiche|salee|et au savon)\b",
        r"\beau (?:froide|tiede|salee|sucree|fraiche) pendant\b",
        r"\bpas (?:de|d) (?:douche|bain|baignade|piscine|sport|alcool|effort|efforts|gras|laitages?"
        r"|produits laitiers|ecrans?|maquillage|lentilles?)\b",
    ),
    # « il faut qu'il garde le lit », « vous devriez boire », « il ne doit pas prendre de bain »
    "care_modal": _any(
        rf"\b(?:{MODAL}|il ne faut pas|il ne faudrait pas|ne (?:doit|doivent|devez|dois|devrait|devriez) pas"
        rf"|evitez de) (?:bien |surtout |absolument |d abord |plutot |pas )?{_PRONOUNS}(?:{CARE_INFINITIVE}\b"
        rf"|(?:mettre|faire|poser) (?:{_ARTICLE} )?{CARE_OBJECT}\b|(?:rester|garder) (?:le )?{CARE_PLACE}"
        r"|garder le lit\b|prendre sa temperature\b|prendre (?:un |une |de |d |des )?(?:bain|bains|douche|douches"
        r"|repos)\b)",
        rf"\bil (?:ne )?(?:faut|faudrait) (?:pas )?(?:que|qu) (?:il|elle|vous|tu|on) (?:ne )?{_PRONOUNS}"
        rf"{SUBJUNCTIVE}\b",
        r"(?<![a-z] )\bqu (?:il|elle|ils|elles) (?:boive|boivent|mange|mangent|dorme|dorment|se repose|se reposent"
        r"|se couche|se couchent|s allonge|s allongent|se mouche|se mouchent)\b",
    ),
    # « à votre place, je me reposerais »
    "care_soft": r"\b(?:a votre place|a ta place|si j etais vous|si j etais toi)(?: ,)? (?:je|j) "
    r"(?:me |lui |le |la |en |y )*(?:boirais|reposerais|mettrais de la glace|ferais des|ferais une|ferais un"
    r"|eviterais|surveillerais|coucherais|allongerais)\b",
}
_DIAGNOSIS_RULES = {
    # « c'est sûrement une gastro », « votre fils fait probablement une otite », « il a les oreillons, probablement »
    "diagnosis": _any(
        r"\b(?:c est|ce n est pas|ce sont|ca doit etre|ca pourrait etre|ca ressemble|ca m a (?:tout )?l air"
        r"|ca a (?:tout )?l air|ca sent|ce soit|ce serait|ce doit etre|ce sera|juste|simplement|seulement|on dirait"
        r"|(?:ca |cela )?(?:me )?(?:fait|font) penser|a mon avis|je pense que|je crois que|je dirais|il s agit"
        r"|typique d|symptomes?|signes?|(?:il|elle) fait(?! de l\b| du\b| de la\b| des\b)|vous faites|tu fais"
        r"|a attrape|a du faire|a du attraper|doit avoir|je pense (?:plutot |surtout )?a|doit faire|doit couver"
        rf"|couve|evoque|evoquent|fait {HEDGE}|a {HEDGE}|surement|probablement|sans doute|certainement"
        rf"|sans aucun doute) (?:(?!pour\b|contre\b|si\b|eu\b|deja\b|antecedents?\b){_WORD} ){{0,4}}?{CONDITION}\b",
        r"\b(?:fait|perce|font|percent) (?:ses|sa|leurs) (?:premieres )?dents\b",
        rf"\b(?:il a|elle a|vous avez|tu as) (?:{_WORD} ){{0,2}}?{CONDITION}(?: ,)? (?:{HEDGE}|c est (?:sur|sure"
        r"|certain|evident|clair))\b",
    ),
    # « ça ressemble à une ... », « on dirait une ... », « c'est sûrement un ... », « c'est viral », whatever it is
    "diagnosis_hedge": _any(
        r"\b(?:ca ressemble (?:beaucoup |bien |fort )?(?:a|aux)|ca me fait penser a|on dirait (?:bien )?|ca doit etre"
        r"|ca pourrait etre|ca m a (?:tout )?l air|ca a (?:tout )?l air|c est (?:surement|probablement|sans doute"
        rf"|certainement|typique|sans aucun doute|clairement)) {_ARTICLE}{_NOT_ADMIN_NEXT}",
        r"\bc est (?:\w+ )?(?:viral|virale|bacterien|bacterienne|psychosomatique|benin|benigne|nerveux|musculaire"
        r"|articulaire|tendineux|psychologique|hormonal|digestif|allergique|infectieux|inflammatoire|dentaire)\b",
        r"\b(?:classique|typique|frequent|normal) (?:a son age|chez les bebes|chez l enfant)\b",
        rf"\b(?:c est|ce n est) (?:{HEDGE} )?rien de (?:grave|serieux|mechant|inquietant)\b",
        r"\bca (?:n a pas|ne semble pas avoir) l air (?:grave|serieux|mechant|inquietant)\b",
        r"\bca ne semble pas grave\b",
        r"\b(?:ca|il|elle) (?:va |devrait )?(?:passer|passera|partir|partira|guerir"
        r"|guerira) tout seul",
    ),
}

# What cancels a match in its clause, to its left.
_REFUSAL = re.compile(
    r"\bje ne (?:peux|pourrai|pourrais|sais|suis|saurais|vais)\b|\bje n ai pas (?:le droit|acces|les competences)"
    r"|\bpas a moi de\b|\bje ne suis qu\b|\bje prefere ne pas\b|\bce n est pas (?:a moi|mon role)\b|\bimpossible de"
)
_REFERRAL = re.compile(  # the doctor will say (but « le docteur dit de ... » relays advice)
    r"\b(?:docteur|docteure|medecin|pharmacien|pharmacienne|infirmiere|specialiste|sage femme)\b"
    r"(?! (?:vous |lui |leur )?(?:dit|a dit|demande|recommande|conseille|veut|prefere|souhaite))"
    r"|\b(?:demandez|demander|voyez|voir|verifiez|verifier|posez la question) (?:avec |a |au )|\breferez vous\b"
)
_REPEAT = re.compile(  # Camille repeats the caller, the file or what was already taken
    r"\bje (?:le |l |vous |lui )?(?:note|notais|mets|marque|inscris|transmets|ecris|precise|repete|recapitule)\b"
    r"|\bc est note\b|\bj ai (?:bien )?(?:note|compris)\b|\bmotif\b|\bvous (?:me )?(?:dites|disiez|pensez|pensiez"
    r"|croyez|parlez|avez dit|mentionnez|evoquez|souhaitez|voulez|voudriez|avez pris|prenez|indiquez|expliquez"
    r"|decrivez)\b|\bque vous pensiez\b|\brenouvellements?\b|\bordonnance\b|\bdemande d\b|\btraitements? en cours\b"
    r"|\ballergi\w* (?:a|au|aux|connue)\b|\bc est pour\b|\bdossier\b|\bpour (?:une|un) (?:rendez vous|consultation)\b"
    r"|\b(?:lui |leur |en |l |y )?(?:a|avez|as|ont|avait|aviez) (?:deja |bien )?"
    r"(?:pris|donne|mis|eu|avale|utilise|applique|essaye)\b|\b(?:il|elle|ils|elles|qui) (?:en )?(?:prend|prennent"
    r"|utilise|utilisent)\b|\bvous (?:en )?(?:prenez|utilisez)\b|\bvous appelez\b|\bparce qu"
    r"|\b(?:avez vous|a t il|a t elle|vous avez|il a|elle a|tu as) (?:des|d autres|les) (?:symptomes|signes)\b"
)
_CONDITIONAL = re.compile(  # « si c'est une réaction allergique, appelez le 15 » is no diagnosis
    r"\bsi\b|\bs il\b|\ben cas d|\bau cas ou\b|\bquand\b|\blorsque\b|\best ce que\b|\bsavoir si\b"
)
_GUARDS = {
    Kind.DOSE: (_REFUSAL, _REFERRAL, _REPEAT),
    Kind.DRUG: (_REFUSAL, _REFERRAL, _REPEAT),
    Kind.INSTRUCTION: (_REFUSAL, _REFERRAL, _REPEAT),
    Kind.DIAGNOSIS: (_REFUSAL, _REFERRAL, _REPEAT, _CONDITIONAL),
}
_TABLES = {
    Kind.DOSE: _DOSE_RULES,
    Kind.DRUG: _DRUG_RULES,
    Kind.INSTRUCTION: _INSTRUCTION_RULES,
    Kind.DIAGNOSIS: _DIAGNOSIS_RULES,
}
# Each rule is tried only where a word starts (`(?<![^ ])`): the engine skips the other positions at once, which
# makes the whole table about three times cheaper.
RULES: tuple[Rule, ...] = tuple(
    Rule(name, kind, re.compile(rf"(?<![^ ])(?:{pattern})"), _GUARDS[kind])
    for kind, table in _TABLES.items()
    for name, pattern in table.items()
)

_CLAUSE_END = re.compile(r"(?:^| )(?:,|\.|mais|par contre|en revanche|sinon|cependant|pourtant|toutefois)(?= |$)")


def first_match(text: str) -> Rule | None:
    """The first rule that matches the normalised `text` with no guard in its clause, or None."""
    clause_starts: list[int] | None = None
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            if clause_starts is None:
                clause_starts = [m.end() for m in _CLAUSE_END.finditer(text)]
            index = bisect.bisect_right(clause_starts, match.start()) - 1
            start = clause_starts[index] if index >= 0 else 0
            if not any(guard.search(text, start, match.end()) for guard in rule.guards):
                return rule
    return None
