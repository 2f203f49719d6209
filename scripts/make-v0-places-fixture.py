#!/usr/bin/env python3
"""Writes crates/store/tests/fixtures/lieux-v0-auvergne-rhone-alpes.csv: a places file of our own
making shaped like the regional exports published before the standard's 1.0 — 687 rows in
Auvergne-Rhône-Alpes, pre-v1 labels (`;` or `|`), communes written as people write them (capitals,
no hyphens, St/Ste, CEDEX, a dropped article, a shortened name, a commune merged since, a postal code
that lost its leading zero), phones with spaces, web addresses without https://, dates 02/04/2024,
and 25 rows that cannot be places. Deterministic (seeded). Usage: python3 scripts/make-v0-places-fixture.py"""
import csv
import random
import unicodedata

random.seed(687)
DEPARTEMENTS = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
communes = [r for r in csv.DictReader(open("data/territory/communes-2026.csv", encoding="utf-8"))
            if r["departement"] in DEPARTEMENTS and r["type"] == "commune-actuelle"]
communes.sort(key=lambda r: -int(r["population"] or 0))
big = communes[:400]
former = [r for r in csv.DictReader(open("data/territory/communes-anciennes-2026.csv", encoding="utf-8"))
          if r["departement"] in DEPARTEMENTS and r["nom"]]
by_code = {r["code_insee"]: r for r in communes}
former = [r for r in former if r["code_actuel"] in by_code]

SERVICES = [
    ("Approfondir ma culture numérique", 475), ("Accompagner les démarches de santé", 366),
    ("Promouvoir la citoyenneté numérique", 324), ("Devenir autonome dans les démarches administratives", 420),
    ("Réaliser des démarches administratives avec un accompagnement", 380), ("Prendre en main un ordinateur", 300),
    ("Prendre en main un smartphone ou une tablette", 330), ("Utiliser le numérique au quotidien", 310),
    ("Favoriser mon insertion professionnelle", 200), ("Accéder à une connexion internet", 260),
    ("Accéder à du matériel", 220), ("S’équiper en matériel informatique", 60),
    ("Créer et développer mon entreprise", 50), ("Créer avec le numérique", 90),
    ("Soutenir la parentalité et l’éducation avec le numérique", 110),
]
PUBLICS = ["Jeunes (16-26 ans)", "Seniors (+ 65 ans)", "Familles/enfants", "Adultes", "Uniquement femmes",
           "Public langues étrangères", "Personnes en situation d’illettrisme", "Surdité", "Tout publics"]
MODES = ["Seul : j'ai accès à du matériel et une connexion",
         "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
         "Dans un atelier : j'apprends collectivement à utiliser le numérique"]
ON_BEHALF = "A ma place : une personne habilitée fait les démarches à ma place"
COSTS = ["Gratuit", "Gratuit sous conditions", "Payant", "Adhésion", "Accepte le pass numérique"]
PROGRAMMES = ["Conseiller numérique", "CNFS", "France service", "Aidants Connect", "Point relais CAF"]
KINDS = ["Médiathèque", "Espace numérique", "France services", "CCAS", "Centre social", "Maison de quartier",
         "Tiers-lieu", "Mairie", "Association Les Connectés de", "Point numérique"]
HEADER = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude", "longitude",
          "telephone", "courriels", "site_web", "horaires", "source", "date_maj", "services",
          "publics_specifiquement_adresses", "frais_a_charge", "dispositif_programmes_nationaux",
          "modalites_accompagnement"]


