"""The red-flag rule table: named patterns per category, compiled once, and the patterns of the shared guards.

Every pattern runs over `normalize(text)` (`voice_worker.emergency.normalise`): lowercase ASCII words separated by
single spaces, no accents, apostrophes and hyphens turned into spaces ("j'ai" is "j ai", "rendez-vous" is "rendez
vous"), fillers removed, and " . " where a sentence ended. A gap such as `_gap(4)` never crosses a sentence end.
"""

import re
from dataclasses import dataclass
from typing import Final

from contracts.emergency import EmergencyCategory


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
    # Whether an administrative word in the sentence ("traitement pour", "bilan") cancels it; off for acts that are
    # never routine ("il a pris trois fois son traitement").
    follow_up: bool = True


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
    r"(?:enceinte|grossesse|test (?:de grossesse )?positif|retard de regles|en cloque|(?:a|de) (?:\w+ ){0,2}semaines"
    r"(?! (?:de vacances|d arret|de conge))|mois de grossesse|semaines? d amenorrhee|\d+ sa|future maman|accouche"
    r"|accouchement"
    r"|attends? (?:un|des) (?:bebes?|enfant|jumeaux|jumelles))"
)
# "beaucoup", spoken ("vachement", "grave", "un max") or not.
_LOTS: Final = r"(?:beaucoup|enormement|trop|plein|vachement|tellement|grave|un max|un maximum|abondamment|a flots?)"
_LOSING_BLOOD: Final = rf"(?:perd|perds|perdu|perdait) (?:{_LOTS} )?(?:de|du) sang"
_ALLERGEN: Final = (
    r"(?:allergi\w*|piqu(?:e|ee|es|ees|ure|ures|er|ait)\b|abeilles?|guepes?|frelons?|arachides?|cacahuetes?|noix"
    r"|noisettes?|crevettes?"
    r"|fruits de mer|sesame|kiwi|penicilline|antibiotiques?|amandes?|pistaches?|noix de cajou|fruits a coque"
    r"|crustaces|oeufs?|poissons?|moutarde|lupin|celeri|latex|produit de contraste|anti inflammatoires?|aspirine"
    r"|ibuprofene|vaccin|reaction)"
)
_ALLERGIC_SIGN: Final = (
    rf"(?:respir\w* (?:plus|mal|pas|fort|difficilement)|{_CAN_NOT} (?:respirer|avaler)"
    r"|(?:du )?mal a (?:respirer|avaler)|etouff\w*|malaise|avaler sa salive|gorge qui (?:gratte|serre|brule|pique"
    r"|se ferme)|(?:boutons|plaques) partout"
    r"|urticaire (?:geante|partout|generalisee)|gonfle de partout|tout gonfle|toute gonflee"
    r"|gonfl\w*|enfl\w*|plaques|urticaire|boutons (?:partout|sur tout)|siffl\w*|tousse (?:beaucoup|sans arret)"
    r"|voix (?:rauque|qui change|cassee|bizarre)|gorge (?:serree|qui se resserre|se resserre|se serre|se ferme)"
    r"|resserr\w*|tete qui tourne|vertiges?|(?:se )?sen[st] partir|tension (?:chute|baisse|tres basse|basse)"
    r"|chute de tension|vomi\w*)"
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
    r"dolipranes", r"benzodiazepines?", r"benzos?", r"valium", r"rivotril", r"seresta", r"lysanxia", r"imovane",
    r"zolpidem", r"zopiclone", r"lyrica", r"pregabaline", r"codeine", r"fentanyl", r"oxycodone", r"lamaline",
    r"izalgi", r"skenan", r"opioides?", r"lithium", r"digoxine", r"anticoagulants?", r"previscan", r"kardegic",
    r"aspirines?", r"antiepileptiques?", r"seroplex", r"deroxat", r"prozac", r"laroxyl", r"theralene", r"atarax",
    r"antihistaminiques?", r"anti inflammatoires?", r"levothyrox", r"metformine", r"antipsychotiques?",
    r"tranquillisants?", r"barbituriques?", r"neuroleptique", r"ventoline", r"cortisone", r"paracetamols",
    r"ibuprofenes", r"amoxicilline", r"augmentin", r"antibiotiques?", r"pilule", r"truc", r"trucs",
)  # fmt: skip
# Drugs taken for effect, and drinks.
_STREET_DRUGS: Final = _any(
    r"drogues?", r"cocaine", r"coke", r"crack", r"heroine", r"ecstasy", r"extasy", r"mdma", r"ghb", r"lsd",
    r"ketamine", r"speed", r"amphetamines?", r"methamphetamines?", r"cannabis", r"shit", r"beuh", r"joints?",
    r"champignons hallucinogenes", r"champignons magiques", r"poppers", r"protoxyde(?: d azote)?",
    r"gaz hilarant", r"stupefiants?",
    r"crystal", r"opiaces?", r"cathinones?", r"3 mmc", r"cristal", r"space cake", r"buvard",
)  # fmt: skip
_ALCOHOL: Final = _any(
    r"alcools?", r"vodka", r"whisky", r"rhum", r"vin", r"bieres?", r"pastis", r"gin", r"tequila", r"champagne",
    r"cognac", r"absinthe", r"alcools forts", r"bouteille", r"bouteilles",
)  # fmt: skip
_TOXICS: Final = _any(
    r"javel", r"eau de javel", r"detergents?", r"lessive", r"capsules? de lessive", r"dosettes? de lessive",
    r"pastilles? (?:de|pour) (?:lave vaisselle|wc)", r"produits? (?:menagers?|d entretien|de nettoyage"
    r"|toxiques?|chimiques?|vaisselle|pour (?:les )?\w+)", r"deboucheur", r"destop", r"white spirit",
    r"essence", r"petrole", r"alcool a bruler", r"antigel", r"ammoniaque", r"acide", r"soude", r"raticide",
    r"mort aux rats", r"insecticide", r"pesticide", r"desherbant", r"piles?(?: bouton| de montre"
    r"| plates?)?", r"aimants?",
    r"batteries?(?: de montre| bouton)?",
    r"champignons? (?:sauvages?|toxiques?|ramasses|cueillis|veneneux|de la foret|du jardin)", r"poison",
    r"quelque chose de toxique", r"dissolvant", r"e liquide", r"huiles? essentielles?", r"baies? toxiques?",
    r"plantes? toxiques?", r"du gaz", r"liquide (?:vaisselle|de refroidissement|lave glace|de frein)", r"lave glace",
    r"desinfectant", r"chlore", r"produits? (?:de|pour) (?:la |le |les )?(?:piscine|lave vaisselle|toilettes|wc"
    r"|sols?|vitres|four|canalisations|jardin|voiture|lessive)", r"gel hydro ?alcoolique", r"vernis(?: a ongles)?",
    r"colle", r"alcool a (?:90|70|bruler)", r"alcool menager", r"methanol", r"anti ?limaces?", r"engrais",
    r"fongicide", r"glyphosate", r"cigarettes?", r"megots?", r"nicotine", r"billes? (?:aimantees?|magnetiques?)",
    r"(?:feuilles?|baies|fleurs?|graines?) (?:de |d )?(?:laurier rose|digitale|muguet|if|datura|belladone|ricin"
    r"|houx|gui)", r"laurier rose", r"digitale", r"muguet", r"datura", r"belladone", r"cigue", r"colchiques?",
    r"dieffenbachia", r"ricin", r"baies", r"javelle", r"eau oxygenee", r"anti moustiques?", r"mort aux rats",
    r"produit (?:anti|contre) (?:les )?\w+", r"bicarbonate", r"produits? (?:a|de|pour) (?:la |le |les )?vaisselle",
    r"huiles? (?:de|a|pour) lampe", r"paraffine", r"petrole lampant", r"kerosene", r"fioul", r"gasoil", r"diesel",
    r"carburant", r"produits? (?:corrosifs?|caustiques?)", r"detartrant", r"anticalcaire", r"anti calcaire",
    r"decapant", r"solvants?", r"diluant", r"peinture", r"soude caustique", r"acide chlorhydrique",
    r"eau de (?:cologne|toilette)", r"parfum",
    r"bain de bouche", r"huiles? (?:de moteur|de vidange"
    r"|moteur)", r"collyre", r"pommade", r"suppositoires?",
    r"gouttes (?:pour|dans) (?:les )?(?:yeux|oreilles|nez)", r"creme (?:solaire|hydratante|pour|de (?:sa|son|ma"
    r"|mon))", r"liquide (?:de|pour) (?:la )?(?:cigarette|vapoteuse)",
)  # fmt: skip

# Intent words that put a self-harm verb in the present or future: "je veux", "il va", "elle menace de".
_INTENT: Final = (
    r"(?:veux|veut|voulais|voulait|voudrais|voudrait|voulu|vais|va|vont|allait|allais|envie de|envie d|pense a"
    r"|sur le point de|pret a|prete a"
    r"|penser a|pense serieusement a|intention de|menace de|menace d|essaye de|essaie de|essayer de|essaye d"
    r"|tente de|tenter de|tente d|prete? a|decide de|decide d|compte|projette de|parle de|parle d|besoin de"
    r"|dit qu (?:il|elle|je) (?:va|allait|veut|voulait)|capable de)"
)
_SELF_HARM: Final = (
    r"(?:(?:me|se|m|s) (?:tuer|suicider|pendre|noyer|jeter(?! a l eau| dessus| sur)|supprimer|flinguer"
    r"|foutre en l air|tirer une balle|defenestrer|empoisonner|laisser mourir|faire (?:du )?mal\b(?! (?:au|a la|aux"
    r"|a l|en))|couper\b(?! (?:les|des|la|le|un|une|du|de|en|avec|au))|scarifier|mutiler|taillader"
    r"|(?:ouvrir|couper|tailler|trancher|taillader) (?:les|mes|ses) (?:veines|poignets)|etrangler|immoler"
    r"|asphyxier|electrocuter|poignarder|ouvrir le ventre|en aller pour (?:toujours|de bon)|endormir pour toujours)"
    r"|(?:me|se|m|s) (?:buter|foutre a l eau|planter un couteau|poignarder"
    r"|laisser tomber (?:du|de la|par la|d un|d une)|lancer (?:du|de la|par la|sous|d un|d une)"
    r"|balancer (?:du|par|sous|d un|de la|dans)|foutre (?:sous|par|en bas|du|d un|dans)"
    r"|faire sauter (?:la cervelle|le caisson)|donner la mort|oter la vie|ouvrir les veines)"
    r"|en terminer\b(?! avec (?!la vie|tout\b|ma vie|sa vie))"
    r"|foncer (?:dans|contre) (?:un|une|le|la) (?:mur|arbre|platane|pilier|poteau|camion)"
    r"|(?:me|se|m|s) faire (?:ecraser|renverser|percuter)"
    r"|mourir|en finir|disparaitre(?: pour (?:toujours|de bon)| a jamais)?|partir pour (?:toujours|de bon)"
    r"|partir definitivement|mettre fin a|plus (?:vivre|exister|etre la|etre de ce monde|me reveiller|se reveiller))"
)
_SWELLING: Final = (
    r"(?:gonfl\w*|enfl\w*|boursoufl\w*|tumefie\w*|(?:double|triple) de volume|(?:sont|est) (?:enormes?|deformee?s?)"
    r"|oedeme)"
)
_AIRWAY: Final = r"(?:gorge|langue|levres?|visage|bouche|glotte|figure|trachee|luette|face)"
_HOUSEHOLD: Final = (
    r"(?:tous|toutes|toute la famille|tout le monde|toute la maison|les enfants et moi|mon mari et moi"
    r"|ma femme et moi|nous deux|tous les deux|tous les trois|toute la maisonnee)"
)
_HEATING: Final = (
    r"(?:chauffage|poele|chaudiere|cheminee|brasero|barbecue|groupe electrogene|chauffe eau|chauffe bain"
    r"|insert|odeur de gaz|fuite de gaz|detecteur)"
)
_SUDDEN: Final = r"(?:d un coup|tout a coup|tout d un coup|soudain\w*|brutalement|subitement|d un seul coup|brutale?)"

