#!/usr/bin/env python3
"""Rank comparison of a computed fragility index with the published 2019 index (La MedNum), per département.

The 2019 file is per IRIS; a commune's 2019 value is the mean of its IRIS "SCORE GLOBAL departement 1" (100 = the
département's average), so that ranks are compared within each département. Prints, per département, the number of
communes compared and Spearman's rank correlation, then the median over départements.

Usage: compare-ifn-2019.py COMPUTED.csv IFN-2019-IRIS.csv
  COMPUTED.csv: the output of `aiguillage territory index` (columns code_insee, ..., index)
  IFN-2019-IRIS.csv: shared/data/ifn-mednum-2019-iris/ifn-2019-iris.csv (separator ;)
"""
import csv
import statistics
import sys
from collections import defaultdict


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in order[i:j + 1]:
            result[k] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    mean = (n + 1) / 2
    cov = sum((x - mean) * (y - mean) for x, y in zip(ra, rb))
    va = sum((x - mean) ** 2 for x in ra)
    vb = sum((y - mean) ** 2 for y in rb)
    return cov / (va * vb) ** 0.5 if va and vb else None


def main():
    computed = {}
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["index"]:
                computed[row["code_insee"]] = float(row["index"])
    published = defaultdict(list)
    with open(sys.argv[2], newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            value = row["SCORE GLOBAL departement 1"]
            if value:
                published[row["Insee Com"].zfill(5)].append(float(value))
    by_dep = defaultdict(list)
    for code, values in published.items():
        if code in computed:
            dep = code[:3] if code.startswith("97") else code[:2]
            by_dep[dep].append((computed[code], statistics.mean(values)))
    rhos = []
    print("departement,communes,spearman")
    for dep in sorted(by_dep):
        pairs = by_dep[dep]
        rho = spearman([p[0] for p in pairs], [p[1] for p in pairs]) if len(pairs) >= 3 else None
        if rho is not None:
            rhos.append(rho)
        print(f"{dep},{len(pairs)},{'' if rho is None else f'{rho:.3f}'}")
    print(f"# {len(rhos)} départements, median Spearman {statistics.median(rhos):.3f}, "
          f"quartiles {statistics.quantiles(rhos, n=4)[0]:.3f} / {statistics.quantiles(rhos, n=4)[2]:.3f}, "
          f"communes compared {sum(len(p) for p in by_dep.values())}", file=sys.stderr)


if __name__ == "__main__":
    main()
