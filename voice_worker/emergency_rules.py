"""The red-flag rule table of `voice_worker.emergency`: named patterns per category, and the shared guards.

Every pattern runs over `emergency.normalize(text)`: lowercase ASCII words separated by single spaces, no accents,
apostrophes and hyphens turned into spaces ("j'ai" is "j ai", "rendez-vous" is "rendez vous"), fillers removed,
and " . " where a sentence ended. A gap such as `_gap(4)` never crosses a sentence end.
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Rule:
    """One named pattern; the flags say which shared guards may cancel it."""

    name: str
    pattern: str
    # "pas de", "sans", "aucun" just before it cancel it; off when the pattern itself carries the negation.
    negatable: bool = True
    # A current state ("il saigne beaucoup"): a past marker in an earlier clause ("... et là") does not cancel it.
    # Events ("un AVC", "un malaise") are cancelled by any past marker of their sentence, and by "mon AVC".
    state: bool = False
    # A benign context (figure of speech, chronic complaint) that cancels the rule anywhere in its sentence.
    unless: str = ""


def _gap(n: int) -> str:
    """Up to n words inside one sentence, none of them a negation."""
    return rf"(?: (?!(?:pas|jamais|sans|aucune?)\b)[a-z0-9]+){{0,{n}}}"


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


# Who the caller talks about; "y" is the spoken "il" ("y respire plus").
_PERSON: Final = _any(
    "il", "elle", "y", "ils", "elles", "lui", "mari", "femme", "epouse", "epoux", "conjointe?", "compagnon",
    "compagne", "copain", "copine", "mere", "pere", "maman", "papa", "fils", "fille", "bebe", "enfant", "gamine?",
    "petite?", "frere", "soeur", "grand pere", "grand mere", "papi", "papy", "mamie", "mami", "voisine?",
    "collegue", "amie?", "patiente?", "chum", "blonde", "monsieur", "madame", "dame", "homme", "oncle", "tante",
    "cousine?", "nourrisson", "neveu", "niece", "ado", "adolescente?",
)  # fmt: skip
_CHILD: Final = _any(
    "bebe", "bebes", "nourrisson", "nouveau nee?", "enfant", "enfants", "gamine?", "petite?", "fils", "fille",
    "bambin", "gosse", "mome", "loulou", "puce", "petit garcon", "neveu", "niece", "jumeaux", "jumelles",
)  # fmt: skip
_CAN_NOT: Final = (
    r"(?:(?:arrive|arrivent|arrivait|arrivons|parvient|parviens|reussit|reussis|sait|sais|savons|savent|peut|peux"
    r"|pouvait|pouvons|peuvent) (?:plus|pas|presque plus|plus du tout|pas du tout|pas bien|plus bien)(?: a)?"
    r"|(?:a|ai|as|avait|avais) (?:plus|pas|jamais) (?:pu|reussi a|su))"
)
_PREGNANT: Final = (
    r"(?:enceinte|grossesse|mois de grossesse|semaines? d amenorrhee|\d+ sa|future maman|accouche|accouchement"
    r"|attends? (?:un|des) (?:bebes?|enfant|jumeaux|jumelles))"
)
# "beaucoup", spoken ("vachement", "grave", "un max") or not.
_LOTS: Final = r"(?:beaucoup|enormement|trop|plein|vachement|tellement|grave|un max|un maximum|abondamment|a flots?)"
_LOSING_BLOOD: Final = rf"(?:perd|perds|perdu|perdait) (?:{_LOTS} )?(?:de|du) sang"
_ALLERGEN: Final = (
    r"(?:allergi\w*|piqu\w*|abeilles?|guepes?|frelons?|arachides?|cacahuetes?|noix|noisettes?|crevettes?"
    r"|fruits de mer|sesame|kiwi|penicilline|antibiotiques?)"
)
_ALLERGIC_SIGN: Final = (
    rf"(?:respir\w* (?:plus|mal|pas|fort|difficilement)|{_CAN_NOT} (?:respirer|avaler)"
    r"|(?:du )?mal a (?:respirer|avaler)|etouff\w*|malaise|avaler sa salive|gorge qui (?:gratte|serre|brule|pique"
    r"|se ferme)|(?:boutons|plaques) partout"
    r"|urticaire (?:geante|partout|generalisee)|gonfle de partout|tout gonfle|toute gonflee)"
)
_FEVER: Final = (
    r"(?:fievre|temperature|brulante?|\b(?:38|39|40|41|42) (?:\d )?(?:degres|de fievre)?"
    r"|\b(?:trente huit|trente neuf|quarante)(?: et un| deux)?(?: degres| de fievre)?)"
)
# Heat that is an emergency at any age.
_HIGH_FEVER: Final = r"(?:\b(?:41|42)(?: \d)?|quarante et un|quarante deux) (?:de fievre|degres|de temperature)"
_DRUGS: Final = _any(
    r"medicaments?", r"medocs?", r"comprimes?", r"cachets?", r"pilules?", r"gelules?", r"somniferes?",
    r"anxiolytiques?", r"antidepresseurs?", r"calmants?", r"doliprane", r"dafalgan", r"efferalgan",
    r"paracetamol", r"ibuprofene", r"advil", r"xanax", r"lexomil", r"temesta", r"stilnox", r"tramadol",
    r"morphine", r"methadone", r"insuline", r"antidouleurs?", r"neuroleptiques?", r"sirop",
)  # fmt: skip
_TOXICS: Final = _any(
    r"javel", r"eau de javel", r"detergents?", r"lessive", r"capsules? de lessive", r"dosettes? de lessive",
    r"pastilles? (?:de|pour) (?:lave vaisselle|wc)", r"produits? (?:menagers?|d entretien|de nettoyage"
    r"|toxiques?|chimiques?|vaisselle|pour (?:les )?\w+)", r"deboucheur", r"destop", r"white spirit",
    r"essence", r"petrole", r"alcool a bruler", r"antigel", r"ammoniaque", r"acide", r"soude", r"raticide",
    r"mort aux rats", r"insecticide", r"pesticide", r"desherbant", r"piles?(?: bouton)?", r"aimants?",
    r"champignons? (?:sauvages?|toxiques?|ramasses|cueillis|veneneux|de la foret|du jardin)", r"poison",
    r"quelque chose de toxique", r"dissolvant", r"e liquide", r"huiles? essentielles?", r"baies? toxiques?",
    r"plantes? toxiques?", r"du gaz", r"liquide (?:vaisselle|de refroidissement|lave glace|de frein)", r"lave glace",
)  # fmt: skip

# The most specific causes come first: "allergique ... je respire mal" is anaphylaxis before it is not_breathing.
RULES: Final[dict[str, tuple[Rule, ...]]] = {
    "anaphylaxis": (
        Rule(
            "anaphylaxis_named",
            r"\b(?:choc anaphylactique|anaphyla\w*|oedeme de quincke|quincke|reaction anaphylactique)\b",
        ),
        Rule(
            "airway_swelling",
            r"\b(?:gorge|langue|levres?|visage|bouche|glotte|figure|trachee|tete)(?: \w+){0,5} (?:gonfl\w*|enfl\w*"
            r"|se ferme|se referme|se serre|se bouche)\b"
            r"|\b(?:gonfl\w*|enfl\w*)(?: \w+){0,3} (?:gorge|langue|levres|visage|figure)\b",
            state=True,
            unless=r"\b(?:abces|dent|dents|dentaire|sagesse|angine|oreillons|ganglions?|piqure de moustique)\b",
        ),
        Rule(
            "allergic_severe",
            r"\b(?:reaction|crise|choc) allergique(?: \w+){0,2} (?:grave|severe|violente|forte|importante|serieuse"
            r"|enorme|massive)|\b(?:grave|grosse|forte|violente|severe|enorme|importante|serieuse) (?:reaction|crise)"
            rf" allergique|\b{_ALLERGEN}\b.{{0,100}}\b{_ALLERGIC_SIGN}|\b{_ALLERGIC_SIGN}.{{0,60}}\b{_ALLERGEN}\b"
            r"|\b(?:fait|fais|faire|donne|utilise|injecte|pique|piquer|mis|mets|planter) (?:l |son |mon |sa |ma |un"
            r" |une |le )?(?:epipen|anapen|jext|emerade|stylo d adrenaline|injection d adrenaline|adrenaline)\b"
            r"|\b(?:allerg\w*|piqu\w*|abeille|guepe|frelon|arachides?|cacahuetes?)\b.{0,80}\b(?:fait|fais|faire|en)"
            r" (?:un )?choc\b",
            unless=r"\b(?:renouvel\w*|ordonnance|rhinite|pollen|foin|test|tests|moustiques?|angine)\b",
        ),
    ),
    "poisoning_overdose": (
        Rule(
            "swallowed_toxic",
            r"\b(?:avale|avalee|avales|avaler|avalait|bu|bue|bois|boit|boire|mange|mangee|ingere|ingeree|ingurgite"
            rf"|croque|lechee?|mis dans (?:la|sa) bouche)\b(?: \w+){{0,4}} {_TOXICS}\b"
            rf"|\b{_TOXICS}\b(?: \w+){{0,6}} (?:dans (?:la|sa) bouche|croque\w*|avale\w*|bu|lech\w*)\b"
            r"|\bchampignons?\b.{0,80}\b(?:ramass\w*|cueilli\w*|foret|sauvages?|toxiques?|veneneu\w*|vomi\w*|malades?"
            r"|crampes|diarrhee)|\b(?:ramass\w*|cueilli\w*) (?:des |les )?champignons\b.{0,100}\b(?:vomi\w*|malades?"
            r"|crampes|diarrhee|mal au ventre)",
            unless=r"\bcafe\b",
        ),
        Rule(
            "overdose",
            r"\b(?:avale|avalee|avaler|bu|mange|mangee|ingere|ingurgite|croque)"
            r" (?:des|du|de la|plein de|tous? (?:les|ses|mes)|toutes? (?:les|ses|mes)|une boite|la boite|une plaquette"
            rf"|la plaquette|un flacon|la moitie|un tube|\d+|plusieurs){_gap(2)} (?:de |d )?{_DRUGS}\b"
            r"|\b(?:pris|prise|avale|avalee|ingere|ingurgite|bu|injecte) (?:trop|beaucoup trop|toute une|toute la"
            r"|tout le"
            r"|une boite entiere|la boite entiere|toute sa|toute ma|tous ses|tous mes|toutes ses|toutes mes"
            r"|une plaquette entiere|plusieurs boites|des dizaines|une dizaine|une vingtaine|[1-9]\d+|une poignee"
            r"|beaucoup|un paquet|des tonnes|je sais pas combien|on sait pas combien|sais pas combien"
            rf"|plein|tout un|un tas){_gap(3)} (?:de |d )?(?:{_DRUGS}|boites?|plaquettes?|flacons?)\b"
            rf"|\b{_DRUGS}\b(?: \w+){{0,8}} en (?:a|ai|as|avait) (?:pris|avale|bu)(?: \w+){{0,2}} (?:trop|plein"
            r"|toute?s?|une boite|\d+|plusieurs|beaucoup|un paquet|une poignee|je sais pas combien)\b"
            r"|\b(?:trois|quatre|cinq|six|dix|\d+) fois la dose|\btriple dose"
            rf"|\b(?:pris|avale|bu|melange|ingere)\w*(?: \w+){{0,6}} (?:alcool|alcools)(?: \w+){{0,6}} {_DRUGS}\b"
            rf"|\b(?:pris|avale|bu|melange|ingere)\w*(?: \w+){{0,6}} {_DRUGS}(?: \w+){{0,6}} (?:alcool|alcools)\b"
            r"|\b(?:overdose|surdose|surdosage)\b|\b(?:fait|fais) une od\b|\bintoxi\w+|\bempoisonn\w+"
            r"|\bmonoxyde\b|\b(?:mordu|morsure|pique|piqure) (?:\w+ ){0,2}(?:vipere|serpent|scorpion)",
            state=True,
            unless=r"\b(?:alimentaire|nourriture|restaurant|fruits de mer|huitres)\b",
        ),
    ),
    "suicidal": (
        Rule(
            "suicide_named",
            r"\bsuicid\w*|\bidees? noires?|\bpensees? noires?|\b(?:fait|faire|fais) une ts\b",
        ),
        Rule(
            "wish_to_die",
            r"\b(?:veux|veut|voulais|voudrais|voudrait|envie de|envie d|pense a|penser a|pense serieusement a"
            r"|prefere|prefererais|aimerais|aimerait|menace de|menace d|parle de|parle d)\b(?: (?!pas\b"
            r"|jamais\b)\w+){0,2}"
            r" (?:mourir|crever|disparaitre|en finir|plus vivre|plus etre la|(?:me|se) faire du mal"
            r"|sauter(?! en parachute| a l elastique| le pas| (?:le|un|des|les|mon|son) (?:repas|dejeuner|diner))"
            r"|(?:me|se) (?:tuer|supprimer|pendre|jeter|flinguer|foutre en l air|tirer une balle|defenestrer"
            r"|ouvrir les veines))\b(?! de\b| d\b| avec (?!la vie|tout\b|ma vie|sa vie))"
            r"|\b(?:(?:vais|allais) me|(?:va|allait) se) (?:tuer|supprimer|pendre|jeter|flinguer|foutre en l air"
            r"|tirer une balle|defenestrer|ouvrir les veines)\b(?! (?:a la tache|au travail|au boulot|a force))"
            r"|\b(?:vais|va|pour) en finir\b(?! avec (?!la vie|tout\b|ma vie|sa vie))"
            r"|\b(?:plus|pas) (?:envie|la force|le gout|le courage) de vivre|\bveu[xt] plus vivre"
            r"|\b(?:plus|pas|aucune)(?: de| d| aucune)? raisons? de vivre|\b(?:ne (?:jamais|plus)"
            r"|plus jamais) me reveiller"
            r"|\b(?:vais|va) sauter\b"
            r"|\bmarre de (?:la vie|vivre)|\ben finir avec (?:la vie|tout|ma vie|sa vie)"
            r"|\bmettre fin a (?:mes|ses|sa|ma) (?:jours|vie)|\bmieux (?:mort|morte|sans moi)\b"
            r"|\b(?:ouvert|taillade|entaille|coupe)\w* les veines|\bpasser a l acte|\blettre d adieu"
            r"|\b(?:sauter|se jeter|me jeter) (?:du|d un|par la|de la|sous le|sous un|d une) (?:pont|fenetre|balcon"
            r"|train|metro|toit|falaise)\b",
            unless=r"\b(?:faim|soif|rire|froid|chaud|ennui|fatigue)\b",
        ),
    ),
    "obstetric_bleeding": (
        Rule(
            "pregnant_bleeding",
            rf"\b{_PREGNANT}\b(?: \w+){{0,14}} (?:saign\w*|{_LOSING_BLOOD}|pertes? (?:de sang|rouges?"
            r"|sanglantes?)|hemorragie|du sang|caillots?)\b"
            rf"|\b(?:saign\w*|{_LOSING_BLOOD}|hemorragie|caillots?)\b(?: \w+){{0,10}} {_PREGNANT}\b",
            state=True,
            unless=r"\b(?:premiere|precedente|derniere|ancienne|autre) grossesse|\bprise de sang|\bdon du sang",
        ),
        Rule(
            "miscarriage_or_labour",
            r"\bfausse couche\b|\bgrossesse extra uterine\b"
            r"|\b(?:perdu|perds|perd|perte) (?:les|des) eaux\b|\bpoche des eaux (?:a )?(?:rompu|percee|fissuree|cassee)"
            r"|\b(?:en train d|va|vais) accoucher\b(?: \w+){0,2} (?:maintenant|la|tout de suite|ici)"
            r"|\ben train d accoucher\b|\bbebe (?:arrive|sort|est en train de sortir)(?: maintenant| la| deja)"
            r"|\b(?:vois|voit) (?:deja )?la tete\b|\bdecollement (?:du |de )?placent\w*|\bhematome retro placentaire",
        ),
        Rule(
            "pregnant_pain",
            rf"\b{_PREGNANT}\b(?: \w+){{0,10}} (?:(?:tres|trop|atrocement|terriblement|horriblement|super) mal"
            r" au ventre|douleurs? (?:violentes?|atroces?|intenses?|insupportables?|terribles?)|(?:violentes?|fortes"
            r"|grosses|atroces|terribles) douleurs?|(?:le )?bebe (?:ne )?bouge plus)",
            state=True,
        ),
    ),
    "seizure": (
        Rule(
            "convulsions",
            r"\bconvuls\w*|\bcrise (?:d epilepsie|epileptique|convulsive|tonico\w*|de convulsions?|d epi)\b"
            r"|\bepilep\w*(?: \w+){0,8} (?:fait|fais|faire|en) (?:une |sa )?crise\b"
            r"|\bepilep\w*(?: \w+){0,10} (?:en )?(?:refait|refais|refaire|fait|fais) une\b"
            r"|\b(?:fait|fais|faire|en train de faire|en pleine) (?:une )?crise\b(?: \w+){0,6} epilep\w*"
            r"|\bcrise\b(?: \w+){0,14} (?:tremble|secou\w*|bave|raide|raidi\w*|yeux (?:revuls\w*|qui)|mousse|ecume"
            r"|se mord)"
            r"|\bcrise\b(?: \w+){0,10} (?:en )?(?:refait|refais|recommence)\w*|\benchaine\w* (?:les |des )?(?:crises"
            r"|convulsions)",
        ),
        Rule(
            "seizure_signs",
            r"\byeux (?:qui se )?revuls\w*|\byeux (?:tournes|retournes|blancs)\b|\b(?:bave|ecume|mousse) (?:aux|a la)"
            r" (?:levres|bouche)|\bse (?:mord|mordu) la langue|\bmordu la langue|\bsecousses? (?:dans tout le corps"
            r"|de partout|dans les bras)|\b(?:raide|raidi\w*) et (?:tremble|secou\w*|bave)|\bmouvements? saccades?"
            r"|\b(?:regard|yeux) (?:fixe|dans le vide)\b"
            r"|\bfait des secousses|\b(?:tremble|secoue|gigote) de (?:partout|tout son corps"
            r"|tous ses membres)(?: \w+){0,5} (?:bave|repond"
            r"|reagit|yeux|raide)",
            state=True,
        ),
    ),
    "stroke": (
        Rule(
            "stroke_named",
            r"(?<!\bles )(?<!\bdes )\b(?:avc|a v c|accident vasculaire(?: cerebral)?"
            r"|attaque cerebrale|hemorragie cerebrale"
            r"|infarctus cerebral|ischemie cerebrale)\b|\b(?:fait|fais|faire|eu) un ait\b"
            r"|\b(?:fait|fais|faire|faisant|eu|a|avoir|c est|est) (?:une|un) (?:petite |grosse |sorte d )?attaque\b"
            r"(?! (?:de panique|d angoisse|de nerfs|de chien|de guepes?|d abeilles?|cardiaque))",
        ),
        Rule(
            "face_droop",
            r"\b(?:visage|bouche|figure|levre|face|joue|paupiere|moitie du visage|cote du visage)s?"
            r"(?: \w+){0,3} (?:paralyse|paralysee|de travers|tordue?|tombe|tombante|qui tombe|deformee?|affaissee?"
            r"|figee?|pendante?|pend|qui pend|ne bouge plus|tiree? d un cote|part (?:sur le|d un|du|de) cote"
            r"|penche d un cote)\b"
            r"|\bparalys\w*(?: \w+){0,4} (?:visage|bouche|cote|bras|jambe|moitie|figure)\b",
            state=True,
            unless=r"\bparalysie faciale\b.*\b(?:kine|reeducation|suivi)\b",
        ),
        Rule(
            "limb_weakness",
            r"\b(?:bras|jambe|main|cote)(?: \w+){0,3} (?:ne repond plus|ne repond pas|repond plus|inerte"
            r"|tout mou|toute molle|ne bouge plus|bouge plus|lourde? d un coup|ne tient plus|tombe tout seul"
            r"|paralysee?s?|pend|pendent|qui pend|lache|lachent|qui lache)\b"
            r"|\bplus de force dans (?:le|la|son|sa|mon|ma) (?:bras|jambe|main)"
            r"|\bperdu l usage (?:de|du|d)"
            rf"|\b{_CAN_NOT} (?:bouger|lever|soulever|sentir|tenir)"
            r" (?:le|la|son|sa|mon|ma|les|ses|un) (?:bras|jambe|main|cote)"
            r"|\b(?:ne )?sen[st] plus (?:son|sa|mon|ma|le|la|ses|mes) (?:bras|jambe|main|visage|cote)"
            r"|\b(?:engourdi|engourdie|faible|paralyse|paralysee|insensible)\w*(?: \w+){0,3}"
            r" (?:d un (?:seul )?cote|tout le"
            r" cote|moitie du corps|d un coup|brutalement|soudainement|subitement)"
            r"|\b(?:hemiplegi|hemipares)\w*|\b(?:moitie du corps|tout un cote|tout le cote|cote (?:droit|gauche))"
            r"(?: \w+){0,2} (?:paralyse\w*|engourdi\w*|insensible|ne repond plus|inerte)",
            state=True,
        ),
        Rule(
            "speech_loss",
            rf"\b{_CAN_NOT} (?:parler|articuler|prononcer|trouver (?:ses|mes) mots|s exprimer)\b"
            r"|\b(?:parle|articule|cause) (?:plus|bizarrement|de travers|n importe comment|tout bizarre|bizarre"
            r"|plus normalement|plus correctement|avec difficulte)\b(?! (?:fort|vite|lentement|doucement|que|qu|de|d))"
            r"|\btrouve (?:plus|pas) (?:ses|mes) mots|\bmots (?:qui )?(?:ne )?sortent (?:pas|plus)|\bbafouill\w*"
            r"|\bdu mal a parler\b|\bmelange (?:tous )?(?:ses|les|mes) mots|\bcompren(?:d|ds|nent) (?:plus|plus rien)"
            r" (?:ce qu|quand|a ce)|\b(?:parole|voix|elocution) (?:pateuse|bizarre|confuse|bredouillante)"
            r"|\bincoherente?s?\b",
            state=True,
            unless=r"\b(?:francais|anglais|langue etrangere|timide|begaie)\b",
        ),
        Rule(
            "sudden_headache_or_vision",
            r"\b(?:mal de (?:tete|crane)|migraine|cephalee)s?(?: \w+){0,4} (?:brutale?|violente?|atroce|terrible"
            r"|insupportable|horrible|foudroyante?|d un coup|soudaine?|explos\w*|jamais eu|comme jamais)\b"
            r"|\b(?:pire|violent|atroce|terrible|horrible) (?:\w+ ){0,2}(?:mal de (?:tete|crane)|migraine)"
            r"|\b(?:vois|voit|voyons) (?:plus rien|plus d un oeil|plus de l oeil|double|(?:trouble|flou) d un coup)"
            r"|\b(?:perdu|perd|perds) la vue\b|\bvision (?:double|trouble|floue) (?:d un coup|soudaine|brutale)",
            state=True,
        ),
    ),
    "chest_pain": (
        Rule(
            "chest_pain",
            r"\b(?:mal|douleurs?|douloureu\w+|plaint|plaignait|barre|lourdeur|gene|crampe|coup de couteau|decharge"
            r"|lance|elance\w*|serrement|serre|oppression|oppresse|pression|brulures?|brule|ecrase"
            r"|ecras\w*|etau|points?|pointe|coup de poignard|compression|comprim\w*|poids)\b"
            rf"{_gap(6)} (?:poitrine|thorax|torse|sternum|cage thoracique|poitrail|niveau du coeur)\b"
            rf"|\b(?:poitrine|thorax|sternum){_gap(3)} (?:me |m )?"
            r"(?:fait (?:tres |super |vraiment |trop |hyper |tellement )?mal|fait souffrir|serre|serree"
            r"|brule|oppresse|comprime|ecrase|douloureuse|qui fait mal|explose)"
            rf"|\b(?:tient|tenait|tenant|serre|agrippe) (?:la|sa) poitrine\b{_gap(12)} (?:ecras\w*|mal|serr\w*"
            r"|oppress\w*"
            r"|brul\w*|douleur\w*|comprim\w*)\b"
            r"|\bdouleurs? (?:thoracique|retrosternale|dans le thorax)\w*|\boppression thoracique"
            rf"|\b(?:poitrine|thorax|sternum)\b{_gap(8)} (?:a|ai|as) (?:tres |super |trop |hyper |vraiment )?mal\b"
            r"(?! (?:au|a|aux|dans|de|d|en)\b)",
            state=True,
            unless=r"\b(?:bouton|grain de beaute|tache|tatouage|allaite\w*|sein|seins|mammo\w*|bronchite|toux)\b"
            r"|\b(?:quand (?:je|il|elle) tousse|en toussant|a force de tousser)\b",
        ),
        Rule(
            "heart_attack",
            r"\b(?:crise cardiaque|infarctus|attaque cardiaque|crise (?:au|du) coeur|syndrome coronarien)\b"
            r"(?! cerebral)",
        ),
        Rule(
            "heart_pain",
            r"\b(?:douleurs? (?:au|dans le|du) coeur|coeur (?:me |m )?(?:fait (?:tres )?mal|serre)"
            r"|mal (?:au niveau du|dans le) coeur|serre(?:ment)? (?:au|du) coeur"
            r"|(?:poids|etau|barre|pression|oppression) (?:sur|dans|au niveau du) (?:le )?coeur)"
            r"|\bcoeur\b(?: \w+){0,6} (?:ecras\w*|etau|comprim\w*|oppress\w*)"
            r"|\b(?:ecras\w*|comprim\w*|oppress\w*) (?:\w+ ){0,2}coeur\b"
            r"|\b(?:irradi\w*|descend\w*|remonte|file|lance)(?: \w+){0,3} (?:bras gauche|machoire|epaule gauche)"
            r"|\bbras gauche\b(?: \w+){0,8} (?:machoire|poitrine)|\b(?:machoire)(?: \w+){0,8} bras gauche",
            state=True,
        ),
    ),
    "child_distress": (
        Rule(
            "child_limp_or_grey",
            rf"\b{_CHILD}\b(?: \w+){{0,20}} (?:tout mou|toute molle|tout flasque|toute flasque|mou comme|hypoton\w*"
            r"|amorphe|apathique|sans reaction|tres somnolente?|somnolente?|ne se reveille|tres endormie?"
            r"|dort tout le temps|gris|grise|tout pale|toute pale|tres pale|livide|marbre|marbree|marbrures|violace"
            r"|gemit|geint|pleure plus|ne pleure (?:pas|plus) du tout|tout froid|toute froide|glacee?)\b",
            state=True,
        ),
        Rule(
            "child_breathing",
            rf"\b{_CHILD}\b(?: \w+){{0,12}} (?:respire (?:tres |trop |super |hyper |vraiment |tellement )?vite"
            r"|respire (?:fort|en creusant|avec le ventre)"
            r"|creuse (?:sous )?(?:les|ses) cotes|cotes qui se creusent|tirage|narines qui (?:battent|bougent"
            r"|s ecartent)|(?:siffle|grogne)"
            r" en respirant)\b",
            state=True,
        ),
        Rule(
            "meningitis_signs",
            r"\bpurpura\b|\btaches? (?:violettes?|violacees?|pourpres?|rouge fonce|noires?)\b"
            r"|\bboutons? (?:violets?|violaces?|pourpres?)\b|\b(?:taches?"
            r"|boutons?) (?:\w+ ){0,3}qui (?:ne )?(?:s effacent|partent|disparaissent|s en vont) pas"
            rf"|\b(?:nuque raide|raideur (?:de|dans) la nuque|{_CAN_NOT}"
            r" (?:plier|baisser|bouger) (?:la|le|sa) (?:nuque|cou|tete))"
            rf"(?=.{{0,120}}{_FEVER})|{_FEVER}.{{0,120}}\b(?:nuque raide|raideur (?:de|dans) la nuque)\b"
            r"|\bfontanelle (?:bomb\w*|gonfl\w*|creus\w*|enfonc\w*)"
            rf"|{_HIGH_FEVER}",
            state=True,
        ),
        Rule(
            "infant_fever",
            r"\b(?:bebe|nourrisson|nouveau nee?|fils|fille|enfant|petite?)(?: \w+){0,2} de (?:\d+|un|une|deux|trois"
            r"|quatre|cinq|six|quelques|quinze|dix) (?:jours?|semaines?)\b"
            rf"(?=.{{0,80}}{_FEVER})"
            r"|\b(?:bebe|nourrisson|nouveau nee?|fils|fille|petite?) de (?:1|2|un|deux|3|trois) mois\b"
            rf"(?=.{{0,80}}{_FEVER})|\bnouveau nee?\b(?=.{{0,80}}{_FEVER})",
            state=True,
        ),
        Rule(
            "child_injury",
            rf"\b{_CHILD}\b(?: \w+){{0,8}} tomb\w* (?:de|du|par) (?:la |le )?(?:table a langer|lit superpose|fenetre"
            r"|balcon|toit|mezzanine)"
            rf"|\b{_CHILD}\b(?: \w+){{0,8}} (?:tombe\w*|cogne\w*) (?:\w+ ){{0,5}}(?:tete|crane)\b(?: \w+){{0,8}}"
            r" (?:vomi\w*|somnol\w*|endormi\w*|dort|inconscient\w*|bizarre|confus\w*|saigne\w* (?:du nez|des oreilles))"
            r"|\bsecou\w* (?:le|mon|notre|son|un) (?:bebe|nourrisson)|\bbebe secoue",
            state=True,
        ),
        Rule(
            "child_dehydrated",
            rf"\b{_CHILD}\b(?: \w+){{0,8}} (?:ne boit plus|boit plus rien|refuse (?:de boire|tous? les biberons)"
            r"|deshydrat\w*|ne mouille plus|fait plus pipi|vomit tout\b(?: \w+){0,4} (?:depuis|et))",
            state=True,
        ),
    ),
    "not_breathing": (
        Rule(
            "breath_stopped",
            r"\brespir(?:e|ent|ait|aient) (?:de plus en plus |vraiment |super |tres )?(?:plus|pas|presque plus"
            r"|quasiment plus|quasi plus|pratiquement plus"
            r"|presque pas|pas bien|plus bien|mal|tres mal|difficilement|tres difficilement|avec difficulte"
            r"|bizarrement|tres bizarrement|de travers)\b"
            r"(?! (?:vite|fort|facilement|lentement|calmement|doucement|profondement|mieux|que|qu|normalement"
            r"|tranquillement|par le nez|par la bouche|la nuit|en dormant))",
            negatable=False,
            state=True,
            unless=r"\bnez\b|\brhume|enrhume",
        ),
        Rule(
            "cannot_breathe",
            rf"\b{_CAN_NOT} (?:respirer|reprendre (?:son|mon|sa|ma|leur) (?:souffle|respiration)|avaler sa salive)"
            r"|\b(?:du|de) mal (?:a|pour) respirer|\bdifficultes? (?:a|pour) respirer|\bdetresse respiratoire"
            r"|\bdifficultes? respiratoires?|\bmanque (?:d air|d oxygene)|\bsuffo(?:que|quent|cation|quer|quait)"
            r"|\basphyxi\w*|\bhalet\w*|\bcherche (?:son|de l|sa) (?:air|souffle|respiration)|\bsouffle coupe"
            r"|\bplus de souffle|\b(?:bloque|coupe) (?:la|sa|ma) respiration"
            r"|\brespiration (?:difficile|bloquee|coupee|sifflante|bruyante|saccadee|tres rapide|arretee)",
            state=True,
            unless=r"\bnez\b|\brhume|enrhume|\beffort|escaliers?|quand je (?:cours|monte|marche)|\bsport",
        ),
        Rule(
            "choking",
            r"\b(?:s )?etouff(?:e|es|ent|ait|aient|er|ement|ements)\b|\bs etrangl\w*|\bfausse route"
            r"|\b(?:coince|coincee|bloque|bloquee|reste|restee|pris) (?:dans|au fond de) (?:la|sa|ma) (?:gorge|trachee)"
            r"|\b(?:avale|avalee) (?:\w+ ){0,3}(?:de travers|qui (?:est|reste) coince)\w*(?: \w+){0,4}"
            r" (?:tousse|etouff\w*|respire)",
            state=True,
            unless=r"chaleur|canicule|etouffant|\b(?:m|me|t|te) etouff|\bau (?:travail|boulot)|de rire"
            r"|(?:ce|cet|cette) (?:appart\w*|bureau|maison|piece|ambiance|famille|relation)|\bici\b",
        ),
        Rule(
            "cyanosis",
            r"\b(?:devien\w*|devenu\w*|tourne|vire)"
            r" (?:tout |toute |tres )?(?:bleue?s?|violet(?:te)?s?|violace\w*|grise?)\b"
            rf"|\b{_PERSON} est (?:tout |toute |tres )(?:bleue?|violette?|violacee?|grise?)\b"
            r"|\b(?:levres|bouche|tour de la bouche|visage|doigts|ongles|extremites)"
            r" (?:tout |toute |toutes |tres )?(?:bleue?s?|violette?s?|violacee?s?|grises?)\b|\bcyanose\w*",
            state=True,
        ),
        Rule(
            "cardiac_arrest",
            r"\barret (?:cardiaque|cardio respiratoire|respiratoire|du coeur)|\b(?:coeur|pouls)(?: ne| n)? bat"
            r" (?:plus|pas|presque plus)|\b(?:pas|plus) de pouls\b|\b(?:sens|sent|trouve) (?:plus|pas) (?:son|le) pouls"
            r"|\bcoeur s (?:est )?arret\w*|\b(?:fait|fais|faire) un arret\b(?! de| maladie)|\bnoy(?:e|ee|ade)\b"
            r"|\bmassage cardiaque|\bbouche a bouche|\bdefibrillateur",
            negatable=False,
            state=True,
            unless=r"formation|\bcours\b|secourisme|apprendre",
        ),
        Rule(
            "asthma_attack",
            r"\b(?:grosse |grave |violente |forte |terrible )?crise d asthme\b"
            r"|\b(?:ventoline|inhalateur|bronchodilatateur)\w*(?: \w+){0,3} (?:ne )?(?:marche|fait|agit|suffit|passe)"
            r" (?:plus|pas|rien)",
            unless=r"renouvel|ordonnance|traitement (?:de fond|pour)",
        ),
    ),
    "unconscious": (
        Rule(
            "lost_consciousness",
            r"\b(?:perdu|perd|perds|perdre|perte de|perdant|perdait) (?:la )?(?:connaissance|conscience)\b"
            r"|\bsyncope\b|\bevanou\w+|\bdans les (?:pommes|vapes)\b|\btourne de l oeil\b|\btombee? faible"
            r"|\b(?:pas|plus|toujours pas|jamais) (?:repris|reprend|reprendre|revenu|revenue) (?:connaissance"
            r"|conscience"
            r"|a (?:lui|elle))\b"
            r"|\bs (?:est )?(?:effondre|effondree|ecroule|ecroulee)\b(?! en (?:larmes|pleurs|sanglots))",
        ),
        Rule(
            "unconscious_state",
            r"\b(?:inconscient|inconsciente|inanime|inanimee|sans connaissance|dans le coma|en coma|comateu\w+)\b"
            rf"|\b{_PERSON} est (?:tout |toute |completement )?(?:inerte|ko)\b"
            r"|\b(?:n est|est) (?:plus|pas) conscient\w*",
            negatable=False,
            state=True,
            unless=r"\binconscient\w* (?:de|du|des)\b",
        ),
        Rule(
            "not_waking",
            r"(?<!\bme )(?<!\bm )\b(?:se )?reveill(?:e|ent|ait) (?:plus|pas|plus du tout|pas du tout|presque pas"
            r"|presque plus)\b"
            r"(?! (?:la nuit|le matin|pour|a l heure|en forme|facilement|avant|tot|tout seul|toute seule|au reveil))"
            rf"|\b{_CAN_NOT} (?:le |la |les |l )?reveiller\b|\bimpossible de (?:le |la |les |l )?reveiller"
            r"|\bdifficile a reveiller|\b(?:le|la|les|l) reveiller (?:pas|plus)"
            r"|\bouvre (?:plus|pas|a peine|presque plus|presque pas) les yeux"
            r"|\bsans reprendre (?:connaissance|conscience)",
            negatable=False,
            state=True,
        ),
        Rule(
            "unresponsive",
            rf"\b(?:{_PERSON}(?: ne| n)? (?:repond|reagit|repondent|reagissent|bouge|bougent)"
            r"|(?:ne|n) (?:repond|reagit|repondent|reagissent))"
            r" (?:plus|pas|a rien|plus a rien|plus du tout|pas du tout|presque plus|presque pas|quasiment plus"
            r"|a peine)\b"
            r"(?! (?:au|a mes|aux|a son|a ses|a nos|a mon|a ma) (?:telephone|appels?|messages?|traitement"
            r"|antibiotiques?|medicaments?|sms|mails?|courriers?))",
            negatable=False,
            state=True,
            unless=r"\bbouge pas (?:de|d)\b|\b(?:telephone|standard|secretariat|cabinet|docteur|medecin|messagerie"
            r"|traitement|personne ne|on ne)\b",
        ),
        Rule(
            "collapse",
            r"(?<!\by )\b(?:fait|fais|faire|fasse|faisait|eu|a|avoir|pris d|victime d) (?:un|une)"
            r" (?:gros |grave |enorme |violent |serieux |sacre )?malaise\b(?! vagal)|\ben (?:plein )?malaise\b",
        ),
        Rule(
            "found_dead",
            r"\b(?:crois|pense|dirait|peur|l air|semble) (?:qu |que )?(?:il|elle|y) (?:est|soit) (?:mort|morte)\b"
            r"(?! de (?:rire|fatigue|faim|peur|froid|chaud|honte))",
            state=True,
        ),
    ),
    "heavy_bleeding": (
        Rule(
            "bleeding_heavy",
            r"\b(?:saign(?:e|es|ent|ait|aient|er|ant)|saignements?|perds? du sang|perdu du sang|perte de sang)\b"
            rf"(?: \w+){{0,4}} (?:{_LOTS}|fort|tres fort|sans arret|de partout"
            r"|comme un boeuf|a gros bouillons|comme une fontaine|grave|abondants?|importants?|massifs?|massive"
            r"|partout|encore et encore"
            r"|continue)\b|\b(?:saign(?:e|es|ent|ait|aient|er|ant)|saignements?)\b(?: \w+){0,8} (?:ne |n )?s? ?arrete"
            r" (?:pas|plus)\b"
            r"|\b(?:n |ne )?(?:arrete|cesse|stoppe) (?:pas|plus) de saigner|\b(?:hemorragie|hemorragique)s?\b"
            r"|\b(?:pisse|pisser|pissait|pissent) (?:le|du) sang|\bsang (?:partout|gicle|coule|qui coule|qui gicle)"
            r"|\b(?:ca|qui|le sang) gicle|\b(?:du |de )sang partout"
            r"|\bplein de sang|\bmare de sang|\bbaign\w* dans (?:son|le) sang"
            rf"|\b(?:perd|perdu|perds|perdait) {_LOTS} (?:de|du) sang"
            r"|\brien ne (?:l |le |la |les )?(?:arrete|stoppe|calme)"
            r"|\bsaign\w*(?: \w+){0,4} depuis (?:une|plus d une|\d+|deux|trois|quatre|plusieurs) heures?\b"
            r"|\b(?:vomi|vomit|vomis|vomir|vomissait|crache|crachait|cracher|tousse) du sang"
            r"|\b(?:coupure|plaie|entaille) (?:tres )?profonde|\b(?:grosse|grande|enorme|profonde) (?:plaie|coupure"
            r"|blessure|entaille)|\bs est ouvert (?:le|la|l) (?:bras|jambe|cuisse|crane|ventre|gorge|poignet)"
            r"|\bperd son sang|\bsaign\w* comme un (?:cochon|porc)"
            r"|\b(?:arrive|arrivons|peux|peut|sais|sait) (?:pas|plus) a (?:arreter|stopper) (?:le saignement|le sang"
            r"|l hemorragie|ca)"
            r"|\b(?:coupe|tranche|sectionne)\w* (?:\w+ ){0,2}(?:doigt|main"
            r"|bras|jambe|artere)\w*(?: \w+){0,3} (?:saigne|sang|os)|\bcoups? de couteau",
            state=True,
            unless=r"\b(?:gencives?|regles|menstru\w*|hemorroides?|brosse les dents|prise de sang|don du sang)\b"
            r"|\bcerebrale?\b",
        ),
    ),
}

# --- Shared guards -------------------------------------------------------------------------------------------
_NUMBER: Final = (
    r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quelques"
    r"|plusieurs|des|bien des)"
)

# A time or context that puts what follows or precedes in the past (or in a handled, finished episode).
PAST: Final = (
    rf"\b(?:il y a|ca fait|cela fait) (?:deja |bien |plus de |moins de )?{_NUMBER}(?: \w+)? (?:ans?|annees?|mois"
    r"|semaines?|jours?)\b"
    rf"|\bdepuis (?:deja |bien |plus de )?{_NUMBER}(?: \w+)? (?:ans?|annees?|mois|semaines?)\b"
    r"|\bdepuis (?:longtemps|des annees|des mois|toujours|l enfance|tout petit|toute petite|sa naissance)\b"
    r"|\b(?:il y a|ca fait) (?:longtemps|des annees|des mois)\b|\bl an (?:dernier|passe)\b"
    r"|\bl annee (?:derniere|passee|d avant)\b|\ble mois (?:dernier|passe)\b|\bla semaine (?:derniere|passee)\b"
    r"|\bl (?:ete|hiver|automne) (?:dernier|passe)\b|\ble printemps (?:dernier|passe)\b|\ben (?:19|20)\d\d\b"
    r"|\b(?:quand|lorsque) (?:j|je|il|elle|on) (?:etait|etais|avait|avais)\b|\betant (?:petite?|jeune|enfant|bebe)\b"
    r"|\bautrefois\b|\bdans le passe\b|\bpar le passe\b|\ba l epoque\b|\bantecedents?\b|\bhistorique\b"
    r"|\b(?:ai|a|as|avait|avais|avons|ont) deja (?:eu|fait|perdu)\b|\bdeja eu\b"
    r"|\b(?:apres|depuis|suite a|suite de) (?:mon|son|sa|ma|leur|ses|mes)\b|\b(?:apres|suite a) (?:un|une)\b"
    r"|\b(?:mon|ma|le|la|pour mon|pour ma) (?:premier|premiere|precedent|precedente|aine|ainee)"
    r" (?:enfant|bebe|grossesse|accouchement|fils|fille)\b"
    r"|\b(?:est|etait|a ete|ete) (?:hospitalisee?|opere|operee)\b|\bhospitalisation\b|\bsortie? de l hopital\b"
    r"|\bguerie?\b|\b(?:premiere|precedente|derniere|ancienne) grossesse\b|\bgrossesse precedente\b"
)

# A time or sign that the emergency is now; between a past marker and a match it wins over the past marker.
PRESENT: Final = (
    r"\b(?:maintenant|actuellement|en ce moment|a l instant|a l heure actuelle|tout de suite|immediatement"
    r"|en train d|vient d|viens d|viennent d|ce matin|ce soir|cette nuit|cet apres midi|aujourd hui"
    r"|tout a l heure|depuis (?:ce matin|hier soir|cette nuit|tout a l heure|une heure|une demi heure"
    r"|(?:\d+|deux|trois|quatre|cinq|dix|vingt|trente|quelques) (?:minutes?|heures?))"
    r"|il y a (?:\d+|une|deux|trois|quatre|cinq|dix|vingt|trente|quelques) (?:minutes?|heures?|secondes?)"
    r"|il y a (?:un instant|peu)|la (?:je|j|il|elle|on|ca|c|y|mon|ma|maintenant|tout de suite)|vite|urgence"
    r"|urgent|au secours|aidez moi|venez)\b"
)

# Words that say the old problem is back: they cancel the past and follow-up guards for the whole sentence.
RECURRENCE: Final = (
    r"\b(?:recommence\w*|de nouveau|a nouveau|encore une fois|refait|refais|refaire|rebelote|ca reprend"
    r"|re fait|re faire|(?:une nouvelle|un nouvel|un nouveau|une autre|un autre) (?:crise|avc|attaque|malaise"
    r"|infarctus|episode|fois))\b"
)

# An administrative or follow-up request: the condition it mentions is known and handled.
FOLLOW_UP: Final = (
    r"\b(?:suivi|(?:de|pour|en|du|un|une|au) controle|controles? (?:de|du|annuel)|renouvel\w*|ordonnance"
    r"|certificat|attestation|sequelles?|reeducation|kine\w*|bilan|compte rendu|dossier|resultats?|annuler"
    r"|decaler|reporter|traitement (?:pour|contre|de|d)|vaccin\w*|echographie|mutuelle|arret de travail|depistage"
    r"|prevention|informations?"
    r"|arret maladie)\b"
)

# Something asked about, feared or imagined rather than happening; "s il vous plait" and "si vous pouvez" are
# politeness, "je sais pas si" is doubt about something real.
HYPOTHETICAL: Final = (
    r"(?<!sais pas )(?<!sait pas )\bsi\b(?! (?:vous|tu|possible|mal|fort|peur|vite|pale|froid|chaud|souvent"
    r"|longtemps|beaucoup)\b)"
    r"|\bs (?:il|ils|elle|elles|on)\b(?! (?:vous|te) plait)|\bau cas ou\b|\ben cas d"
    r"|\bcomment (?:reconnaitre|savoir|reagir|eviter|prevenir|on reconnait)\b"
    r"|\b(?:quels?|quelles?) (?:sont )?(?:les )?(?:signes|symptomes)\b|\bles (?:signes|symptomes) d"
    r"|\bc est quoi (?:les|un|une)\b|\bpeur (?:de|d|qu)\b|\brisques? (?:de|d)\b|\bprevenir\b|\bprevention\b"
    r"|\bdepistage\b|\beviter\b|\bimaginons\b|\bsupposons\b|\bpar exemple\b|\binformations?\b|\brenseignements?\b"
    r"|\bquestion sur\b|\best ce qu (?:un|une|on)\b"
    r"|\bformation\b|\bsecourisme\b|\barticles?\b|\breportage\b|\bemission\b|\blu (?:que|qu)\b|\bchaque fois que\b"
    r"|\bquand (?:je|j|il|elle) (?:fait|fais|a|ai) (?:une|des) crise"
)

# "pas de douleur", "sans perte de connaissance"; "pas mal de" means "a lot of".
NEGATION: Final = (
    r"\b(?:pas\b(?! mal d)|jamais|aucune?|sans|ni|failli|plus (?:de|d)\b|(?<!en )(?<!de )plus\b(?! en plus))"
)

# Mild or small: "un peu mal", "une petite coupure".
SOFTENER: Final = (
    r"\b(?:un peu|legerement|un tout petit peu|(?:un|une|des|de|quelques) (?:petite?s?|legere?s?)(?! taches?| boutons?)"
    r"|pas grand chose|rien de grave|bobo)\b"
)

# "il ne s'étouffe pas": the negation wraps the verb the match starts with.
NEGATED_VERB_BEFORE: Final = r"\b(?:ne|n)(?: (?:se|s|me|m|te|t|le|la|l|lui|les|en|y))?$"
NEGATED_VERB_AFTER: Final = r"^ (?:pas|plus|jamais|point|guere)\b"

# A contrast that ends a hypothetical: "je sais pas si c'est grave mais il saigne beaucoup".
CONTRAST: Final = r"\b(?:mais|sauf que|par contre)\b"

# Tokens that open a new clause: the negation window stops at the last one.
CLAUSE_START: Final = r"\b(?:je|j|il|elle|on|ils|elles|y|ca|c|tu|vous|nous|et|mais|puis)\b"

# A conjunction that starts a new clause about now: a state after it is not covered by an earlier past marker.
CLAUSE_BREAK: Final = r"\b(?:et|mais|puis|alors|sauf que|par contre|cependant|or)\b"

# "mon AVC", "sa tentative de suicide": a possessive names a known, past event.
POSSESSIVE: Final = (
    r"\b(?:mon|ma|mes|son|sa|ses|leur|leurs|notre|votre)(?: (?:tentative|crise|episode|histoire|probleme|dernier"
    r"|derniere|premier|premiere|ancien|ancienne|petit|petite|gros|grosse))?(?: de| d)? $"
)
