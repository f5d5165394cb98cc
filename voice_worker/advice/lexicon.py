"""The words the advice rules are built from, in their normalised form (lowercase, no accents, hyphens as spaces).

Each list is a regular-expression alternation: things (medicines, units, conditions, what is not care) and ways of
telling someone to do something (imperatives, « vous pouvez » + infinitive, « il faut que » + subjunctive). Drug
names are the common French ones (brands and molecules) plus the forms and classes a receptionist could name
(« un sirop », « une crème », « un antibiotique »); molecule endings (« -cilline », « -prazole ») catch molecules
that are not listed.
"""

from __future__ import annotations

import re
from typing import TypeAlias

_Trie: TypeAlias = dict[str, "_Trie"]


def alternation(words: str) -> str:
    """A regular expression matching any of the whitespace-separated entries, in which "_" stands for a space and a
    final "s?" for an optional plural; built as a trie, so a long list costs about as much as one word."""
    entries: set[str] = set()
    for entry in words.split():
        forms = [""]
        for part in entry.split("_"):
            options = (part[:-2], part[:-1]) if part.endswith("s?") else (part,)
            forms = [f"{form} {option}".strip() for form in forms for option in options]
        entries.update(forms)
    return _trie_regex(sorted(entries))


def _trie_regex(entries: list[str]) -> str:
    trie: _Trie = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: _Trie) -> str:
    branches = [re.escape(char) + _node_regex(child) for char, child in sorted(node.items()) if char]
    optional = "" in node
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


_BRANDS = """
doliprane dafalgan efferalgan dolko panadol paracetamol ibuprofene advil nurofen spedifen antarene brufen aspirine
aspegic kardegic aspro upsa ketoprofene profenid biprofenid toprec naproxene apranax diclofenac voltarene voltaren
emulgel flector celebrex tramadol topalgic contramal ixprim zaldiar codeine codoliprane lamaline izalgi nefopam acupan
morphine skenan oxycodone antadys ponstyl spasfon lyoc phloroglucinol debridat meteospasmyl smecta diosmectite imodium
loperamide tiorfan racecadotril motilium domperidone vogalene primperan metoclopramide gaviscon maalox rennie mopral
omeprazole inexium esomeprazole lanzor pantoprazole inipomp eupantol ogast forlax movicol duphalac lactulose microlax
dulcolax transipeg citrate_de_betaine carbolevure charbon ultra_levure lacteol ventoline salbutamol seretide symbicort
flixotide becotide pulmicort toplexil helicidine bronchokod fluimucil mucomyst exomuc humex actifed dolirhume fervex
rhinadvil derinox nasonex avamys pivalone sterimar physiomer serum_physiologique prorhinel strepsils lysopaine hextril
eludril otipax collunovar pyralvex solupred prednisolone prednisone cortancyl celestene betamethasone dexamethasone
cortisone clarityne aerius zyrtec cetirizine loratadine desloratadine xyzall polaramine telfast amoxicilline clamoxyl
augmentin azithromycine zithromax orelox clarithromycine josacine pyostacine ciflox ciprofloxacine ofloxacine monuril
fosfomycine bactrim doxycycline flagyl fucidine mupiderm aciclovir zovirax valaciclovir tamiflu paxlovid xanax
alprazolam lexomil bromazepam temesta lorazepam valium diazepam tranxene seresta atarax hydroxyzine stilnox zolpidem
imovane zopiclone donormyl melatonine euphytose spasmine lysanxia prozac deroxat seroplex zoloft effexor laroxyl
levothyrox lasilix furosemide previscan coumadine xarelto eliquis pradaxa bisoprolol cardensiel amlodipine amlor
ramipril triatec coversyl perindopril tahor atorvastatine crestor simvastatine metformine glucophage insuline lovenox
daflon ginkor veinamitol trinitrine natispray biafine bepanthene mitosyl dexeryl cicalfate cicaplast eosine betadine
chlorhexidine biseptine hexomedine dakin hemoclar arnica arnigel pevaryl econazole lamisil daktarin fungizone diprosone
locapred tridesonit hydrocortisone pouxit parasidose ascabiol spregal vaseline dacryoserum dacudoses vismed tobrex
sterdex fradexam monazol lomexin zymad uvedose magnesium magne_b6 tardyferon oscillococcinum camomilla sedatif_pc
stodal valeriane passiflore homeopathie imigrane almogran relpax zomig pilule nicopatch nicorette champix
vitamine_c vitamine_d vitamines?
"""
# Forms and classes: a medicine, but not a name (« une crème » alone is not counted as a dose: « deux Doliprane » is).
_FORMS = """
huiles?_essentielles? granules suppositoires? suppos? ovules? collyres? sirops?
pommades? cremes? lotions? patchs? sprays? pastilles? antibiotiques? anti_inflammatoires? antihistaminiques?
antidouleurs? antalgiques? antispasmodiques? anxiolytiques? somniferes? antidepresseurs? calmants? probiotiques?
laxatifs? antiseptiques? desinfectants? corticoides? corticosteroides? triptans? medicaments? comprimes? gelules?
cachets? gouttes traitements? remedes? antiacides? anti_acides? pansements?_gastriques? antinauseeux antitussifs?
expectorants? decongestionnants? antifongiques? antiviraux antiviral vermifuges? veinotoniques? antipyretiques?
anesthesiants? anti_douleurs? mucolytiques? fluidifiants? antibio antibios
"""
# Molecule endings: a word ending so is a medicine whether or not it is listed above.
_MOLECULE_ENDINGS = """
cilline mycine cycline floxacine prazole olol pril sartan statine profene fenac triptan azepam zepam oxetine pramine
tidine lukast clovir semide thiazide dipine formine gliptine olone
"""
DRUG_NAME = rf"(?:{alternation(_BRANDS)}|[a-z]+{alternation(_MOLECULE_ENDINGS)})"
DRUG = rf"(?:{DRUG_NAME}|{alternation(_FORMS)})"