def plain(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def written(commune):
    """The commune's name and postal code as somebody typed them, and how."""
    name, postal = commune["nom"], commune["codes_postaux"].split("|")[0]
    roll = random.random()
    if roll < 0.35:
        return name, postal
    if roll < 0.50:
        return plain(name).upper().replace("-", " ").replace("'", " "), postal
    if roll < 0.60 and ("Saint-" in name or "Sainte-" in name):
        return name.replace("Sainte-", "Ste-").replace("Saint-", "St-"), postal
    if roll < 0.66 and name.split(" ")[0] in ("Le", "La", "Les"):
        return name.split(" ", 1)[1].replace("-", " "), postal
    if roll < 0.72 and int(commune["population"] or 0) > 20000:
        return f"{name} Cedex {random.randint(1, 9):02d}", postal[:3] + f"{random.randint(0, 9)}{random.randint(1, 9)}"
    if roll < 0.76 and "-" in name and len(name.split("-")) >= 3:
        return " ".join(name.split("-")[:2]), postal
    if roll < 0.82 and postal.startswith("0"):
        return name, postal[1:]
    return name.lower(), postal


def phone():
    digits = "04" + "".join(str(random.randint(0, 9)) for _ in range(8))
    style = random.random()
    if style < 0.4:
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    if style < 0.6:
        return ".".join(digits[i:i + 2] for i in range(0, 10, 2))
    if style < 0.8:
        return "+33" + digits[1:]
    return digits


def services():
    labels = [label for label, _ in SERVICES]
    weights = [weight for _, weight in SERVICES]
    chosen = []
    for _ in range(random.randint(1, 6)):
        label = random.choices(labels, weights)[0]
        if label not in chosen:
            chosen.append(label)
    return chosen


def row(number, commune, name, postal):
    kind = random.choice(KINDS)
    separator = ";" if random.random() < 0.6 else "|"
    modes = random.sample(MODES, random.randint(1, 2))
    if random.random() < 0.19:
        modes.append(ON_BEHALF)
    insee = commune["code_insee"] if random.random() < 0.3 else ""
    lat = lon = ""
    if commune["latitude"] and random.random() < 0.7:
        lat, lon = commune["latitude"], commune["longitude"]
        if random.random() < 0.2:
            lat, lon = lat.replace(".", ","), lon.replace(".", ",")
    slug = plain(commune["nom"]).lower().replace(" ", "-").replace("'", "-")
    site = random.choice(["", f"www.{slug}.fr", f"https://www.{slug}.fr/numerique", f"http://{slug}.fr"])
    date = random.choice(["2022-06-02", "2023-01-17", "14/03/2023", "2021-11-30", "2023-09-05T10:12:00"])
    return {
        "id": f"ara-{number:04d}",
        "pivot": random.choice(["", "21740010900018", "77567227200034", "W743004567", "123"]),
        "nom": f"{kind} {commune['nom']}" if random.random() < 0.8 else f"{kind} {number}",
        "commune": name, "code_postal": postal, "code_insee": insee,
        "adresse": f"{random.randint(1, 80)} {random.choice(['rue de la République', 'place de la Mairie', 'avenue Jean Jaurès', 'rue du Stade'])}",
        "latitude": lat, "longitude": lon,
        "telephone": phone() if random.random() < 0.8 else "",
        "courriels": random.choice(["", f"contact@{slug}.fr", f"numerique@{slug}.fr;accueil@{slug}.fr", "à venir"]),
        "site_web": site, "horaires": random.choice(["", "Mo-Fr 09:00-12:00", "lundi matin"]),
        "source": "reseau-regional-ara", "date_maj": date,
        "services": separator.join(services()),
        "publics_specifiquement_adresses": separator.join(random.sample(PUBLICS, random.randint(0, 3))),
        "frais_a_charge": separator.join(random.sample(COSTS, random.randint(1, 2))),
        "dispositif_programmes_nationaux": separator.join(random.sample(PROGRAMMES, random.randint(0, 2))),
        "modalites_accompagnement": separator.join(modes),
    }


rows = []
# The communes the first real file could not find, written as it wrote them.
by_name = {r["nom"]: r for r in communes}
described = [
    ("Annecy", "Annecy Cedex 03", "74003"), ("Saint-Gervais-les-Bains", "SAINT GERVAIS", "74170"),
    ("Le Pont-de-Claix", "Pont de Claix", "38800"), ("Saint-Just-Saint-Rambert", "Saint-Just St-Rambert", "42170"),
    ("Ardes", "Ardes sur couze", "63420"), ("Annecy", "Seynod", "74600"),
]
for official, name, postal in described:
    rows.append(dict(row(len(rows) + 1, by_name[official], name, postal), code_insee=""))
for merged in random.sample(former, 40):
    current = by_code[merged["code_actuel"]]
    rows.append(row(len(rows) + 1, current, merged["nom"], current["codes_postaux"].split("|")[0]))
while len(rows) < 662:
    commune = random.choice(big)
    name, postal = written(commune)
    rows.append(row(len(rows) + 1, commune, name, postal))
# 25 rows that cannot be places, each for one reason.
broken = []
for i in range(25):
    r = row(len(rows) + 1, random.choice(big), *written(random.choice(big))[:2])
    reason = i % 5
    if reason == 0:
        r["nom"] = ""
    elif reason == 1:
        r["commune"], r["code_postal"], r["code_insee"] = "Trifouillis-les-Oies", "99999", ""
    elif reason == 2:
        r["adresse"] = ""
    elif reason == 3:
        r["services"] = "Cours de cuisine;Aide aux devoirs"
    else:
        r["date_maj"] = "bientôt"
    broken.append(r["id"])
    rows.append(r)
random.shuffle(rows)
with open("crates/store/tests/fixtures/lieux-v0-auvergne-rhone-alpes.csv", "w", encoding="utf-8", newline="") as out:
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
with open("crates/store/tests/fixtures/lieux-v0-auvergne-rhone-alpes.broken-ids.txt", "w", encoding="utf-8") as out:
    out.write("\n".join(sorted(broken)) + "\n")
print(len(rows), "rows,", len(broken), "broken")
