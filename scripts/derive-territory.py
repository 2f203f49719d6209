#!/usr/bin/env python3
"""Copies the territory reference files the product embeds from shared/data into data/territory.

communes-2026.csv, departements.json and regions.json are copied as they are; epci.json (4 MB, with every
member commune) is reduced to one CSV line per EPCI, since membership is already in communes-2026.csv.
"""
import csv, json, pathlib, shutil, sys

shared = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
out = pathlib.Path(__file__).resolve().parent.parent / "data" / "territory"
out.mkdir(parents=True, exist_ok=True)
shutil.copy(shared / "derived-communes-2026" / "communes-2026.csv", out / "communes-2026.csv")
for name in ("departements.json", "regions.json"):
    shutil.copy(shared / "etalab-decoupage-administratif" / name, out / name)
epcis = json.load(open(shared / "etalab-decoupage-administratif" / "epci.json", encoding="utf-8"))
with open(out / "epci-2026.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code_siren", "nom", "type", "population_municipale", "population_totale", "membres"])
    for e in sorted(epcis, key=lambda e: e["code"]):
        w.writerow([e["code"], e["nom"], e["type"], e.get("populationMunicipale", ""),
                    e.get("populationTotale", ""), len(e["membres"])])
print(f"{len(epcis)} EPCI written to {out}")