# What is measured out: « 15 mg », « deux comprimés », « une cuillère », « trois bouffées » (« prise » and « dose »
# are read apart: « une prise de sang » is not a dose).
UNIT = alternation("""
mg milligrammes? g grammes? gr ml millilitres? cl centilitres? ui unites? microgrammes? mcg comprimes? cp gelules?
gouttes? cachets? sachets? cuilleres? cuillerees? pulverisations? bouffees? suppositoires? suppos? ampoules? ovules?
pipettes? patchs? pastilles? capsules? dosettes? granules? noisettes? pschitts? pschits? pshitts? sprays?
""")
NUMBER = r"(?:\d+(?:\.\d+)?|un|une)"
FRACTION = r"(?:demi|quart|tiers|moitie)"

# Diseases and conditions (not symptoms: « de la fièvre », « mal au ventre » are what callers say and Camille
# repeats; a named condition is a diagnosis).
CONDITION = alternation("""
angines? gastros? gastro_enterites? otites? grippes? entorses? infections? conjonctivites? varicelle allergies?
deshydratation sinusites? crises?_d_angoisse angoisse rhumes? zona bronchiolites? bronchites? tendinites? migraines?
lumbagos? eczema cystites? urticaire reflux fractures? fissures? avc appendicites? intoxications? laryngites? roseole
torticolis mycoses? hypertension hypotension covid sciatiques? scarlatine coups?_de_froid crises?_de_foie orgelets?
hernies? rages?_de_dents mononucleose calculs coliques? effets?_secondaires? asthme coqueluche hypoglycemies? thyroide
gale arthrose virus oreillons crises?_de_goutte menopause poussees?_dentaires? pharyngites? rhinopharyngites?
pneumonies? pneumopathies? bronchopneumonies? gastrites? ulceres? pyelonephrites? diabete anemies? carences?
depressions? burn_out surmenage spasmophilie tetanie insolations? coups?_de_chaleur indigestions? constipation
hemorroides varices phlebites? lombalgies? claquages? elongations? dechirures? foulures? luxations? contusions?
commotions? herpes
boutons?_de_fievre impetigo verrues? psoriasis acne teignes? poux rhume_des_foins chalazions? bouchons?_de_cerumen
tracheites? rougeole rubeole virose viroses pieds_mains_bouche lyme infarctus crises?_cardiaques? malaises?_vagal
malaises?_vagaux vertiges? labyrinthites? cephalees? epilepsie hyperglycemies? hypothyroidies? hyperthyroidies?
endometriose kystes? fausses?_couches? prostatites? coliques?_nephretiques? arthrites? rhumatismes? canal_carpien
piqures? morsures? brulures?_d_estomac intolerances? mal_de_dos mal_des_transports traumatismes? hematomes?
reactions?_allergiques? abces panaris aphtes? gingivites? caries? ongles?_incarnes? phimosis varicelles?
""")

# What a receptionist tells a caller to take, keep or do that is not care: words that end a rule's object.
ADMIN = alternation("""
rendez rdv temps avance recul notes? nom noms adresse mail numero carte cartes dossier message code annulation
rappel creneau creneaux option place places ordonnance ordonnances papiers? photo photos quoi contact masque
attestation certificat courrier resultats? ticket parking ascenseur escalier porte ligne patience nouvelles
precautions soin telephone agenda calendrier formulaire fiche boite mails? messagerie sms texto
""")

