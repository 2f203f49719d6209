#!/usr/bin/env python3
"""Validates real responses of aiguillage's La Coop API (/api/coop/v1/…) against La Coop's own
OpenAPI document, with the standard validator openapi-core.

Usage: validate-coop-api.py BASE_URL TOKEN [DOCUMENT]
  BASE_URL  the server, e.g. http://127.0.0.1:8765
  TOKEN     an API client's bearer credential client-id:client-secret (scopes activities:read and
            directory:read)
  DOCUMENT  La Coop's v1.openapi.json (default: $AIGUILLAGE_COOP_OPENAPI, else the copy kept in the
            project's shared data folder, which its SOURCE.md asks not to copy into the project).

The document marks optional enumerations `nullable: true` without `null` in their `enum`, which
OpenAPI 3.0.3 asks for; La Coop itself answers `null` there (e.g. `niveau_atelier` of an individual
activity). `null` is added to those enumerations before validating, and only there.

Walks every resource, follows the `next` links of the lists for a few pages, checks the pagination
(`page[size]` respected, ids never repeated across pages, `prev` leads back), the stable ids (the
same on a second call) and that an unknown credential gets 401. Exits 1 on the first failure."""
import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit
from pathlib import Path

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

BASE, TOKEN = sys.argv[1].rstrip("/"), sys.argv[2]
CANDIDATES = [
    sys.argv[3] if len(sys.argv) > 3 else None,
    os.environ.get("AIGUILLAGE_COOP_OPENAPI"),
    str(Path(__file__).resolve().parent.parent.parent / "shared/data/coop-api-v1/v1.openapi.json"),
    "/work/shared/data/coop-api-v1/v1.openapi.json",
]
DOCUMENT = next((c for c in CANDIDATES if c and Path(c).is_file()), None)
if DOCUMENT is None:
    sys.exit("ÉCHEC : document OpenAPI de La Coop introuvable (AIGUILLAGE_COOP_OPENAPI)")

spec = json.loads(Path(DOCUMENT).read_text(encoding="utf-8"))
PREFIX = "/api/coop/v1"
spec["servers"] = [{"url": BASE + PREFIX}]


def allow_null_in_nullable_enums(node):
    if isinstance(node, dict):
        if node.get("nullable") and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
        for value in node.values():
            allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            allow_null_in_nullable_enums(value)


allow_null_in_nullable_enums(spec)
api = OpenAPI.from_dict(spec)


def call(path, token=TOKEN):
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def validated(path):
    status, body, content_type = call(path)
    if status != 200:
        sys.exit(f"ÉCHEC : {path} → {status} {body[:300]!r}")
    resource, _, query = path[len(PREFIX):].partition("?")
    args = dict(pair.split("=", 1) for pair in query.split("&") if pair)
    request = MockRequest(BASE, "get", PREFIX + resource, args=args, headers={"Authorization": f"Bearer {TOKEN}"})
    response = MockResponse(body, status_code=status, content_type=content_type.split(";")[0])
    try:
        api.validate_response(request, response)
    except Exception as error:  # the validator's errors carry the schema errors in their cause
        cause = error.__cause__ or error
        details = [getattr(e, "message", str(e))[:300] for e in getattr(cause, "schema_errors", [cause])]
        sys.exit(f"ÉCHEC : {path} ne suit pas le document de La Coop : {details}")
    return json.loads(body)


def local(link):
    """The path and query of a link the API gave (its host is the instance's public address)."""
    parts = urlsplit(link)
    return parts.path + ("?" + parts.query if parts.query else "")


def walk(resource, size, pages):
    seen, path, document = [], f"{PREFIX}/{resource}?page[size]={size}", None
    for _ in range(pages):
        document = validated(path)
        ids = [item["id"] for item in document["data"]]
        if len(ids) > size:
            sys.exit(f"ÉCHEC : {resource} : {len(ids)} éléments pour page[size]={size}")
        if set(ids) & set(seen):
            sys.exit(f"ÉCHEC : {resource} : un identifiant revient d'une page à l'autre")
        seen += ids
        following = document["links"].get("next")
        if not following:
            break
        path = local(following)
    if document and document["links"].get("prev"):
        back = validated(local(document["links"]["prev"]))
        if [item["id"] for item in back["data"]][-1:] != seen[-len(document["data"]) - 1:-len(document["data"])]:
            sys.exit(f"ÉCHEC : {resource} : le lien prev ne ramène pas à la page précédente")
    again = validated(f"{PREFIX}/{resource}?page[size]={size}")
    if [item["id"] for item in again["data"]] != seen[:size]:
        sys.exit(f"ÉCHEC : {resource} : identifiants instables d'un appel à l'autre")
    print(f"ok {resource} : {len(seen)} éléments sur {document['meta']['total_count']}, {len(seen) // size + 1} pages vérifiées")


validated(f"{PREFIX}/health")
walk("activites", 50, 4)
walk("structures", 10, 3)
walk("utilisateurs", 1, 2)
places = validated(f"{PREFIX}/lieux-activite")
print(f"ok lieux-activite : {len(places)} lieux")
statistics = validated(f"{PREFIX}/statistiques?filter[du]=2026-01-01&filter[au]=2026-12-31")
print(f"ok statistiques : {statistics['data']['attributes'].get('activites', {}).get('total', 0)} activités comptées")
status, _, _ = call(f"{PREFIX}/activites", token="inconnu:secret")
if status != 401:
    sys.exit(f"ÉCHEC : un identifiant inconnu reçoit {status}, 401 attendu")
print("ok identifiants inconnus refusés (401)")
print("Réponses conformes au document OpenAPI de La Coop.")