# The most specific causes come first: "allergique ... je respire mal" is anaphylaxis before it is not_breathing.
RULES: Final[dict[EmergencyCategory, tuple[Rule, ...]]] = {
    EmergencyCategory.ANAPHYLAXIS: (
        Rule(
            "anaphylaxis_named",
            r"\b(?:choc anaphylactique|anaphyla\w*|oedeme de quincke|quincke|reaction anaphylactique"
            r"|choc allergique)\b",
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
            r"\b(?:reaction|crise|choc) (?:allergique|d allergie)(?: \w+){0,2} (?:grave|severe|violente|forte"
            r"|importante|serieuse"
            r"|enorme|massive)|\b(?:grave|grosse|forte|violente|severe|enorme|importante|serieuse) (?:reaction|crise)"
            rf" allergique|\b{_ALLERGEN}\b.{{0,100}}\b{_ALLERGIC_SIGN}|\b{_ALLERGIC_SIGN}.{{0,60}}\b{_ALLERGEN}\b"
            r"|\b(?:fait|fais|faire|donne|utilise|injecte|pique|piquer|mis|mets|planter) (?:l |son |mon |sa |ma |un"
            r" |une |le )?(?:epipen|anapen|jext|emerade|stylo d adrenaline|injection d adrenaline|adrenaline)\b"
            r"|\b(?:allerg\w*|piqu\w*|abeille|guepe|frelon|arachides?|cacahuetes?)\b.{0,80}\b(?:fait|fais|faire|en)"
            r" (?:un )?choc\b",
            unless=r"\b(?:renouvel\w*|ordonnance|rhinite|pollen|foin|test|tests|moustiques?|angine|conjonctivite"
            r"|orgelet)\b",
        ),
        Rule(
            "airway_swelling_wide",
            rf"\b{_AIRWAY}\b(?: \w+){{0,4}} {_SWELLING}|\b(?:gonfl|enfl)\w* (?:de )?partout\b"
            r"|\b(?:tout|toute|tous|toutes) (?:gonfle|gonflee|enfle|enflee)s?\b(?! (?:le|la|les) (?:cheville|pied|genou"
            r"|jambe|main|doigt|bras))|\bgorge (?:qui )?(?:se )?(?:resserr\w*|referm\w*|bloqu\w*)|\bgorge (?:serree"
            r"|fermee"
            r"|bouchee) (?:d un coup|apres)\b|\bsen[st] (?:ma|sa) gorge (?:qui )?(?:se )?(?:ferm|serr|resserr)\w*",
            state=True,
            follow_up=False,
            unless=r"\b(?:abces|dent|dents|dentaire|sagesse|angine|oreillons|ganglions?|piqure de moustique|moustiques?"
            r"|stress|angoisse|emotion|chevilles?|pieds?|genoux?|rhume|sinusite)\b",
        ),
        Rule(
            "hives_or_swelling_plus_airway",
            rf"\b(?:urticaire|plaques (?:partout|sur tout le corps)|boutons partout|{_SWELLING}|gratte partout"
            r"|demangeaisons? partout|(?:tout|toute) rouge|rougeurs? partout)\b.{0,80}"
            r"\b(?:siffl\w*|respir\w* (?:mal|plus|pas|difficilement)|du mal a (?:respirer|avaler)|gorge (?:serree"
            r"|qui serre"
            r"|qui se ferme|se ferme)|(?:se )?sen[st] partir|tension (?:chute|baisse|basse)|chute de tension|malaise"
            r"|etouff\w*|tete qui tourne)"
            r"|\b(?:siffl\w*|respir\w* (?:mal|plus|difficilement)|du mal a (?:respirer|avaler)|gorge (?:serree"
            r"|qui serre"
            r"|qui se ferme|se ferme)|malaise)\b.{0,80}\b(?:urticaire|plaques partout|boutons partout|gonfl\w*"
            r"|enfl\w*)",
            state=True,
            follow_up=False,
            unless=r"\b(?:abces|dent|dents|dentaire|angine|oreillons|ganglions?|chevilles?|pieds?|jambes?|genoux?"
            r"|ventre|rhume|sinusite|nez|asthme)\b",
        ),
        Rule(
            "allergy_plus_sign",
            rf"\b(?:allergi\w*|reaction (?:a|au|aux|allergique)|piqu(?:e|ee|ure|er|es)|{_ALLERGEN})\b.{{0,100}}"
            r"\b(?:gonfl\w*|enfl\w*|urticaire|plaques|boutons partout|respir\w* (?:mal|plus|pas|fort|difficilement"
            r"|bizarrement)|du mal a (?:respirer|avaler)|siffl\w*|gorge (?:serree|qui serre|qui gratte)"
            r"|voix (?:\w+ ){0,2}(?:eteint|disparait)|voix (?:rauque"
            r"|qui change|cassee)|malaise|tete qui tourne|(?:se )?sen[st] partir|tension (?:chute|baisse|basse)"
            r"|chute de tension|etouff\w*)",
            state=True,
            unless=r"\b(?:renouvel\w*|ordonnance|rhinite|pollens?|foin|tests?|moustiques?|angine|acariens?|poils?"
            r"|saisonniere|printemps|desensibilisation|chaque annee|eczema|alimentaire)\b",
        ),
        Rule(
            "airway_enlarged",
            r"\b(?:gorge|langue|levres?|visage|bouche|paupieres?|yeux)(?: \w+){0,2} (?:tout |toute "
            r"|toutes )?(?:grosses?"
            r"|enormes?|boursoufl\w*)\b|\byeux (?:qui )?se ferment (?:\w+ ){0,2}(?:gonfl|enfl)\w*"
            r"|\b(?:urticaire|plaques|cloques|boutons)\b.{0,60}\b(?:voix (?:\w+ )?(?:rauque|change|cassee|etouffee)"
            r"|tousse\w* sans|sans pouvoir respirer|gorge (?:qui )?(?:serre|gratte|pique|se ferme))"
            r"|\b(?:plaques|cloques|boutons) (?:\w+ )?partout\b.{0,60}\b(?:apres|depuis) (?:un|une|le|la|son|sa|ses"
            r"|des)"
            r" (?:medicament|antibiotique|piqure|cachet|comprime|gateau|repas|noix|crevettes|fruits de mer)",
            state=True,
            unless=r"\b(?:abces|dent|dents|dentaire|sagesse|angine|oreillons|ganglions?|conjonctivite|orgelet|fatigue"
            r"|pleure\w*|rhume|coup)\b",
        ),
        Rule(
            "allergic_reaction_strong",
            r"\b(?:urticaire|plaques|cloques|boutons)\b.{0,60}\bvoix(?: \w+){0,2} (?:rauque|change|cassee|etouffee)"
            rf"|\b{_ALLERGEN}\b.{{0,80}}\b(?:reaction|crise) (?:tres )?(?:enorme|grave|severe|violente|forte"
            r"|impressionnante|terrible)|\b(?:enorme|grosse|grave|violente) reaction\b.{0,80}\b(?:piqu\w*|allerg\w*"
            r"|mange|apres)",
            state=True,
            unless=r"\b(?:renouvel\w*|ordonnance|tests?|pollens?|acariens?)\b",
        ),
        Rule(
            "known_allergy_exposed",
            rf"\ballergi\w*\b.{{0,60}}\b(?:mange|avale|bu|pris)\w*(?: \w+){{0,4}} {_ALLERGEN}\b"
            r"|\ballergique\b.{0,60}\b(?:en a (?:mange|bu|pris|avale)|en ai (?:mange|bu|pris|avale)|par erreur"
            r"|viens? de (?:me |se |m |s )?(?:faire piquer|manger|prendre|boire|avaler)"
            r"|vient de (?:se )?(?:faire piquer"
            r"|manger|prendre|boire|avaler))"
            r"|\b(?:viens? de|vient de) (?:me |se )?faire piquer\b.{0,60}\ballergique",
            state=True,
            unless=r"\b(?:un peu|petite rougeur|rien de grave|va bien|tests?)\b",
        ),
        Rule(
            "oedema_face",
            r"\boedemes?\b(?: \w+){0,3} (?:visage|levres?|langue|gorge|face|yeux|paupieres?|bouche|cou)\b",
            state=True,
            follow_up=False,
            unless=r"\b(?:chevilles?|jambes?|pieds?|dent\w*)\b",
        ),
    ),
    EmergencyCategory.POISONING_OVERDOSE: (
        Rule(
            "swallowed_toxic",
            r"\b(?:avale|avalee|avales|avaler|avalait|bu|bue|bois|boit|boire|mange|mangee|ingere|ingeree|ingurgite|gobe"
            r"|gobee|pris une gorgee d|pris une gorgee de"
            rf"|croque|lechee?|mis dans (?:la|sa) bouche)\b(?: \w+){{0,4}} {_TOXICS}\b"
            rf"|\b{_TOXICS}\b(?: \w+){{0,6}} (?:dans (?:la|sa) bouche|croque\w*|avale\w*|bu|lech\w*)\b"
            r"|\bchampignons?\b.{0,80}\b(?:ramass\w*|cueilli\w*|foret|sauvages?|toxiques?|veneneu\w*|vomi\w*|malades?"
            r"|trouv\w*|parc|pre|bois|inconnus?|hallucin\w*|delire\w*"
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
            r"|\b(?:overdose|surdose|surdosage)\b|\b(?:fait|fais) une od\b|\bintoxi\w+|\bintox\b|\bempoisonn\w+"
            r"|\bmonoxyde\b|\b(?:mordu|morsure|pique|piqure) (?:\w+ ){0,2}(?:vipere|serpent|scorpion)",
            state=True,
            unless=r"\b(?:alimentaire|nourriture|restaurant|fruits de mer|huitres)\b",
        ),
        Rule(
            "overdose_amount",
            r"\b(?:pris|prise|prises|avale|avalee|avales|ingere|ingeree|bu|injecte|gobe)(?: \w+){0,3} (?:une boite"
            r"|une plaquette"
            r"|un flacon|une bouteille|des dizaines|une (?:dizaine|quinzaine|vingtaine|trentaine|quarantaine"
            r"|cinquantaine"
            r"|centaine|douzaine)|(?:[5-9]|[1-9]\d+)|(?:cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|trente|quarante"
            r"|cinquante|cent)\b(?: \w+)?|plein|plusieurs|toute? (?:la|une|sa|ma|leur)|tous (?:les|ses|mes))"
            rf"(?: \w+){{0,3}} (?:de |d )?{_DRUGS}\b"
            r"|\b(?:pris|prise|avale|avalee|donne|injecte|mis)(?: \w+){0,3} (?:le double|le triple|deux fois|trois fois"
            r"|quatre fois|double dose|une double dose|dose double|(?:deux|plusieurs) fois (?:la|sa|son|ses|leur|ma|mon"
            r"|mes) (?:dose|traitement|medicaments?|comprimes|cachets|insuline)|deux fois de suite|deux fois d affilee"
            r"|deux fois par erreur)\b"
            r"|\b(?:pris|prise|avale|avalee|ingere|bu)(?: \w+){0,2} (?:deux|trois|quatre|plusieurs|\d+) (?:plaquettes"
            r"|boites|flacons|tubes)\b"
            r"|\b(?:trompe|trompee|erreur)\w* (?:de|dans|sur) (?:ses |mes |les |son |sa |ma |la )?(?:medicaments?"
            r"|doses?"
            r"|traitement|cachets|comprimes|pilules|insuline|dosage|posologie)",
            state=True,
            follow_up=False,
            unless=r"\b(?:ordonnance|renouvel\w*|pharmacie|comme prescrit|prescrit\w*)\b",
        ),
        Rule(
            "drugs_with_alcohol",
            rf"\b(?:{_DRUGS}|{_STREET_DRUGS})\b(?: \w+){{0,8}} (?:avec|et|plus|apres)(?: \w+){{0,3}} {_ALCOHOL}\b"
            rf"|\b{_ALCOHOL}\b(?: \w+){{0,8}} (?:avec|et|plus|apres)(?: \w+){{0,3}} (?:{_DRUGS}|{_STREET_DRUGS})\b"
            rf"|\btrop bu\b.{{0,60}}\b(?:pris|avale|prend)\w*(?: \w+){{0,3}} (?:{_DRUGS}|{_STREET_DRUGS})"
            r"|\bcoma (?:ethylique|alcoolique)|\balcoolisation (?:massive|aigue)|\bivre mort\w*"
            rf"|\b(?:bu|avale|descendu|siffle)(?: \w+){{0,2}} (?:une|deux|trois|toute la|toute une) bouteilles?"
            r"(?: entiere)? (?:de|d) (?:vodka|whisky|rhum|gin|tequila|pastis|cognac|alcool\w*)",
            state=True,
            unless=r"\b(?:peux|peut|puis je|est ce que|compatible|interactions?|ordonnance|renouvel\w*)\b",
        ),
        Rule(
            "street_drugs",
            r"\b(?:a|ai|as|avons|avez|ont|avait|aurait|est|s est|me suis|se sont)(?: \w+)? (?:pris|prise|avale|avalee"
            r"|sniffe|snife|fume|injecte|consomme|bu|gobe|tape|inhale|respire|mange)\w*"
            rf"(?: \w+){{0,4}} (?:de la |du |de l |des |un |une |d |trop de |beaucoup de )?{_STREET_DRUGS}\b"
            r"|\bbad trip\b|\b(?:sniffe|snife|inhale|respire)\w* (?:de la |du |des )?(?:colle|essence|solvant|gaz"
            r"|protoxyde|ballons?)",
            state=True,
            unless=r"\b(?:depuis|regulierement|souvent|de temps en temps|parfois|arreter|sevrage|addiction|dependance"
            r"|consommation|addicto\w*|tous les jours|le week end)\b",
        ),
        Rule(
            "carbon_monoxide",
            rf"\b{_HOUSEHOLD}\b.{{0,80}}\b(?:mal a la tete|maux de tete|migraines?|vertiges?|nausees?|envie de vomir)"
            rf"|\b(?:mal a la tete|maux de tete|migraines?|vertiges?|nausees?|vomi\w*|malaise|endormi\w*)\b.{{0,80}}"
            rf"\b{_HEATING}\b|\b{_HEATING}\b.{{0,80}}\b(?:mal a la tete|maux de tete|migraines?|vertiges?"
            r"|nausees?|vomi\w*|malaise|evanou\w*|endormi\w*)",
            state=True,
            unless=r"\b(?:gastro|grippe|covid|rhume|angine|epidemie|virus)\b",
        ),
        Rule(
            "child_swallowed",
            rf"\b{_CHILD}\b(?: \w+){{0,6}} (?:avale|avalee|mange|mangee|bu|croque|lech\w*|mis dans (?:la|sa) bouche"
            r"|suce|sucee|mordille|mordu"
            rf"|goute|machouille|trouve)\w*(?: \w+){{0,7}} (?:{_DRUGS}|{_TOXICS}|{_STREET_DRUGS}|plantes?|feuilles?"
            r"|une pile|un aimant)\b"
            rf"|\b{_CHILD}\b(?: \w+){{0,6}} avale\w* (?:quelque chose|un objet|une piece|un truc)",
            state=True,
            unless=r"\bde travers\b|\bva (?:tres |tout a fait )?bien\b|\bmais ca va\b",
        ),
        Rule(
            "overdose_wide",
            r"\b(?:pris|prise|avale|avalee|fait|injecte)(?: \w+){0,2} (?:tout (?:son|mon|le|un)|toute? (?:sa|ma|la)"
            rf"|trop (?:de |d )?)(?: \w+){{0,2}} ?{_DRUGS}\b"
            r"|\b(?:pris|avale|gobe|bu)\w* (?:un truc|quelque chose|une pilule|un cachet|un produit|un comprime"
            r"|des pilules|des cachets|des comprimes|des trucs|des produits|des gelules)\b"
            r".{0,40}\b(?:soiree|fete|boite|festival|rave|bar)|\b(?:soiree|fete|boite|festival|rave)\b.{0,40}\b(?:pris"
            r"|avale|gobe) (?:un truc|quelque chose|une pilule|un cachet)"
            r"|\bdrogu\w* (?:a son insu|dans (?:son|mon) verre)|\bmis quelque chose dans (?:son|mon) verre",
            state=True,
            follow_up=False,
            unless=r"\b(?:ordonnance|renouvel\w*|pharmacie)\b",
        ),
        Rule(
            "toxic_fumes",
            r"\b(?:respire|inhale|inspire)\w* (?:des |les |de la |du )?(?:vapeurs|fumees?|emanations)"
            r"|\b(?:vapeurs?|fumees?|emanations?) (?:toxiques?|de (?:produits?|javel|chlore|acide|ammoniaque|peinture"
            r"|solvant|gaz))|\bmelange\w* (?:de la |de l )?(?:javel|eau de javel) (?:et|avec)",
            state=True,
            follow_up=False,
        ),
        Rule(
            "ingested_wrong_or_too_much",
            r"\b(?:bu|avale|avalee|goute|ingere)\b(?: \w+){0,5} produits?\b(?! laitiers?| bio| frais)"
            rf"|\b(?:pris|avale|avalee|mange|mangee)\w* (?:les |des |ses )?{_DRUGS} (?:de|d|du) (?:sa|son|ma|mon|la"
            rf"|le|l"
            r"|un|une|quelqu un)\b(?! (?:medecin|docteur|traitement|pharmacie))"
            r"|\b(?:dose|quantite) (?:enorme|massive|importante|excessive|de cheval|mortelle|letale|toxique)"
            r"|\b(?:enorme|grosse|forte|double)"
            r" (?:dose|quantite) (?:de |d )"
            r"|\b(?:avale|bu|mange|pris|ingere)\w*\b.{0,60}\b(?:un|une|le|la|tout le|toute la) (?:tube|flacon|boite"
            r"|plaquette|bouteille|pot) (?:entier|entiere|complet|complete)",
            state=True,
            follow_up=False,
            unless=r"\b(?:ordonnance|renouvel\w*|prescrit\w*|comme prescrit)\b",
        ),
        Rule(
            "by_mistake_or_wrong_dose",
            r"\b(?:avale|avalee|pris|prise|bu|mange|mangee|ingere|ingeree|donne)\w*(?: \w+){0,4} par erreur\b"
            r"|\b(?:mauvais|mauvaise) (?:medicament|dose|sirop|flacon|traitement)|\bdose (?:d adulte|pour adulte)"
            r"|\b(?:dix|10|cinq|5) fois la dose|\bingestion\b"
            r"|\b(?:baies|champignons|plantes?|feuilles)\b.{0,60}\b(?:en a|en ont|en ai) (?:mange|avale|croque|goute)",
            state=True,
            follow_up=False,
            unless=r"\bde travers\b|\bva (?:tres )?bien\b|\b(?:rendez vous|ordonnance|pharmacie|facture|numero)\b",
        ),
        Rule(
            "drugged",
            r"\b(?:ete|a ete|est|suis|etre) drogue\w*|\bdrogue\w* (?:en soiree|a son insu|a mon insu)",
            state=True,
        ),
        Rule(
            "child_opened_container",
            rf"\b{_CHILD}\b.{{0,60}}\bouvert (?:le|la|un|une) (?:flacon|bouteille|boite|tube|pot|bidon)\b.{{0,40}}"
            r"\b(?:bu|avale\w*|mange\w*|croque\w*|lech\w*)",
            state=True,
        ),
        Rule(
            "all_at_once",
            rf"\b{_DRUGS}\b.{{0,20}}\b(?:tous|toutes|toute la boite|toute la plaquette) (?:d un coup|en une fois"
            rf"|a la fois)",
            negatable=False,
            state=True,
        ),
    ),
    EmergencyCategory.SUICIDAL: (
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
        Rule(
            "self_harm_intent",
            rf"\b{_INTENT}(?: (?!pas\b|jamais\b|plus\b)\w+){{0,2}} {_SELF_HARM}\b"
            r"(?! de\b| d\b| avec (?!la vie|tout\b|ma vie|sa vie)| (?:a la tache|au travail|au boulot|a force))"
            r"|\b(?:me|se) laisse mourir\b|\bpensee?s? (?:de|a la) mort\b|\bidees? de (?:mort|suicide)"
            r"|\bpense\w* (?:sans cesse |tout le temps |souvent |beaucoup |qu )?a (?:la mort|ma mort|sa mort|mourir)\b"
            r"|\bobsede\w* par la mort|\b(?:mettre|mette) (?:fin|un terme) a (?:tout|tout ca|ma vie|sa vie|mes jours"
            r"|ses jours|mon existence|son existence)|\bque tout (?:s arrete|se termine|finisse|soit fini)"
            r"|\b(?:envie de|veux|veut|vais|va) tout arreter\b(?! (?:les|mes|ses|de|d|le|la|du|des|pour|mon|ma|son|sa))"
            r"|\b(?:dormir|m endormir|s endormir) (?:pour toujours|a jamais|pour de bon|et ne (?:jamais|plus)"
            r" (?:me |se )?reveiller)|\bne plus (?:me|se) reveiller\b|\bsommeil eternel"
            r"|\brejoindre\b(?: \w+){0,3} (?:au ciel|la haut|de l autre cote)",
            state=True,
            unless=r"\b(?:faim|soif|rire|froid|chaud|ennui|fatigue|honte|chaleur|trouille|envie de (?:dormir|manger))\b"
            r"|\bfaire (?:du )?mal (?:au|a)\b|\b(?:va|vont|veut|allait|voulait|voudrait) (?:me|m) (?:tuer|faire)\b",
        ),
        Rule(
            "no_reason_to_live",
            r"\b(?:plus|pas|aucun|aucune|vois pas|vois plus|vois aucun)(?: \w+){0,2} (?:interet|sens|raisons?|but"
            r"|envie|gout) (?:a|de|d) (?:vivre|continuer|la vie|ma vie|exister)\b(?! (?:le|la|les|ce|mon|ma|mes|a|au))"
            r"|\b(?:plus|pas) (?:la force|le courage|l energie) de (?:continuer|me battre|lutter|tenir)\b(?! (?:le|la"
            r"|les|ce|mon|ma|mes|a|au))"
            r"|\b(?:mieux|plus simple|plus facile)(?: pour \w+)? (?:si|quand|sans) (?:je|j|moi)\b(?: \w+){0,4}"
            r" (?:plus la|mort|morte|disparai\w*|partai\w*|existais plus)"
            r"|\b(?:un|une) (?:fardeau|poids|charge) pour (?:tout le monde|les autres|ma famille|mes proches|eux"
            r"|mes enfants)",
            negatable=False,
        ),
        Rule(
            "suicide_plan_or_act",
            r"\badieux\b|\b(?:message|lettre|mot|texto|sms|mail|video) d adieu|\b(?:dit|dire|fait|faire) (?:ses "
            r"|mes )?adieux?"
            r"|\bune corde\b(?! (?:a sauter|a linge|vocale))|\bcorde (?:au|autour du) cou"
            r"|\b(?:fusil|pistolet|revolver|arme a feu|carabine)\b|\b(?:avec|sorti|pris|prendre|a) (?:une|son|sa"
            r"|mon) arme\b"
            r"|\b(?:suis|est|trouve|debout|assise?|monte|montee)(?: \w+){0,2} (?:sur|au bord d(?:u|e la)"
            r"|en haut d(?:u|e la)"
            r"|sur le rebord d(?:u|e la)) (?:le |la |l )?(?:pont|falaise|voie ferree|voies|rails|parapet|vide|toit"
            r"|rebord de la fenetre|fenetre)\b"
            r"|\b(?:fait|fais|faire|refait) une tentative\b(?! d)|\btentative\b(?= .{0,40}\b(?:pendre|pendaison"
            r"|veines|medicaments|cachets|sauter))"
            r"|\bscarifi\w*|\bautomutil\w*|\bauto mutil\w*|\bse mutile|\bse taillade"
            r"|\b(?:coupe|ouvert|taillade|entaille|tranche)\w* (?:les|ses|mes) (?:veines|poignets)"
            r"|\b(?:se|me) (?:coupe|blesse|brule|frappe) (?:expres|volontairement|pour (?:se|me) faire mal)"
            r"|\bs est pendue?\b|\bpendaison|\bse pend\b|\btrouve\w* pendue?\b"
            r"|\b(?:tout|j ai) prepare\b.{0,80}\b(?:partir|mourir|en finir|corde|cachets|medicaments|lettre|adieu)"
            r"|\b(?:vais|va|veux|veut|envie de|pense a|prete? a|parle de|menace de|sur le point de) (?:tout )?"
            r"(?:prendre|avaler) (?:tous|toutes|toute la"
            r"|toute ma|toute sa|la boite|une boite|toute une|tout le|tout mon|tout son)",
            state=True,
            unless=r"\bfusil (?:de chasse )?(?:pour|a) (?:la chasse)|\bcorde a\b",
        ),
        Rule(
            "suicide_plan_wide",
            rf"\b(?:me|se) mettre sous (?:le|un|une|les) (?:train|camion|voiture|bus|metro|tram|roues)"
            r"|\bau bord (?:du|de la|des|d un|d une) (?:pont|falaise|voies?|quai|vide|precipice|toit|fenetre)"
            r"|\bsur les (?:voies|rails)\b|\b(?:veut|veux|envie de|aller|partir|va|vais) rejoindre (?:papa|maman|mon"
            r"|ma|son|sa|ses"
            r"|mes)"
            rf"|\b{_DRUGS}\b(?: \w+){{0,3}} devant (?:moi|lui|elle)|\b(?:vais|va|veux|veut) (?:tous |toutes |tout )?"
            r"(?:les )?(?:prendre|avaler) (?:tous|toutes|d un coup|en meme temps)\b|\b(?:vais|va) tout (?:prendre"
            r"|avaler)"
            r"|\b(?:vide|sorti|aligne|prepare)\w* (?:toutes |tous )?(?:ses|mes|les) (?:boites|cachets|medicaments"
            r"|comprimes|pilules)\b.{0,40}\b(?:table|lit|devant)"
            r"|\b(?:reverr\w*|reverra\w*) (?:plus|jamais)|\bau revoir pour (?:toujours|de bon)"
            r"|\b(?:moteur|voiture) (?:allume|qui tourne|en marche)\b.{0,40}\bgarage|\bgarage\b.{0,40}\b(?:voiture"
            r"|moteur) (?:qui tourne|allume\w*|en marche)|\bgarage\b.{0,40}\bmoteur (?:allume"
            r"|qui tourne)"
            r"|\bprepare\w* (?:\w+ ){0,2}de quoi (?:partir|mourir|en finir)|\bc est la fin\b.{0,40}\b(?:vais|veux)"
            r"|\bplus envie de rien\b.{0,60}\b(?:partir|prepare|adieu|cachets|mourir)",
            negatable=False,
            state=True,
        ),
        Rule(
            "suicide_signals",
            r"\b(?:vais|va|veux|veut|allait|allais|voulait|menace de|peur de|envie de|pourrais|risque de|capable de)"
            r" faire (?:une|des|un) (?:grosse )?"
            r"(?:betises?|conneries?|folies?|truc (?:grave|definitif))|\bfaire quelque chose de (?:grave|definitif"
            r"|irreparable)|\b(?:veux|veut|voudrais|envie) (?:juste |seulement |simplement )?que (?:ca|tout)"
            r" (?:s arrete|se termine|finisse|cesse)|\b(?:vois|sais) (?:pas|plus) comment (?:continuer|vivre|tenir)"
            rf"|\b(?:lames?(?: de rasoir)?|rasoir|cutter|corde|{_DRUGS}|fusil|arme)\b(?: \w+){{0,3}} (?:devant (?:moi"
            r"|lui|elle)|dans (?:ma|sa) main|a cote de (?:moi|lui|elle)|sur (?:moi|lui|elle))"
            r"|\bpour (?:mourir|en finir|(?:ne plus|plus|ne jamais) (?:me|se) reveiller|(?:me|se) tuer|partir pour"
            r" (?:toujours|de bon)|disparaitre|que (?:ca|tout) s arrete)\b"
            r"|\b(?:peux|peut|pouvons) plus de vivre|\b(?:fatigue\w*|las|lasse) de vivre|\bmarre de (?:tout|vivre)\b"
            r".{0,60}\b(?:vais|veux|envie)"
            r"|\b(?:volontairement|expres|pour (?:me|se) faire mal|pour (?:me|se) punir)\b.{0,60}\b(?:coup\w*|plant\w*"
            r"|poignard\w*"
            r"|entaill\w*"
            r"|brul\w*|frapp\w*|scarifi\w*|taillad\w*|blesse\w*)|\b(?:coup\w*|entaill\w*|brul\w*|taillad\w*|scarifi\w*"
            r"|blesse\w*)\b.{0,40}\b(?:volontairement|expres|pour (?:me|se) faire mal)"
            r"|\b(?:me|se|m|s) (?:suis |est )?(?:coupe|entaille|taillade|scarifie|lacere)\w* (?:les|ses|mes) (?:bras"
            r"|cuisses|poignets|avant bras|veines)",
            negatable=False,
            state=True,
            unless=r"\bpour (?:mourir|tuer) (?:de|d)\b",
        ),
        Rule(
            "suicide_method_or_farewell",
            r"\b(?:maniere|moyen|facon|comment) (?:de )?(?:me|se|m|s) (?:tuer|suicider|pendre|supprimer"
            r"|foutre en l air)"
            r"|\bcomment (?:mourir|en finir)\b|\bfoncer (?:dans|contre) (?:un|une|le|la) (?:mur|arbre|platane|pilier"
            r"|poteau)|\b(?:je|elle|il) (?:ne )?(?:serait|sera|serai|serais) plus la (?:demain|ce soir|bientot"
            r"|pour longtemps|pour personne)",
            negatable=False,
            state=True,
            unless=r"\b(?:rendez vous|annuler|vacances|cabinet|docteur|medecin|conge|deplacement)\b",
        ),
        Rule(
            "suicide_preparation",
            rf"\b(?:mis de cote|stocke\w*|accumule\w*|amasse\w*|economise\w*) (?:tous |toutes )?(?:des |mes |ses "
            rf"|les )?"
            rf"{_DRUGS}|\bla vie ne vaut (?:plus|pas) la peine|\bvaut (?:plus|pas) la peine d etre vecue"
            r"|\b(?:achete|trouve|procure|cache)\w* (?:une|un) (?:arme|fusil|pistolet|revolver)\b|\bune arme\b",
            negatable=False,
            state=True,
            unless=r"\b(?:permis|chasse|club de tir|armee|militaire)\b",
        ),
        Rule(
            "suicide_hopeless_or_farewell",
            r"\b(?:vais|va|veux|veut|envie d|pense a) (?:avaler|prendre) tout ce (?:que|qu)"
            r"|\b(?:mieux|plus heureux|plus heureuse|plus tranquilles?|soulages?) sans moi\b"
            r"|\b(?:raisons?|envie|force) de (?:rester en vie|vivre encore)|\bvie (?:n a|a) (?:plus|pas"
            r"|aucun) (?:de )?sens"
            r"|\ba quoi bon (?:vivre|continuer)|\b(?:vois|trouve) (?:plus|pas|aucune) (?:d )?(?:issue|autre issue)"
            r"|\blaisse\w* (?:un mot|une lettre)\b|\b(?:dire|dit|fait) (?:au revoir|ses adieux) (?:a tout le monde"
            r"|a (?:mes"
            r"|ses) (?:enfants|proches|parents))|\bdonne\w* (?:toutes )?(?:ses|mes) affaires"
            r"|\benferme\w*\b.{0,60}\b(?:arme|fusil|corde|medicaments|cachets|couteau|lames?)\b"
            r"|\b(?:arme|fusil|corde|couteau|lames?)\b.{0,60}\benferme\w*"
            rf"|\bfait une (?:betise|connerie)\b.{{0,60}}\b{_DRUGS}|\b{_DRUGS}\b.{{0,60}}\bfait une (?:betise"
            rf"|connerie)",
            negatable=False,
            state=True,
            unless=r"\b(?:rendez vous|secretariat|repondeur)\b",
        ),
        Rule(
            "suicide_timing_or_wounds",
            r"\btout (?:organise|prevu|prepare|planifie|regle)\b.{0,30}\b(?:ce soir|cette nuit|pour partir"
            r"|pour en finir"
            r"|pour mourir)|\b(?:vais|va) pas rester (?:longtemps|en vie)|\bplus (?:pour )?longtemps (?:sur cette terre"
            r"|de ce monde|parmi vous)|\b(?:poignets?|avant bras|veines)\b.{0,20}\b(?:en sang|ensanglante\w*"
            r"|taillade\w*)"
            r"|\bplus rien a perdre\b|\b(?:mettre|mis|met) (?:de l ordre dans (?:mes|ses) affaires"
            r"|(?:mes|ses) affaires en ordre)\b"
            r"|\btestament\b.{0,60}\b(?:partir|rejoindre|mourir|adieu|en finir)"
            r"|\b(?:plus|pas)(?: \w+){0,2} continuer a vivre|\ben finir une bonne fois",
            negatable=False,
            state=True,
        ),
        Rule(
            "weary_of_living",
            r"\b(?:assez|marre|ras le bol|fatigue\w*|epuise\w*) de (?:vivre|la vie|cette vie|exister)\b"
            r"|\b(?:plant\w*|enfonc\w*) (?:un|le|mon|son) couteau\b.{0,40}\b(?:expres|volontairement)"
            r"|\b(?:expres|volontairement)\b.{0,40}\b(?:plant\w*|enfonc\w*) (?:un|le|mon|son) couteau",
            negatable=False,
            state=True,
        ),
    ),
    EmergencyCategory.OBSTETRIC_BLEEDING: (
        Rule(
            "pregnant_bleeding",
            rf"\b{_PREGNANT}\b(?: \w+){{0,14}} (?:saign\w*|{_LOSING_BLOOD}|pertes? (?:de sang|rouges?"
            r"|sanglantes?)|hemorragie|du sang|caillots?)\b"
            rf"|\b(?:saign\w*|{_LOSING_BLOOD}|hemorragie|caillots?)\b(?: \w+){{0,10}} {_PREGNANT}\b",
            state=True,
            unless=r"\b(?:premiere|precedente|derniere|ancienne|autre) grossesse|\bprise de sang|\bdon du sang"
            r"|\b(?:pas de|sans|aucun|ni|pas du tout de) (?:saignements?|sang|pertes?)\b|\bse passe bien",
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
        Rule(
            "pregnancy_danger",
            rf"\b{_PREGNANT}\b(?: \w+){{0,14}} (?:ventre (?:tres |tout )?dur|pertes? (?:de liquide|marron|brunes?)"
            r"|liquide qui coule|sens plus (?:le|mon|son) bebe|bebe (?:ne )?bouge (?:plus|pas)|contractions? (?:toutes"
            r"|rapprochees|tres fortes|violentes)|vois des (?:taches|etoiles|mouches|points)|(?:mal a la tete"
            r"|maux de tete)"
            r" (?:violent|tres fort|terrible)|tension (?:tres )?(?:haute|elevee)|convuls\w*|perds? les eaux|perte des"
            r" eaux|poche des eaux|tomb\w* (?:sur le ventre|dans les escaliers)|coup dans le ventre)"
            r"|\b(?:pre )?eclampsie\b|\b(?:je|elle) (?:perds|perd|suis en train de perdre|est en train de perdre)"
            r" (?:le|mon|son|notre) bebe\b|\bhemorragie (?:de la )?(?:delivrance|post partum)",
            state=True,
            unless=r"\b(?:premiere|precedente|derniere|ancienne|autre) grossesse|\bprise de sang",
        ),
        Rule(
            "pregnancy_pain_or_postpartum",
            rf"\b{_PREGNANT}\b.{{0,100}}\b(?:douleur de fou|douleurs? (?:violentes?|atroces?|intenses?|insupportables?"
            r"|terribles?|horribles?|d un cote|a l epaule)|mal au ventre comme jamais|(?:tres|trop|super) mal au ventre"
            r"|tete qui tourne|malaise|(?:me|se) sen[st] (?:tomber|partir|mal)|vais tomber|coule|serviettes?|caillots?"
            r"|saign\w*|sang)"
            r"|\baccouch\w*\b.{0,80}\b(?:coule|serviettes?|caillots?|saign\w*|sang|hemorragie)",
            state=True,
            unless=r"\b(?:premiere|precedente|derniere|ancienne|autre) grossesse|\bprise de sang|\bse passe bien"
            r"|\b(?:pas de|sans|aucun|ni) (?:saignement|sang|douleur)",
        ),
        Rule(
            "baby_not_moving",
            r"\b(?:sens|sent) (?:plus|pas) (?:bouger )?(?:le|mon|son|notre) bebe(?: bouger)?|\bsens plus bouger"
            rf"|\b{_PREGNANT}\b.{{0,60}}\b(?:bouge plus|bouge pas depuis|plus de mouvements)",
            negatable=False,
            state=True,
        ),
    ),
    EmergencyCategory.SEIZURE: (
        Rule(
            "convulsions",
            r"\bconvuls\w*|\bcrise (?:d epilepsie|epileptique|convulsive|tonico\w*|de convulsions?|d epi)\b"
            r"|\bepilep\w*(?: \w+){0,8} (?:fait|fais|faire|en) (?:une |sa )?crise\b"
            r"|\bepilep\w*(?: \w+){0,10} (?:en )?(?:refait|refais|refaire|fait|fais) une\b"
            r"|\b(?:fait|fais|faire|en train de faire|en pleine) (?:une )?crise\b(?: \w+){0,6} epilep\w*"
            r"|\bcrise\b(?! d angoisse| de panique| de nerfs| de colere| de larmes| de rire| de foie| d asthme)"
            r"(?: \w+){0,14} (?:trembl\w*|secou\w*|bave|raide|raidi\w*|yeux (?:revuls\w*|qui)|mousse|ecume"
            r"|se mord)"
            r"|\bcrise\b(?: \w+){0,10} (?:en )?(?:refait|refais|recommence)\w*|\benchaine\w* (?:les |des )?(?:crises"
            r"|convulsions)",
        ),
        Rule(
            "seizure_signs",
            r"\byeux (?:qui se )?revuls\w*|\byeux (?:tournes|retournes|blancs)\b|\b(?:bave|ecume|mousse) (?:aux|a la)"
            r" (?:levres|bouche)|\bse (?:mord|mordu) la langue|\bmordu la langue|\bsecousses? (?:dans tout le corps"
            r"|de partout|dans les bras)|\b(?:raide|raidi\w*) et (?:tremble|secou\w*|bave)|\bmouvements? saccades?"
            r"|\b(?:regard|yeux) (?:fixes?|dans le vide)\b(?= .{0,60}\b(?:trembl|tressa|secou|ne repond|repond plus"
            r"|reagit|convuls|bave|raide))|\btressaill\w*"
            r"|\bfait des secousses|\b(?:tremble|secoue|gigote) de (?:partout|tout son corps"
            r"|tous ses membres)(?: \w+){0,5} (?:bave|repond"
            r"|reagit|yeux|raide)",
            state=True,
            unless=r"\ben (?:mangeant|machant|parlant|mastiquant)\b",
        ),
        Rule(
            "seizure_wide",
            r"\b(?:raide|raidi\w*|rigide|crispe\w*)\b(?: \w+){0,4} (?:trembl\w*|secou\w*|convuls\w*|spasm\w*|bave"
            r"|saccad\w*|gigot\w*)|\b(?:trembl\w*|secou\w*|spasm\w*|gigot\w*)(?: \w+){0,4} (?:raide|rigide|yeux"
            r"|bave|ecume|ne repond|reagit|repond plus)|\b(?:se )?secou\w* dans tous les sens|\bspasmes? (?:partout"
            r"|dans tout le corps|de tout le corps|incontrol\w*)|\btremblements? (?:incontrol\w*|de tout le corps"
            r"|violents)|\b(?:par terre|au sol)\b(?: \w+){0,4} (?:trembl\w*|secou\w*|gigot\w*|convuls\w*|spasm\w*)"
            r"|\byeux (?:qui )?(?:partent|roulent|tournent|montent) (?:en arriere|vers le haut|dans tous les sens)"
            r"|\byeux blancs\b|\bbave (?:de partout|et tremble)|\bmousse (?:blanche )?(?:aux|a la|sur la) (?:bouche"
            r"|levres)",
            state=True,
            unless=r"\b(?:froid|fievre|frissons?|grelott\w*|parkinson|essentiel|stress|angoisse)\b",
        ),
        Rule(
            "seizure_combo",
            r"\b(?:raide|raidi\w*|rigide|crispe\w*)\b.{0,60}\b(?:trembl\w*|secou\w*|convuls\w*|spasm\w*|bave"
            r"|saccad\w*|gigot\w*|tressaut\w*)|\b(?:trembl\w*|secou\w*|spasm\w*|gigot\w*|tressaut\w*)\b.{0,60}"
            r"\b(?:raide|rigide|bave|ecume|ne repond|reagit plus|repond plus|yeux (?:blancs|revuls\w*|tout blancs))"
            r"|\bgigot\w* dans tous les sens|\b(?:bras|jambes|membres|corps) qui (?:tressaut\w*|sursaut\w*|se secou\w*)"
            r"|\btressaut\w*|\bsoubresauts?|\bse tord\b.{0,40}\byeux|\byeux (?:tout |tous )?blancs"
            r"|\bmachoire serree\b.{0,40}\bbave|\bcrise\b.{0,40}\b(?:s arrete (?:pas|plus)|ne s arrete|dure depuis"
            r"|ca fait (?:\w+ ){0,2}(?:minutes|quart d heure)|plus de (?:\w+ )?minutes)",
            state=True,
            unless=r"\b(?:froid|frissons?|grelott\w*|parkinson|stress|angoisse|panique|rire|colere)\b",
        ),
        Rule(
            "seizure_rigid_jerks",
            r"\b(?:raide|raidi\w*|rigide)\b.{0,60}\b(?:tap\w*|bouge dans tous les sens|agite\w*|claque\w*)"
            r"|\b(?:bras|jambes|membres) (?:qui )?(?:tapent|battent|claquent) (?:par terre|partout|dans tous les sens)",
            state=True,
            unless=r"\b(?:froid|frissons?|grelott\w*|colere|caprice)\b",
        ),
        Rule(
            "limbs_stiffen",
            r"\b(?:bras|jambes|membres|corps)(?: \w+){0,4} (?:se raidi\w*|raides?|se crispent|se tendent)\b"
            r"|\bsecou\w* (?:de|par des) (?:spasmes|convulsions|tremblements|secousses)",
            state=True,
            unless=r"\b(?:froid|courbatures?|sport|crampes?|matin|reveil)\b",
        ),
        Rule(
            "seized_by_jerks",
            r"\bpris\w* de (?:secousses|convulsions|tremblements incontrol\w*|spasmes)",
            state=True,
        ),
    ),
    EmergencyCategory.STROKE: (
        Rule(
            "stroke_named",
            r"(?<!\bles )(?<!\bdes )\b(?:avc|a v c|accident vasculaire(?: cerebral)?|accident cerebral"
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
            r"|\bparalys\w*(?: \w+){0,4} (?:visage|bouche|cote|bras|jambe|moitie|figure)\b|\bparalysie faciale\b"
            r"|\b(?:perdu|perte de|plus de|perd) (?:la |toute )?sensibilite\b",
            state=True,
            unless=r"\bparalysie faciale\b.*\b(?:kine|reeducation|suivi)\b|\b(?:chimio\w*|diabet\w*|neuropathie)\b",
        ),
        Rule(
            "limb_weakness",
            r"\b(?:bras|jambe|main|cote)(?: \w+){0,3} (?:ne repond plus|ne repond pas|repond plus|inerte"
            r"|tout mou|toute molle|ne bouge plus|bouge plus|lourde? d un coup|ne tient plus|tombe tout seul"
            r"|paralysee?s?|pend|pendent|qui pend|lache|lachent|qui lache)\b"
            r"|\bplus de force dans (?:le|la|son|sa|mon|ma) (?:bras|jambe|main)"
            r"|\bperdu l usage (?:de|du|d)"
            rf"|\b{_CAN_NOT} (?:bouger|lever|soulever) ni (?:le|la|son|sa) (?:bras|jambe|main)"
            rf"|\b{_CAN_NOT} (?:bouger|lever|soulever|sentir|tenir)"
            r" (?:le|la|son|sa|mon|ma|les|ses|un) (?:bras|jambe|main|cote)"
            r"|\b(?:ne )?sen[st] plus (?:son|sa|mon|ma|le|la|ses|mes) (?:bras|jambe|main|visage|cote)"
            r"|\b(?:engourdi|engourdie|faible|paralyse|paralysee|insensible)\w*(?: \w+){0,3}"
            r" (?:d un (?:seul )?cote|tout le"
            r" cote|moitie du corps|d un coup|brutalement|soudainement|subitement)"
            r"|\b(?:engourdi|engourdie|paralyse|paralysee|insensible)\w* (?:du|de tout le) cote (?:gauche|droit)"
            r"|\b(?:hemiplegi|hemipares)\w*|\b(?:moitie du corps|tout un cote|tout le cote|cote (?:droit|gauche))"
            r"(?: \w+){0,2} (?:paralyse\w*|engourdi\w*|insensible|ne repond plus|inerte|ne bouge plus|bouge plus)",
            state=True,
        ),
        Rule(
            "speech_loss",
            rf"\b{_CAN_NOT} (?:parler|articuler|prononcer|trouver (?:ses|mes) mots|s exprimer)\b"
            r"|\b(?:parle|articule|cause) (?:plus|bizarrement|de travers|n importe comment|tout bizarre|bizarre"
            r"|plus normalement|plus correctement|avec difficulte)\b(?! (?:fort|vite|lentement|doucement|que|qu|de|d))"
            r"|\btrouve (?:plus|pas) (?:ses|mes) mots|\bmots (?:qui )?(?:ne )?sortent (?:pas|plus)|\bbafouill\w*"
            r"|\bdu mal a parler\b|\bdifficultes? (?:a|pour) (?:parler|articuler|s exprimer)"
            r"|\bmelange (?:tous )?(?:ses|les|mes) mots|\bcompren(?:d|ds|nent) (?:plus|plus rien)"
            r" (?:ce qu|quand|a ce|de ce qu)|\b(?:parole|voix|elocution) (?:pateuse|bizarre|confuse|bredouillante)"
            r"|\bincoherente?s?\b",
            state=True,
            unless=r"\b(?:francais|anglais|langue etrangere|timide|begaie|alzheimer|demence|sourde?|malentendante?)\b",
        ),
        Rule(
            "sudden_headache_or_vision",
            r"\b(?:mal de (?:tete|crane)|migraine|cephalee)s?(?: \w+){0,4} (?:brutale?|violente?|atroce|terrible"
            r"|insupportable|horrible|foudroyante?|d un coup|soudaine?|explos\w*|jamais eu|comme jamais)\b"
            r"|\b(?:pire|violent|atroce|terrible|horrible) (?:\w+ ){0,2}(?:mal de (?:tete|crane)|migraine)"
            r"|\b(?:vois|voit|voyons) (?:plus rien|plus d un oeil|plus de l oeil|double|(?:trouble|flou) d un coup)"
            r"|\b(?:perdu|perd|perds) la vue\b|\bperte (?:brutale |soudaine )?de (?:la )?(?:vision|vue)\b"
            r"|\bvision (?:double|trouble|floue) (?:d un coup|soudaine|brutale)",
            state=True,
        ),
        Rule(
            "confusion_or_speech_wide",
            r"\b(?:mots|phrases) (?:qui (?:n ont|ont) (?:pas|aucun) (?:de )?sens|sans (?:aucun )?sens"
            r"|incomprehensibles?|melanges?)|\bincomprehensible|\bparle (?:de facon|de maniere|d une facon"
            r"|d une maniere)"
            r" (?:incomprehensible|bizarre|etrange|confuse|incoherente)|\b(?:parole|voix|elocution|discours|langage)"
            r" (?:\w+ )?(?:embrouill\w*|pateuse|confus\w*|bizarre|ralentie|trainante|incoherent\w*|empatee)"
            r"|\bdit (?:n importe quoi|des choses (?:bizarres|incoherentes|sans sens))|\bcharabia"
            rf"|\b(?:confus\w*|desoriente\w*|perdue?|incoherent\w*)(?: \w+){{0,3}} {_SUDDEN}"
            rf"|\b{_SUDDEN}\b(?: \w+){{0,4}} (?:confus\w*|desoriente\w*|incoherent\w*|paralys\w*|plus parler"
            r"|parle plus|plus bouger)"
            r"|\b(?:me|nous|les) reconnai\w* (?:plus|pas)\b|\bbouche (?:tordue|de travers|deformee|qui tombe)"
            rf"|\b(?:bras|jambe|main)(?: \w+){{0,3}} (?:tombe|retombe|lache|engourdi\w*|sans force|faible)\b"
            rf"(?= .{{0,60}}\b(?:{_SUDDEN}|visage|bouche|parle|parler|mots))"
            r"|\bfaiblesse (?:d un cote|soudaine|brutale|de tout un cote)|\bperdu (?:l equilibre|la vue) d un coup",
            state=True,
            unless=r"\b(?:alzheimer|demence|dement\w*|memoire|francais|anglais|langue etrangere|timide|begaie"
            r"|fatigue\w*|reveil|alcool|ivre)\b",
        ),
        Rule(
            "stroke_signs_wide",
            r"\b(?:visage|bouche|figure|levre|face|joue|sourire|paupiere)s?(?: \w+){0,6} (?:de travers|tordue?"
            r"|deformee?|qui tombe|tombante|pendante?|morte|insensible|engourdie?|paralysee?)\b"
            r"|\bparle comme (?:s il|si elle|si j|si je) (?:etait|etais|avait|avais) (?:ivre|saoule?|bourree?|bu)"
            r"|\bcompren\w* (?:plus )?rien a ce (?:que|qu)|\b(?:trucs|choses|reponses|mots) (?:sans rapport|qui n ont"
            r" rien a voir)|\bmots (?:qui )?(?:n )?existent (?:pas|plus)|\bmots inventes"
            r"|\b(?:ca|rien|les mots|aucun mot|aucun son)(?: ne)? sort(?:ent)? (?:pas|plus|rien)"
            r"|\b(?:langue|bouche|parole) (?:\w+ )?pateuse|\bbave d un cote"
            r"|\b(?:jambe|jambes)(?: \w+){0,3} (?:la |le |les |l )?port(?:e|ent) plus"
            r"|\bplus de force dans (?:tout )?(?:le|la|son|sa|mon|ma) (?:bras|jambe|main|cote)"
            r"|\b(?:peut|peux|arrive|arrivait|reussit) (?:plus|pas) a tenir (?:quoi que ce soit|rien|sa tasse|son verre"
            r"|un verre|sa fourchette|ses couverts|un stylo)|\blaisse tomber (?:sa|son|la|le) (?:tasse|verre|fourchette"
            r"|stylo|telephone)\b.{0,60}\b(?:bras|main|parle|bouche)"
            r"|\b(?:mal de (?:tete|crane)|migraine)s? (?:\w+ ){0,2}comme (?:un coup de (?:marteau|tonnerre|poignard"
            r"|massue)|une explosion|jamais)"
            r"|\b(?:arrive|peut|peux) (?:plus|pas) a marcher droit",
            state=True,
            unless=r"\b(?:paralysie faciale\b.*\b(?:kine|reeducation|suivi)|anesthesie|dentiste|piqure chez)\b",
        ),
        Rule(
            "one_side_or_articulation",
            r"\b(?:arrive|arrivait|peut|peux|pouvait|reussit) (?:plus|pas) a (?:sourire|fermer (?:l|un) oeil|lever"
            r" les sourcils|siffler|gonfler les joues)|\b(?:du|de) mal a (?:articuler|prononcer|s exprimer)"
            r"|\b(?:bouche|visage|sourire|bras|jambe|main|paupiere|levre)\b.{0,40}\bd un (?:seul )?cote\b.{0,40}"
            r"\b(?:tombe|paralys\w*|engourdi\w*|insensible|mou|molle|bouge plus|de travers)"
            r"|\bd un (?:seul )?cote\b(?: \w+){0,4} (?:paralys\w*|engourdi\w*|insensible|tout mou|toute molle)",
            state=True,
            unless=r"\b(?:paralysie faciale\b.*\b(?:kine|reeducation|suivi)|anesthesie|dentiste|begaie|timide)\b",
        ),
        Rule(
            "sudden_gait_loss",
            rf"\b(?:vertiges? (?:brutal|soudain|violent)\w*|{_SUDDEN})\b.{{0,60}}\b(?:(?:peut|peux|arrive|pouvait)"
            r" (?:plus|pas) (?:a )?(?:marcher|tenir debout|se lever|se tenir)|perd\w* l equilibre|tombe sur le cote"
            r"|fourmi\w*|engourdi\w*|perte (?:de (?:la )?)?(?:vision|vue|sensibilite))",
            state=True,
            unless=r"\b(?:cheville|genou|entorse|dos|hanche|lumbago|sciatique)\b",
        ),
        Rule(
            "speech_lost",
            r"\b(?:perdu|perd|perte de) (?:la )?parole\b|\baphasi\w*|\b(?:paroles?|mots) (?:qui )?sort\w* (?:mal"
            r"|de travers"
            r"|bizarrement)|\b(?:bouche|visage|levre)(?: \w+){0,2} (?:qui )?penche\b",
            state=True,
        ),
    ),
    EmergencyCategory.CHEST_PAIN: (
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
            unless=r"\b(?:deces|deuil|chagrin|moral|parler a quelqu un|coeur brise|amoureu\w*)\b",
        ),
        Rule(
            "chest_pain_wide",
            r"\b(?:poitrine|coeur|torse|thorax|cage thoracique|sternum)\b.{0,60}\b(?:sueurs?|transpire\w*|pale"
            r"|tout blanc|toute blanche|gris|grise|bras gauche|machoire|irradi\w*|dans le dos|broi\w*|brul\w*"
            r"|ecras\w*|serr\w*|etau|terriblement mal|tres mal|super mal)"
            r"|\b(?:elephant|enclume|poids enorme|poids|etau|barre|rouleau compresseur)\b.{0,30}\b(?:torse|poitrine"
            r"|coeur|thorax|cage thoracique|sternum)|\b(?:ecras\w*|broi\w*|comprim\w*) (?:\w+ ){0,2}(?:la |ma |sa )?"
            r"(?:cage thoracique|poitrine|torse|coeur)|\b(?:tient|tenait|tenant|agrippe) (?:le|son) coeur"
            r"|\bbroie de l interieur|\bbrule a l interieur",
            state=True,
            unless=r"\b(?:bouton|grain de beaute|tache|tatouage|allaite\w*|sein|seins|mammo\w*|bronchite|toux|estomac"
            r"|digestion|reflux|amoureu\w*|chagrin|coeur brise|deces|deuil|moral|parler a quelqu un)\b"
            r"(?<!pas l estomac)",
        ),
    ),
    EmergencyCategory.CHILD_DISTRESS: (
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
            unless=r"\bnez (?:bouche|qui coule|pris)|\brhume|enrhume|\bla nuit\b",
        ),
        Rule(
            "meningitis_signs",
            r"\bpurpura\b|\b(?:taches?|marques?|points?|plaques?) (?:violettes?|violacees?|pourpres?|rouge fonce"
            r"|noires?)\b"
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
            r"|\bsecou\w* (?:le|mon|notre|son|un) (?:bebe|nourrisson)|\bbebe secoue|\b(?:bebe"
            r"|nourrisson)\b.{0,30}\b(?:a ete|ete) secoue",
            state=True,
        ),
        Rule(
            "child_dehydrated",
            rf"\b{_CHILD}\b(?: \w+){{0,8}} (?:ne boit plus|boit plus rien|refuse (?:de boire|tous? les biberons)"
            r"|deshydrat\w*|ne mouille plus|fait plus pipi|vomit tout\b(?: \w+){0,4} (?:depuis|et))",
            state=True,
        ),
        Rule(
            "child_wide",
            rf"\b{_CHILD}\b.{{0,80}}\b(?:(?:40|quarante)(?: \d| et \w+)? (?:de fievre|degres|de temperature)"
            r"|fievre (?:a|de) (?:40|quarante|41|42)|brulante? a (?:39|40|41|quarante)|inconsolable"
            r"|pleure sans (?:arret|s arreter)|cri (?:aigu|plaintif)"
            r"|difficile a reveiller|ne tete plus|refuse de (?:boire|manger|teter|s alimenter)|ne boit (?:plus|rien)"
            r"|ne mange plus rien|ne reagit (?:plus|pas)|yeux (?:creux|cernes)|fontanelle|ne bouge (?:plus|pas)"
            r"|raide|vomit (?:vert|tout|sans arret)|bosse (?:enorme|sur la tete))"
            rf"|\b{_CHILD}\b(?: \w+){{0,8}} tomb\w* (?:de|du|par|d) (?:la |le |l |un |une )?(?:etage|premier etage"
            r"|deuxieme etage|arbre|hauteur|grande hauteur|mur|muret|chaise haute|escaliers?|escabeau|echelle)",
            state=True,
            unless=r"\b(?:dents?|poussee dentaire|caprice|colere)\b",
        ),
        Rule(
            "child_signs_wide",
            r"\bfontanelle(?: \w+){0,3} (?:bomb\w*|gonfl\w*|creus\w*|enfonc\w*)|\b(?:pas|plus) mouille (?:de |sa "
            r"|ses |la )?"
            r"couches?|\b(?:taches|boutons|points)(?: \w+){0,4} qui (?:ne )?(?:partent|s effacent|disparaissent) pas"
            r" (?:avec|sous) (?:le|un) verre|\b(?:test du verre|vitropression)"
            rf"|\b{_CHILD}\b.{{0,40}}\b(?:tomb\w*|chute)\b.{{0,60}}\b(?:bizarre|dort|somnol\w*|vomi\w*|inconscient\w*"
            r"|ne reagit|convuls\w*|saigne\w* (?:du nez|des oreilles)|de tout en haut|ne pleure (?:pas|plus)"
            r"|ne se reveille)",
            state=True,
        ),
        Rule(
            "young_infant_fever_or_child_hit",
            r"\b(?:bebe|nourrisson|nouveau nee?)\b(?=.{0,100}\b(?:a|de|age de) (?:\d+|un|une|deux|trois|quatre|cinq|six"
            rf"|sept|huit|dix|quinze) (?:jours?|semaines?)\b)(?=.{{0,100}}{_FEVER})"
            rf"|\b{_CHILD}\b.{{0,60}}\b(?:renverse\w*|percute\w*|fauche\w*) (?:par|pour) (?:une|un) (?:voiture|camion"
            rf"|moto"
            r"|scooter|bus|velo)|\b{_CHILD}\b.{0,40}\baccident de (?:voiture|la route|la circulation)",
            state=True,
        ),
    ),
    EmergencyCategory.NOT_BREATHING: (
        Rule(
            "breath_stopped",
            r"\brespir(?:e|ent|ait|aient) (?:de plus en plus |vraiment |super |tres )?(?:plus|pas|presque plus"
            r"|quasiment plus|quasi plus|pratiquement plus"
            r"|presque pas|pas bien|plus bien|mal|tres mal|difficilement|tres difficilement|avec difficulte|a peine"
            r"|avec (?:beaucoup de|enormement de|bien de la|une grande) difficulte"
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
            unless=r"\bnez\b|\brhume|enrhume|\beffort|escaliers?|quand je (?:cours|monte|marche)|\bsport"
            r"|\ben voyant\b|\bprix\b",
        ),
        Rule(
            "choking",
            r"\b(?:s )?etouff(?:e|es|ent|ait|aient|er|ement|ements)\b|\bs etrangl\w*|\bfausse route"
            r"|\b(?:coince|coincee|bloque|bloquee|reste|restee|pris) (?:dans|au fond de) (?:la|sa|ma) (?:gorge|trachee)"
            r"|\b(?:avale|avalee) (?:\w+ ){0,3}(?:de travers|qui (?:est|reste) coince)\w*(?: \w+){0,4}"
            r" (?:tousse|etouff\w*|respire)",
            state=True,
            unless=r"\brecrache\w*|\b(?:il|elle) va (?:tres |tout a fait )?bien\b"
            r"|chaleur|canicule|etouffant|\b(?:m|me|t|te) etouff|\bau (?:travail|boulot)|de rire"
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
        Rule(
            "breathing_stops",
            r"\b(?:arrete|arretee|cesse|arretait) de respirer|\bpauses? respiratoires?(?! (?:la nuit|nocturnes?"
            r"|du sommeil|quand))|\brespire (?:par a coups|par saccades|bruyamment|en faisant un drole de bruit"
            r"|avec un bruit bizarre)|\bne respire (?:quasiment|presque|pratiquement) (?:plus|pas)"
            r"|\b(?:bouche|levres|visage) (?:qui )?(?:bleuit|bleuissent|bleuies?|bleuissait)|\bbleuit\b"
            r"|\bessouffle\w* (?:au repos|en parlant|sans rien faire|meme assise?)"
            r"|\b(?:coince|coincee|bloque|bloquee)\w*(?: \w+){0,2} (?:dans|au fond de) (?:la|sa|ma|le|son) (?:gorge"
            r"|trachee|gosier)|\bavale de travers\b.{0,60}\b(?:respire|tousse|bleu|violet|etouff)",
            state=True,
            unless=r"\bapnee du sommeil|\bronfl\w*|\bla nuit\b",
        ),
        Rule(
            "breathing_noisy_or_blue",
            r"\brespiration (?:qui )?s arrete|\b(?:bruits?|sifflements?)\b(?: \w+){0,3} (?:en respirant|quand (?:il"
            r"|elle"
            r"|je) respire|a chaque respiration)|\bsiffl\w*(?: \w+){0,3} (?:en respirant|quand (?:il|elle|je) respire)"
            r"|\b(?:plus|pas assez|manque) d air\b"
            r"|\b(?:levres|bouche|visage|doigts|ongles) (?:sont |est |deviennent |devenues? |toutes? )+(?:bleue?s?"
            r"|violette?s?|violacee?s?|grises?)\b|\bsans pouvoir respirer|\bcreuse sous les cotes|\btirage\b"
            r"|\b(?:inhalateur|ventoline|spray)\b.{0,30}\b(?:marche|fait|agit) (?:pas|plus|rien)",
            negatable=False,
            state=True,
            unless=r"\bnez\b|\brhume|enrhume|\beffort|escaliers?|\bsport|\bronfl\w*|renouvel\w*|ordonnance",
        ),
        Rule(
            "catching_breath",
            r"\b(?:du |de )?mal a reprendre (?:son|mon|sa|ma|leur) (?:souffle|respiration)"
            r"|\b(?:ne )?(?:reprend|reprends) (?:pas|plus) (?:son|mon|sa|ma) (?:souffle|respiration)",
            state=True,
            unless=r"\b(?:effort|escaliers?|sport|course|courir|monte)\b",
        ),
        Rule(
            "agonal_breathing",
            r"\b(?:un|des) rales?\b|\brale (?:bizarre|bruyant|fort)|\brespire (?:tres|super|trop|tellement) lentement"
            r"|\brespiration (?:tres )?(?:lente|faible|superficielle|irreguliere|anormale)",
            state=True,
            unless=r"\bla nuit\b|\bronfl\w*",
        ),
    ),
    EmergencyCategory.UNCONSCIOUS: (
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
        Rule(
            "not_coming_round",
            r"\b(?:reprend|reprenait|repris|revient|revenu|revenue) (?:pas|plus|toujours pas|jamais) (?:connaissance"
            r"|conscience|a (?:lui|elle)|a soi)\b",
            negatable=False,
            state=True,
        ),
    ),
    EmergencyCategory.HEAVY_BLEEDING: (
        Rule(
            "bleeding_heavy",
            r"\b(?:saign(?:e|es|ent|ait|aient|er|ant)|saignements?|perds? du sang|perdu du sang|perte de sang)\b"
            rf"(?: \w+){{0,4}} (?:{_LOTS}|fort|tres fort|sans arret|de partout"
            r"|comme un boeuf|a gros bouillons|a grosses gouttes|comme une fontaine|grave|abondants?|importants?"
            r"|massifs?|massive"
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
        Rule(
            "bleeding_wide",
            r"\b(?:le )?sang (?:n )?(?:arrete|arretait) (?:pas|plus) de (?:couler|sortir|gicler)"
            r"|\bsang (?:coule|coulait|sort|gicle|jaillit|pisse)\b(?: \w+){0,3} (?:partout|beaucoup|sans arret"
            r"|a flots?|fort|enormement)"
            r"|\b(?:trempe|trempee|trempes|imbibe\w*|couvert|couverte|inonde\w*|rempli\w*"
            r"|pleine?s?) (?:\w+ ){0,2}de sang"
            r"|\bpoignard\w*|\bcoups? de (?:couteau|cutter|hache|machette|tournevis)|\b(?:blesse\w*"
            r"|touche\w*) par balle"
            r"|\bcoup de feu|\b(?:tire|tirer) dessus|\bplaie par balle"
            r"|\b(?:sectionn|tranch|arrach|amput)\w* (?:\w+ ){0,2}(?:main|doigts?|bras|jambe|pied|orteils?|oreille"
            r"|nez|phalanges?|artere)"
            r"|\b(?:coupe|coupee|blesse|blessee|ouvert|ouverte|entaille\w*)(?: \w+){0,5} (?:tronconneuse|scie"
            r"|disqueuse|meuleuse|hache|machette|vitre|verre|cutter|tondeuse|debroussailleuse|couteau)\b"
            r".{0,60}\b(?:saign\w*|sang|profond\w*|os|pisse)\b"
            r"|\b(?:vomi\w*|crache\w*|tousse\w*|rend\w*) (?:\w+ ){0,2}(?:de )?sang\b|\bhematemese|\bhemoptysie|\bmelena"
            r"|\bs est ouvert (?:le|la|l|les) (?:front|crane|tete|arcade|cuir chevelu|main|pied|genou|bras|jambe"
            r"|ventre)|\bca pisse\b(?: \w+){0,3} (?:le sang|partout)",
            state=True,
            unless=r"\b(?:gencives?|regles|menstru\w*|hemorroides?|brosse les dents|prise de sang|don du sang"
            r"|gratte|egratign\w*)\b",
        ),
        Rule(
            "bleeding_soaking",
            r"\bsang\b(?: \w+){0,3} (?:ne |n )?s arrete (?:pas|plus)|\b(?:serviettes?|torchons?|linges?|draps?"
            r"|pansements?|compresses?|t shirt|tee shirt|mouchoirs?)\b.{0,40}\b(?:trempe\w*|imbib\w*|rouge de sang"
            r"|plein\w* de sang)|\brempli\w* (?:\w+ ){0,2}(?:serviettes|torchons|compresses)|\bserviette sur serviette"
            r"|\btorchon sur torchon|\bcoule (?:\w+ ){0,1}coule\b|\b(?:jaillit|jaillissait|a (?:gros |grands )?jets"
            r"|par (?:petits )?jets"
            r"|en jets?)\b"
            r"|\b(?:flaque|mare|trainee|litres?) de sang|\bsaign\w* a mort|\bsaign\w* (?:comme pas possible|de ouf"
            r"|a fond|a n en plus finir)"
            r"|\b(?:fendeuse|perceuse|scie|tronconneuse|disqueuse|meuleuse|tondeuse|machine|hachoir|mandoline)\b.{0,60}"
            r"\b(?:saign\w*|sang|os|doigt coupe|sectionn\w*)",
            negatable=False,
            state=True,
            unless=r"\b(?:gencives?|regles|menstru\w*|hemorroides?|prise de sang|don du sang|un peu)\b",
        ),
        Rule(
            "bleeding_trauma",
            r"\b(?:renverse\w*|accident|chute|tombe\w*|agress\w*|frappe\w*|percute\w*|mordu\w*)\b.{0,60}\bsaign\w*"
            r" (?:de la tete|du crane|du front|de la bouche|des oreilles|de l oreille|du nez|du cuir chevelu|de partout"
            r"|beaucoup|fort)|\bsaign\w* (?:de la tete|du crane|de l oreille|des oreilles|de la bouche|du nez)\b"
            r".{0,30}\b(?:apres|suite a|depuis) (?:une |un |sa |son )?(?:chute|accident|coup|agression|choc)"
            r"|\bsang (?:\w+ )?traverse (?:le|les|la) (?:pansement|bandage|compresses?|serviette)s?"
            r"|\b(?:coupe|coupee|entaille\w*|ouvert|ouverte|blesse|blessee)\w* (?:tres )?profondement"
            r"|\bhemorragie (?:nasale|du nez)\b",
            negatable=False,
            state=True,
            unless=r"\b(?:un peu|legerement|egratign\w*|ecorch\w*|petite?|a peine|superficiel\w*|arrete de saigner)\b",
        ),
        Rule(
            "artery_cut",
            r"\b(?:coupe|sectionne|touche|ouvert|tranche|perce)\w* (?:\w+ ){0,2}(?:l )?arteres?\b"
            r"|\barteres? (?:\w+ ){0,2}(?:coupee|sectionnee|touchee|ouverte|tranchee)",
            negatable=False,
            state=True,
        ),
        Rule(
            "gaping_wound",
            r"\bplaies? (?:beantes?|ouvertes? et profondes?)|\bplaies? (?:tres )?profondes?\b|\bon voit l os\b",
            negatable=False,
            state=True,
        ),
        Rule(
            "wound_from_heavy_blade",
            r"\b(?:blesse|coupe|entaille|touche|ouvert)\w*(?: \w+){0,3} (?:avec|par) (?:une|un|la|le|sa"
            r"|son) (?:machette"
            r"|hache|tronconneuse|scie|disqueuse|meuleuse|couteau de boucher|sabre|debroussailleuse|fendeuse|tondeuse)",
            negatable=False,
            state=True,
            unless=r"\b(?:un peu|legerement|egratign\w*|superficiel\w*|petite?)\b",
        ),
        Rule(
            "bleeding_will_not_stop",
            r"\b(?:saign\w*|sang|hemorragie)\b.{0,40}\b(?:(?:veut|voulait) (?:pas|plus) s arreter|impossible (?:a|de)"
            r" (?:l )?arreter|arrive (?:pas|plus) a (?:l )?arreter|s arrete (?:pas|plus|jamais))",
            negatable=False,
            state=True,
            unless=r"\b(?:regles|gencives?|prise de sang|un peu)\b",
        ),
    ),
    EmergencyCategory.SEVERE_BURN: (
        Rule(
            "burn_severe_named",
            r"\b(?:brulures?|brule|brulee|brules|brulees) (?:tres )?(?:grave|graves|profonde|profondes|etendue"
            r"|etendues|importante|importantes|serieuse|serieuses|severe|severes|enorme|enormes)\b"
            r"|\b(?:brulures?|brule\w*) (?:du|au|de) (?:deuxieme|second|troisieme|2e|3e|2eme|3eme|2 eme|3 eme|2|3)"
            r" degre|\bgrand(?:e|s|es)? brule\w*|\b(?:gravement|grievement|salement|serieusement|tres) brule\w*"
            r"|\bbrul\w* (?:partout|de partout|sur tout le corps|sur (?:tout|toute) (?:le|son|sa|la|l)"
            r" (?:bras|jambe|corps|dos|ventre|torse|visage|main|poitrine|figure|cuisse|avant bras)|vif|gravement"
            r"|grievement|serieusement)\b"
            r"|\b(?:grosse|grande|enorme|large) brulure\b",
            state=True,
            unless=r"\b(?:estomac|gastrique|reflux|urin\w*|pipi|coup de soleil|soleil|d yeux|aux yeux qui piquent)\b",
        ),
        Rule(
            "on_fire",
            r"\b(?:vetements?|habits?|pull|robe|cheveux|pyjama|t shirt|tee shirt|chemise|manche|pantalon|il|elle"
            r"|lui|je)(?: \w+){0,2} (?:a |ont |avait |ont )?(?:pris|prend|prennent|prenait|prendre) feu\b"
            rf"|\b(?:{_PERSON}|vetements?|habits|cheveux|maison|cuisine|appartement|appart|chambre|voiture|immeuble"
            r"|salon|garage|grange|pull|robe)(?: est| sont| etait| a pris| ont pris)?(?: tout| toute| toutes| tous)?"
            r" (?:en feu|en flammes?)\b|\b(?:dans les flammes|transforme\w* en torche|s est immole\w*)\b"
            r"|\b(?:incendie|le feu) (?:dans|chez|a) (?:la|le|l|notre|ma|mon|nous|moi|lui)\b"
            r"|\b(?:il y a|y a) (?:le )?feu (?:dans|chez|a)\b|\bexplosion\b.{0,60}\bbrul\w*"
            r"|\bbrul\w*\b.{0,60}\bexplosion\b|\bretour de flammes?\b",
            negatable=False,
            state=True,
            unless=r"\b(?:bougie|cigarette|barbecue eteint|feu de cheminee|feu d artifice|coup de feu|feu rouge"
            r"|feu vert|feux)\b",
        ),
        Rule(
            "scald",
            r"\b(?:ebouillant\w*)\b"
            r"|\b(?:eau|huile|soupe|lait|cafe|the|graisse|friture|bouillon|pates|casserole|marmite|bouilloire"
            r"|friteuse|cocotte|bitume|goudron|metal|cire|caramel|sucre)(?: \w+){0,3} (?:bouillante?s?|brulante?s?"
            r"|qui bout|qui bouillait|chaude?s?|en fusion|fondue?)\b.{0,80}"
            r"\b(?:renverse\w*|dessus|sur (?:lui|elle|moi|son|sa|ses|mon|ma|mes|le|la|les)|brul\w*|cloques?|peau"
            r"|visage|bras|jambe|ventre|torse|dos|pieds?)"
            r"|\b(?:renverse\w*|tombe\w*|reverse\w*|projete\w*|recu)\b.{0,60}\b(?:eau|huile|soupe|lait|cafe|the"
            r"|graisse|friture|casserole|bouilloire|friteuse)(?: \w+){0,3} (?:bouillante?s?|brulante?s?|qui bout"
            r"|qui bouillait|chaude?s?)\b"
            r"|\b(?:bain|douche|baignoire)(?: \w+){0,3} (?:bouillante?|brulante?|beaucoup trop chaude?)\b"
            r"|\b(?:main|bras|pied|jambe|doigts|tete) (?:\w+ ){0,2}dans (?:l huile|la friteuse|l eau bouillante"
            r"|la casserole|le feu|les flammes|la braise|les braises)\b",
            state=True,
            unless=r"\b(?:tiede|pas si chaud\w*|rien du tout|aucune marque)\b",
        ),
        Rule(
            "chemical_burn",
            r"\b(?:acide|soude|javel|javelle|produits? (?:chimiques?|caustiques?|corrosifs?|menagers?|d entretien)"
            r"|chaux|ciment|deboucheur|destop|ammoniaque|chlore|decapant|detartrant)\b.{0,60}"
            r"\b(?:dans (?:les|l|son|ses|mes|l un des|un) (?:yeux|oeil)|sur (?:la|le|les|sa|son|ses|ma|mon|mes)"
            r" (?:peau|visage|figure|bras|mains?|jambes?|corps|ventre|torse|cou)|brul\w*|ronge\w*|cloques?"
            r"|la peau (?:part|se decolle|fond)|projet\w*|eclabouss\w*|gicl\w*)"
            r"|\b(?:projet\w*|eclabouss\w*|gicl\w*|rec\w*|renverse\w*)\b.{0,40}\b(?:acide|soude|javel|produit chimique"
            r"|produit caustique|chaux|deboucheur|destop|ammoniaque)\b.{0,40}\b(?:yeux|oeil|visage|figure|peau|bras"
            r"|main|dessus)",
            state=True,
            follow_up=False,
            unless=r"\b(?:bu|bois|boit|avale\w*|mange\w*|ingere\w*|gorgee|gants)\b",
        ),
        Rule(
            "electrocution",
            r"\b(?:electrocut\w*|electrise\w*|foudroy\w*|frappe\w* par la foudre|touche\w* par la foudre)\b"
            r"|\bdecharges? electriques?\b|\b(?:pris|prend|recu|recoit|prendre)(?: \w+){0,2} (?:une |un |le |du )?"
            r"(?:coup de jus|jus|courant|decharge)\b(?! (?:d air|d eau))"
            r"|\b(?:fil|fils|cable|cables|prise|ligne) (?:electrique|a haute tension|haute tension)\b.{0,60}"
            r"\b(?:touche\w*|tombe\w*|colle\w*|brul\w*|inconscient\w*|bouge plus|respire)"
            r"|\bfoudre (?:est |lui est |m est |leur est )?tombee? sur\b",
            state=True,
            unless=r"\b(?:coupure de courant|panne de courant|facture|electricien|compteur|rien du tout|statique"
            r"|chaise electrique|un peu|picot\w*|rien d autre|rien de grave)\b",
        ),
        Rule(
            "burn_face_or_airway",
            r"\bbrul\w* (?:au|a la|aux|a l|sur le|sur la|sur les|dans la|dans le) (?:visage|figure|yeux|oeil|cou"
            r"|levres|bouche|gorge|parties|sexe|mains|deux mains|torse|thorax|ventre|dos)\b"
            r"|\b(?:peau|chair) (?:qui )?(?:est )?(?:part|partie|se decolle|s en va|fond|a fondu|toute? noire"
            r"|carbonise\w*|cartonne\w*|toute? blanche|blanche et dure|collee)\b|\bcarbonise\w*\b"
            r"|\b(?:cloques?|phlyctenes?)\b.{0,40}\b(?:partout|enormes?|grosses?|tout le|toute la|tout son|toute sa"
            r"|sur (?:tout|toute))\b|\b(?:couverte?s? de|plein de|pleine? de|beaucoup de|beaucoup|grosses?|enormes?)"
            r" (?:cloques|phlyctenes)\b"
            r"|\b(?:inhal\w*|respir\w*) (?:beaucoup de |de la |la |des |les |trop de )?(?:fumees?|gaz brulants?)\b"
            r".{0,60}\b(?:feu|incendie|flammes?|brul\w*|tousse\w*|voix|crache\w*)",
            state=True,
            unless=r"\b(?:estomac|gastrique|reflux|urin\w*|pipi|coup de soleil|soleil|rasoir|epilation|cigarette"
            r"|fer a repasser|four|plaque|piment|langue)\b",
        ),
    ),
    EmergencyCategory.MAJOR_TRAUMA: (
        Rule(
            "run_over",
            r"\b(?:renverse\w*|fauche\w*|percute\w*|heurte\w*|ecrase\w*|happe\w*|tape\w*) (?:\w+ ){0,2}(?:par|sous)"
            r" (?:une|un|la|le|les|des) (?:voiture|auto|camion|bus|car|moto|scooter|tram|tramway|train|vehicule|4x4"
            r"|chauffard|poids lourd|camionnette|tracteur|velo|trottinette)\b"
            r"|\b(?:une|un|la|le) (?:voiture|camion|bus|moto|scooter|vehicule|chauffard|tram|train)"
            r" (?:l|lui|les|m|nous) (?:a |ont )?(?:renverse\w*|fauche\w*|percute\w*|roule dessus|passe dessus)\b"
            r"|\b(?:sous|passe sous) (?:les roues|une voiture|un camion|le train|le tram|un bus)\b"
            r"|\b(?:voiture|camion|bus|moto|scooter|vehicule|chauffard|tram|train|camionnette)(?: \w+){0,2}"
            r" (?:a |l a |les a |m a |nous a )?(?:renverse\w*|fauche\w*|percute\w*|roule sur)\b"
            r"|\b(?:se|s est|me suis|s etait) (?:fait|faire|fais) (?:renverser|percuter|faucher|rouler dessus)\b",
            negatable=False,
            state=True,
            unless=r"\b(?:jouet|jeu video|manege|autotamponneuse|reve|film)\b",
        ),
        Rule(
            "road_accident",
            r"\b(?:grave|gros|terrible|violent|enorme) accident\b|\baccident (?:tres )?(?:grave|violent|terrible)\b"
            r"|\b(?:accident|collision|choc)\b(?: \w+){0,6} (?:voiture|auto|moto|scooter|velo|route|circulation"
            r"|trottinette|camion|quad|bus|frontal|autoroute)\b.{0,80}\b(?:inconscient\w*|bouge plus|bouge pas"
            r"|ne repond|repond plus|repond pas|coince\w*|bloque\w* dans|saign\w*|sang|ejecte\w*|sent plus (?:ses|les)"
            r" jambes|respire|casque|la tete|par terre|au sol|hurle|blesse\w*|urgence|vite|secours|pompiers|samu)"
            r"|\b(?:vient|viens|viennent) d (?:avoir|etre|se faire) (?:\w+ ){0,3}(?:accident|renverse\w*|percute\w*"
            r"|fauche\w*)\b"
            r"|\bcarambolage\b|\bsortie de route\b|\b(?:fait|faite|faits) des tonneaux\b|\bchoc frontal\b"
            r"|\bejecte\w* (?:de|du|par) (?:la|le|sa|son) (?:voiture|moto|vehicule|pare brise|scooter|siege)"
            r"|\b(?:traverse|passe a travers) le pare brise\b|\bmotard\b.{0,40}\b(?:sol|terre|bouge|inconscient)",
            state=True,
            unless=r"\b(?:constat|assurance|assureur|carrosserie|garage|expertise|rayure|parechoc|pare choc|rien de"
            r" grave|plus de peur que de mal|juste de la tole|que materiel|materiel)\b",
        ),
        Rule(
            "fall_from_height",
            r"\b(?:tombe\w*|chute\w*|glisse\w*|bascule\w*) (?:\w+ ){0,2}(?:(?:du|de la|d un|d une|de l|depuis (?:le|la"
            r"|un|une|l)|par (?:la|le|une|un)|du haut (?:du|de la|d un|d une|de l)) )?(?:toit|toiture|echelle"
            r"|echafaudage|balcon|fenetre|arbre|falaise|grenier|mezzanine|pont|terrasse|muret|mur|rempart|etage"
            r"|premier etage"
            r"|deuxieme etage|troisieme etage|\d+(?: ?e| ?eme)? etage|chantier|grue|pylone|rocher|cheval|nacelle"
            r"|escabeau|haut de l echelle|haut du mur|gouttiere|velux)\b"
            r"|\b(?:tombe\w*|chute\w*|fait une chute) (?:\w+ ){0,2}(?:de|d) (?:plus de |environ |pres de |au moins )?"
            r"(?:\d+|deux|trois|quatre|cinq|six|sept|huit|dix|quinze|vingt) metres\b"
            r"|\bchute (?:de|d une) (?:grande )?hauteur\b|\bdefenestr\w*\b(?<!se defenestrer)"
            r"|\b(?:tombe\w*|chute\w*|degringol\w*|devale\w*)\b(?: \w+){0,4} (?:escaliers?|marches)\b.{0,80}"
            r"\b(?:inconscient\w*|bouge plus|bouge pas|ne repond|repond plus|repond pas|saign\w*|sang|la tete|crane"
            r"|sent plus (?:ses|les) jambes|peut plus (?:se )?(?:lever|bouger)|arrive plus a (?:se )?(?:lever"
            r"|bouger)|os|tordu\w*|bizarre|hurle|cri\w*|respire)",
            state=True,
            unless=r"\b(?:rien de (?:grave|casse)|juste (?:un bleu|une bosse)|se (?:releve|relevait)|va bien"
            r"|plus de peur que de mal|cheville foulee|entorse)\b",
        ),
        Rule(
            "trapped_or_crushed",
            r"\b(?:coince\w*|bloque\w*|pris\w*|ecrase\w*|enseveli\w*|enferme\w*) (?:\w+ ){0,2}(?:sous|dans|entre)"
            r" (?:(?:la|le|les|l|un|une|sa|son|ses|des) )?(?:\w+ ){0,1}(?:voiture|vehicule|carcasse|tole|tracteur"
            r"|camion|arbre|mur|poutre|machine|machines|decombres|gravats|engin|moto|presse|tas|eboulement"
            r"|remorque|tranchee|rouleaux?|broyeur|betonniere|engrenage|portail|dalle|chariot|benne|charpente"
            r"|pelleteuse)\b"
            r"|\b(?:ecrase\w*|broye\w*|happe\w*) (?:\w+ ){0,2}(?:par|sous) (?:la|le|les|l|un|une|sa|son) (?:\w+ )?"
            r"(?:porte|machine|presse|tracteur|camion|poutre|mur|arbre|voiture|engin|rouleau|broyeur|chariot|palette"
            r"|portail|charge|benne|dalle|tronc)\b"
            r"|\b(?:desincarcer\w*|decarcer\w*|eboul\w*|effondrement|enseveli\w*)\b|\bcoince\w* dessous\b"
            r"|\b(?:mur|toit|plafond|arbre|armoire|tracteur|poutre|echafaudage|dalle|palette|machine|etagere|tronc"
            r"|branche|voiture|portail|charpente|tas de bois|chargement)\b(?: \w+){0,3} (?:(?:est |s est )?tombe\w*"
            r"|s est effondre\w*|s effondre|effondre\w*|renverse\w*|bascule\w*) (?:sur (?:lui|elle|eux|moi|mon|ma|son"
            r"|sa|ses|les|le|la)|dessus)\b",
            state=True,
            unless=r"\b(?:embouteillage|bouchons?|trafic|ascenseur en panne|au travail|au bureau|doigt dans la porte"
            r"|dos bloque|le dos|les dos|rien de grave)\b",
        ),
        Rule(
            "major_injury",
            r"\bfractures? ouvertes?\b|\bos (?:qui )?(?:sort|sortait|depasse|depassait|traverse|perce)\b"
            r"|\b(?:jambe|bras|pied|main|cuisse)\w* (?:\w+ ){0,2}(?:arrache\w*|ecrase\w*|broye\w*|a l envers"
            r"|dans un angle|completement tordu\w*|plie\w* dans le mauvais sens)\b"
            r"|\b(?:jambe|hanche)\w* (?:\w+ ){0,2}(?:raccourcie|tournee vers l exterieur|deformee)\b"
            r"|\bempal\w*|\bpolytraumatis\w*|\btraumatisme cranien (?:grave|severe|violent)"
            r"|\b(?:ne )?sen[st] plus (?:ses|mes|les) jambes\b.{0,60}\b(?:tomb\w*|chute|accident|dos|choc|plonge\w*)"
            r"|\b(?:tomb\w*|chute|accident|plonge\w*)\b.{0,60}\b(?:ne )?sen[st] plus (?:ses|mes|les) (?:jambes|bras)\b"
            r"|\bplonge\w* (?:\w+ ){0,3}(?:tete la premiere|pas assez profond|piscine vide)\b.{0,60}\b(?:bouge"
            r"|sent|cou|dos)"
            r"|\b(?:coup de|coups de) (?:sabot|corne|tete de vache|taureau)\b.{0,60}\b(?:ventre|thorax|tete|poitrine"
            r"|inconscient|sang)",
            state=True,
            unless=r"\b(?:film|serie|reve|jeu)\b",
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
    rf"\b(?:il y a|y a|ca fait|cela fait) (?:deja |bien |plus de |moins de )?{_NUMBER}(?: \w+)? (?:ans?|annees?|mois"
    r"|semaines?|jours?)\b"
    rf"|\bdepuis (?:deja |bien |plus de )?{_NUMBER}(?: \w+)? (?:ans?|annees?|mois|semaines?)\b"
    r"|\bdepuis (?:longtemps|des annees|des mois|toujours|l enfance|tout petit|toute petite|sa naissance)\b"
    r"|\b(?:il y a|y a|ca fait) (?:longtemps|des annees|des mois)\b(?! (?:la |deja )?(?:plus d|que|qu|depuis))"
    r"|\bl an (?:dernier|passe)\b"
    r"|\bl annee (?:derniere|passee|d avant)\b|\bla nuit (?:derniere|passee)\b|\b(?:ca va|va) (?:beaucoup )?mieux\b"
    r"|\ble mois (?:dernier|passe)\b|\bla semaine (?:derniere|passee)\b"
    r"|\bl (?:ete|hiver|automne) (?:dernier|passe)\b|\ble printemps (?:dernier|passe)\b|\ben (?:19|20)\d\d\b"
    r"|\b(?:quand|lorsque) (?:j|je|il|elle|on) (?:etait|etais|avait|avais)\b|\betant (?:petite?|jeune|enfant|bebe)\b"
    r"|\bautrefois\b|\bdans le passe\b|\bpar le passe\b|\ba l epoque\b|\bantecedents?\b|\bhistorique\b"
    r"|\b(?:ai|a|as|avait|avais|avons|ont) deja (?:eu|fait|perdu)\b|\bdeja eu\b"
    r"|\b(?:mon|ma|le|la|pour mon|pour ma) (?:premier|premiere|precedent|precedente|aine|ainee)"
    r" (?:enfant|bebe|grossesse|accouchement|fils|fille)\b"
    r"|\b(?:est|etait|a ete|ete) (?:hospitalisee?|opere|operee)\b|\bhospitalisation\b|\bsortie? de l hopital\b"
    r"|\bguerie?\b|\b(?:premiere|precedente|derniere|ancienne) grossesse\b|\bgrossesse precedente\b"
)

# "après mon AVC", "suite à une chute": dates an event (not a state) in the past.
AFTER_EVENT: Final = (
    r"\b(?:apres|depuis|suite a|suite de) (?:mon|son|sa|ma|leur|ses|mes)\b|\b(?:apres|suite a) (?:un|une)\b"
)

# A time or sign that the emergency is now; between a past marker and a match it wins over the past marker.
PRESENT: Final = (
    r"\b(?:maintenant|actuellement|en ce moment|a l instant|a l heure actuelle|tout de suite|immediatement"
    r"|en train d|vient d|viens d|viennent d|ce matin|ce soir|cette nuit|cet apres midi|aujourd hui"
    r"|tout a l heure|depuis (?:ce matin|hier soir|cette nuit|tout a l heure|une heure|une demi heure"
    r"|(?:\d+|deux|trois|quatre|cinq|dix|vingt|trente|quelques) (?:minutes?|heures?))"
    r"|il y a (?:\d+|une|deux|trois|quatre|cinq|dix|vingt|trente|quelques) (?:minutes?|heures?|secondes?)"
    r"|il y a (?:un instant|peu)|la (?:je|j|il|elle|on|ca|c|y|mon|ma|maintenant|tout de suite)|vite|urgence"
    r"|urgent|au secours|aidez moi|venez|(?:ca fait|plus d|plus de) (?:\d+|une|deux|trois|cinq|dix|quinze|vingt)"
    r" (?:minutes?|heures?)|(?:un|depuis un) quart d heure)\b"
)

# Happening right now, for a long while already: after a match, it turns a question ("est-ce grave si...") into a
# report of something real.
IMMEDIATE: Final = (
    r"\b(?:maintenant|actuellement|en ce moment|a l instant|depuis (?:ce matin|tout a l heure|une demi heure|hier soir"
    r"|cette nuit|(?:\d+|une|deux|trois|quatre|cinq|dix|quinze|vingt|trente|quelques) (?:minutes?|heures?)))\b"
)

# Words that say the old problem is back: they cancel the past and follow-up guards for the whole sentence.
RECURRENCE: Final = (
    r"\b(?:recommence\w*|de nouveau|a nouveau|encore une fois|rebelote|ca reprend|(?:la|exactement la) meme"
    r" (?:douleur|chose|sensation)|memes symptomes|comme (?:la derniere fois|a l epoque)"
    r"|(?:refait|refais|refaire|re fait|re faire)(?: \w+)? (?:crises?|avc|malaises?|infarctus|attaque|convulsions?"
    r"|hemorragie|saignements?|tentative|overdose|reaction|choc|episode)|en (?:refait|refais|re fait) (?:une|un)"
    r"|(?:une nouvelle|un nouvel|un nouveau|une autre|un autre) (?:crise|avc|attaque|malaise"
    r"|infarctus|episode|fois))\b"
)

# An administrative or follow-up request: the condition it mentions is known and handled.
FOLLOW_UP: Final = (
    r"\b(?:suivi|(?:de|pour|en|du|un|une|au) controle|controles? (?:de|du|annuel)|renouvel\w*|ordonnance"
    r"|certificat|attestation|sequelles?|reeducation|kine\w*|bilan|compte rendu|dossier|resultats?|annuler"
    r"|decaler|reporter|traitement (?:pour|contre|de|d)|vaccin\w*|echographie|mutuelle|arret de travail|depistage"
    r"|prevention|informations?|veto|veterinaire"
    r"|arret maladie)\b"
)

# Something asked about, feared or imagined rather than happening; "s il vous plait" and "si vous pouvez" are
# politeness, "je sais pas si" is doubt about something real.
HYPOTHETICAL: Final = (
    r"(?<!sais pas )(?<!sait pas )(?<!comme )\bsi\b(?! (?:je vous appelle|j appelle|j ai appele)\b)(?! (?:vous|tu"
    r"|possible|mal|fort|peur|vite|pale|froid|chaud|souvent"
    r"|longtemps|beaucoup)\b)"
    r"|(?<!comme )\bs (?:il|ils|elle|elles|on)\b(?! (?:vous|te) plait)|\bau cas ou\b|\ben cas d"
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
    r"\b(?:un peu|legerement|un tout petit peu|(?:un|une|des|de|quelques) (?:petite?s?|legere?s?)(?! taches?"
    r"| boutons?| points?| marques?| plaques?)"
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


# --- Compiled ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule of `RULES` with its category and its patterns compiled."""

    category: EmergencyCategory
    rule: Rule
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


COMPILED: Final = tuple(
    CompiledRule(category, rule, re.compile(rule.pattern), re.compile(rule.unless) if rule.unless else None)
    for category, table in RULES.items()
    for rule in table
)
if {compiled.category for compiled in COMPILED} != set(EmergencyCategory):
    raise RuntimeError("RULES must have a rule for every EmergencyCategory")

# The rule name a hit of the learned model reports, since no rule fired.
MODEL_RULE: Final = "model"