# Telling the caller to take, give, put, stop or keep a medicine: imperatives (not « vous prenez »: that is a
# question about a treatment), « je prendrais » (« à votre place »), and a modal before an infinitive.
TAKE_IMPERATIVE = alternation("""
prenez prends reprenez reprends avalez avale appliquez applique utilisez utilise achetez achete essayez essaie essaye
continuez continue arretez arrete evitez evite remplacez remplace privilegiez ajoutez vaporisez pulverisez mettez mets
remettez donnez donne redonnez passez_au passez_a_la passe_au optez_pour tentez testez alternez associez combinez
demandez demande gardez garde je_prendrais je_mettrais je_donnerais j_appliquerais j_essaierais j_utiliserais
je_continuerais j_arreterais
""")
MODAL = alternation("""
vous_pouvez vous_pourriez vous_devriez vous_devez tu_peux tu_pourrais tu_devrais tu_dois peut peuvent pourrait
pourraient doit doivent devrait devraient il_faut il_faudrait faut faudrait il_vaut_mieux il_vaudrait_mieux mieux_vaut
le_mieux_c_est_de le_mieux_,_c_est_de le_mieux_c_est_d le_mieux_,_c_est_d le_mieux_est_de le_mieux_serait_de
l_ideal_est_de l_ideal_c_est_de l_ideal_serait_de le_plus_simple_c_est_de le_plus_simple_est_de je_vous_conseille_de
je_vous_conseille_d je_te_conseille_de je_vous_recommande_de je_vous_suggere_de n_hesitez_pas_a pensez_a essayez_de
essayer_de il_suffit_de suffit_de qu_a vous_avez_le_droit_de rien_ne_vous_empeche_de
""")
TAKE_INFINITIVE = alternation("""
prendre reprendre avaler appliquer utiliser acheter essayer continuer arreter eviter remplacer privilegier ajouter
mettre remettre donner redonner passer_au passer_a_la tenter tester alterner associer combiner demander commander
garder
""")

# Telling the caller what to do for their body: care imperatives, infinitives after a modal, what care puts on or
# makes someone do, where it keeps them, and « il faut qu'il ... » subjunctives.
CARE_IMPERATIVE = alternation("""
buvez bois mangez reposez_vous repose_toi dormez dors allongez allonge_toi allonge_le allonge_la couchez couche_le
couche_la couche_toi surelevez sureleve relevez_lui levez_lui penchez penche pincez pince_lui comprimez rincez rince
desinfectez desinfecte nettoyez nettoie appliquez massez masse frottez mouchez mouche_le aerez humidifiez decouvrez
decouvre enlevez enleve gargarisez gargarise inhalez hydratez immobilisez bandez marchez respirez soufflez glacez
refroidissez rafraichissez jeunez ventilez desserrez tamponnez couvrez_vous couvrez_le couvrez_la
""")
CARE_INFINITIVE = alternation("""
boire manger vous_reposer se_reposer te_reposer reposer dormir allonger coucher surelever lever_les_jambes pencher
pincer comprimer laver rincer desinfecter nettoyer appliquer masser frotter moucher aerer humidifier decouvrir enlever
retirer gargariser inhaler hydrater immobiliser bander surveiller eviter marcher jeuner glacer refroidir rafraichir
changer_le_pansement ventiler laisser_dormir laisser_reposer laisser_se_reposer faire_boire faire_manger
faire_respirer faire_vomir faire_dormir faire_moucher
""")
CARE_OBJECT = alternation("""
inhalations? gargarismes? bains? compresses? massages? lavages? cataplasmes? fumigations? bains_de_bouche bouillottes?
vapeur exercices? etirements? glace diete jeune regime pansements? strapping attelles? poches? linges? gants?
sacs?_de_glace bandes? bandages? glacons
""")
CARE_PLACE = alternation("""
au_lit au_repos allonge allongee allonges couche couchee au_chaud au_frais a_jeun hydrate hydratee au_calme
a_la_maison au_sec immobile en_position sur_le_cote sur_le_dos sur_le_ventre a_l_abri
""")
SUBJUNCTIVE = alternation("""
garde gardiez reste restiez boive buviez mange mangiez dorme dormiez repose reposiez evite evitiez prenne preniez mette
mettiez fasse fassiez surveille se_repose se_couche s_allonge se_mouche se_lave se_gratte retourne aille sorte gratte
mouille force se_baigne
""")
# Words that make a statement about the caller's health a guess: « sûrement », « sans doute ».
HEDGE = alternation("""
surement probablement sans_doute certainement peut_etre sans_aucun_doute visiblement apparemment clairement juste
simplement seulement bien
""")
