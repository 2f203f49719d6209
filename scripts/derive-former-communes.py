#!/usr/bin/env python3
"""Derives data/territory/communes-anciennes-2026.csv from @etalab/decoupage-administratif 6.0.0
(INSEE COG 2026): every former commune a places file may still name — communes déléguées and
associées (name, code, the current commune they belong to) and the old INSEE codes each current
commune absorbed. Usage: python3 scripts/derive-former-communes.py PATH/TO/shared/data"""
import csv
import json
import sys

source = sys.argv[1] + "/etalab-decoupage-administratif/communes.json"
communes = json.load(open(source, encoding="utf-8"))
rows = {}
for c in communes:
    if c["type"] in ("commune-deleguee", "commune-associee") and c["code"] != c["chefLieu"]:
        rows[(c["code"], c["nom"])] = (c["code"], c["nom"], c["type"], c["chefLieu"], c["departement"])
named = {code for code, _ in rows}
for c in communes:
    if c["type"] != "commune-actuelle":
        continue
    for old in c.get("anciensCodes", []):
        if old not in named and old != c["code"]:
            rows[(old, "")] = (old, "", "ancien-code", c["code"], c["departement"])
out = open("data/territory/communes-anciennes-2026.csv", "w", encoding="utf-8", newline="")
writer = csv.writer(out, lineterminator="\n")
writer.writerow(["ancien_code", "nom", "statut", "code_actuel", "departement"])
for row in sorted(rows.values()):
    writer.writerow(row)
print(len(rows), "former communes")
