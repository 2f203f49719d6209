// Validates an export of `aiguillage directory export --format json` with the
// reference library of the cartographie nationale des lieux d'inclusion
// numérique, npm package `@gouvfr-anct/lieux-de-mediation-numerique`.
//
// Why: our export claims to follow the « schéma de données des lieux de
// médiation numérique » (v1.0.2). Our own Rust checks read the TableSchema; this
// script asks the code that the cartographie nationale itself runs on incoming
// data whether every exported place would be accepted, so that a divergence
// between our reading of the standard and theirs shows up in the test suite.
//
// Usage: node validate-export.mjs FILE.json
//   FILE.json is the exported array of places (keys = field names of the
//   standard, values = strings, multi-valued fields joined with `|`, absent
//   fields omitted).
// Prints each rejected place (its `id` and the library's message), then
// « N lieux validés, M rejetés par la bibliothèque de référence ».
// Exit code: 0 if every place is accepted; 1 if a place is rejected or the file
// is unreadable, not JSON, not an array or empty; 2 on wrong usage.
//
// What "accepted" means, for each place:
//   1. `fromSchemaLieuDeMediationNumerique(row)` — the library's import of one
//      row of the standard into its validated `LieuMediationNumerique` model —
//      does not throw. It throws a `ModelError` (with a `key` naming the field)
//      for: empty id or nom; pivot that is neither 14 characters (SIRET) nor an
//      RNA number (W + 9 characters); adresse, code_postal (5 digits),
//      code_insee, commune not matching its patterns; latitude/longitude out of
//      range; telephone not matching its French number pattern; a services,
//      typologie, publics, prise en charge, frais, itinérance, modalités,
//      dispositifs or formations_labels value outside the enumerations of the
//      standard; fiche_acces_libre / prise_rdv not a URL.
//   2. Two values that step 1 transports without checking although the model
//      types them: `contact.courriels` is `Courriel[]` and `contact.site_web`
//      is `Url[]`; each element is passed to the library's own `Courriel` and
//      `Url` constructors, which throw `CourrielError` / `UrlError`.
//   3. `toSchemaLieuMediationNumerique(model)` — the library's way back to a row
//      of the standard, as the cartographie republishes it — does not throw.
//      This catches a `date_maj` that step 1 turned into an Invalid Date
//      without complaint (`toISOString` throws « Invalid time value »).
//
// Transport (the only adaptation of our rows, and a faithful one): the standard
// types `latitude` and `longitude` as `number` and so does the library's input
// type, whereas our JSON carries every value as a string. A string that is a
// plain decimal number is converted to that number; any other string is passed
// unchanged (the library's range check then fails on it), except a blank
// string, passed as NaN so that it is rejected rather than read as 0 by
// JavaScript. Nothing else is touched: `|` lists are split by the library
// itself, and no value is trimmed, reformatted or otherwise "fixed".

import { readFile } from 'node:fs/promises';
import lieux from '@gouvfr-anct/lieux-de-mediation-numerique';

const { fromSchemaLieuDeMediationNumerique, toSchemaLieuMediationNumerique, Courriel, Url } = lieux;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/u;

const toSchemaNumber = (value) => {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return Number.NaN;
  return DECIMAL.test(value) ? Number(value) : value;
};

const transport = (place) => ({
  ...place,
  ...('latitude' in place ? { latitude: toSchemaNumber(place.latitude) } : {}),
  ...('longitude' in place ? { longitude: toSchemaNumber(place.longitude) } : {})
});

const validate = (place) => {
  const lieu = fromSchemaLieuDeMediationNumerique(transport(place));
  lieu.contact?.courriels?.forEach((courriel) => Courriel(courriel));
  lieu.contact?.site_web?.forEach((url) => Url(url));
  try {
    toSchemaLieuMediationNumerique(lieu);
  } catch (error) {
    throw new Error(`toSchemaLieuMediationNumerique : ${error.message} (date_maj = ${JSON.stringify(place.date_maj)})`);
  }
};

const describe = (error) => {
  const message = error instanceof Error ? error.message : String(error);
  const key = error != null && typeof error.key === 'string' ? `[${error.key}] ` : '';
  return `${key}${message || error?.constructor?.name || 'erreur sans message'}`;
};

const fail = (message) => {
  console.error(message);
  process.exit(1);
};

const [file, ...extra] = process.argv.slice(2);
if (file == null || extra.length > 0) {
  console.error('usage : node validate-export.mjs FICHIER.json');
  process.exit(2);
}

let places;
try {
  places = JSON.parse(await readFile(file, 'utf8'));
} catch (error) {
  fail(`${file} : lecture ou analyse JSON impossible : ${error.message}`);
}
if (!Array.isArray(places)) fail(`${file} : le contenu n'est pas un tableau JSON de lieux`);
if (places.length === 0) fail(`${file} : le tableau ne contient aucun lieu`);

let validated = 0;
let rejected = 0;
places.forEach((place, index) => {
  const label =
    place != null && typeof place === 'object' && typeof place.id === 'string' && place.id !== ''
      ? place.id
      : `(sans id, élément n° ${index + 1})`;
  try {
    if (place == null || typeof place !== 'object' || Array.isArray(place)) {
      throw new Error("l'élément n'est pas un objet");
    }
    validate(place);
    validated += 1;
  } catch (error) {
    rejected += 1;
    console.log(`${label} : ${describe(error)}`);
  }
});

console.log(`${validated} lieux validés, ${rejected} rejetés par la bibliothèque de référence`);
process.exit(rejected > 0 ? 1 : 0);
