// End-to-end journey of every demo role in headless Chromium: log in, visit every page of the
// navigation, check each with axe-core (WCAG 2.1 A and AA) and save a screenshot. Also checks the
// French message of a wrong password and the public pages, a prescriber's enrolment and diagnostic
// (with and without consent), and the public self-diagnostic. The demo administrator and coordinator
// have a second factor: their TOTP keys are read from what the demo prints and each code is computed
// here (RFC 6238); the mediator enrols one from « Mon compte » (QR code page, recovery codes).
// Exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const binary = process.env.AIGUILLAGE_BIN ?? join(here, '..', 'target', 'debug', 'aiguillage');
const port = Number(process.env.AIGUILLAGE_E2E_PORT ?? 8765);
const base = `http://127.0.0.1:${port}`;
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

const failures = [];
const fail = (message) => { failures.push(message); console.error(`ÉCHEC : ${message}`); };

function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiguillage-e2e-'));
  const server = spawn(binary, ['demo', '--port', String(port), '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready after 180 s:\n${output}`)), 180_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Arrêt : Ctrl-C.')) { clearTimeout(timer); resolve({ server, output }); }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', (chunk) => { output += chunk; });
    server.on('exit', (code) => reject(new Error(`demo exited (${code}):\n${output}`)));
  });
}

/** The demo accounts, read from what the demo prints (with the TOTP key of those that have one). */
function accountsFrom(output) {
  const accounts = [];
  for (const line of output.split('\n')) {
    const match = line.match(/^\s+(.+?)\s{2,}(\S+@demo\.aiguillage\.fr)\s+(\S+)\s*$/);
    if (match) accounts.push({ role: match[1], email: match[2], password: match[3] });
    const key = line.match(/clé TOTP \((\S+@demo\.aiguillage\.fr)\) : ([A-Z2-7 ]+)$/);
    const owner = key && accounts.find((a) => a.email === key[1]);
    if (owner) owner.totpKey = key[2].replace(/ /g, '');
  }
  return accounts;
}

/** Decodes base32 (RFC 4648), as an authenticator application reads a typed key. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The TOTP code (RFC 6238: HMAC-SHA1, 6 digits, 30 s) of a base32 key for a time step. */
function totp(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** A code of a step not used yet by this account (a code is accepted once): waits for the next step if needed. */
const lastSteps = new Map();
async function freshCode(account) {
  let step = Math.floor(Date.now() / 30_000);
  while (step <= (lastSteps.get(account.email) ?? -1)) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    step = Math.floor(Date.now() / 30_000);
  }
  lastSteps.set(account.email, step);
  return totp(account.totpKey, step);
}

async function checkAccessibility(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const violation of result.violations) {
    const targets = violation.nodes.map((node) => node.target.join(' ')).join(', ');
    fail(`${label} : axe ${violation.id} (${violation.impact}) — ${violation.help} — ${targets}`);
  }
  return result.violations.length;
}

const slug = (text) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * Saves a screenshot for a person to look at. Headless Chromium sometimes never finishes a full-page
 * capture of a page with a WebGL map on a loaded machine; such a capture is retried on the visible part
 * alone, and a capture that fails twice is reported as a warning: screenshots are evidence to read, the
 * assertions are the checks above them.
 */
async function shoot(target, name, { fullPage = true } = {}) {
  const path = join(shots, name);
  try {
    await target.screenshot(fullPage ? { path, fullPage, timeout: 15_000 } : { path, timeout: 15_000 });
  } catch (first) {
    console.warn(`attention : capture ${name} reprise sans la page entière (${first.name})`);
    try {
      await target.screenshot({ path, timeout: 15_000 });
    } catch (second) {
      console.warn(`attention : capture ${name} impossible (${second.name}) ; les vérifications restent faites`);
    }
  }
}

async function visit(page, url, label) {
  const response = await page.goto(url);
  if (!response || response.status() >= 400) fail(`${label} : statut ${response?.status()} pour ${url}`);
  const violations = await checkAccessibility(page, label);
  await shoot(page, `${slug(label)}.png`);
  // Every page of the navigation at a phone's width too, checked again there.
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  const narrow = await checkAccessibility(page, `${label} (390 px)`);
  await shoot(page, `${slug(label)}-390.png`);
  if (size) await page.setViewportSize(size);
  console.log(`ok ${label} (${url}) — ${violations} violation(s) axe, ${narrow} à 390 px`);
}

/** Somebody without an account looks for a place near Saumur, reads its sheet, and a commune's site
 * frames the embeddable search. */
async function publicDirectory(page) {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Trouver un lieu près de chez vous' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Besoin (service)').selectOption('Aide aux démarches administratives');
  await page.getByLabel('Votre commune ou votre code postal').fill('Saumur');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForLoadState('load');
  const cards = await page.locator('.fr-card__title a').count();
  if (cards === 0) fail('annuaire public : aucun lieu trouvé autour de Saumur');
  const cookies = await page.context().cookies();
  if (cookies.length > 0) fail(`annuaire public : ${cookies.length} cookie(s) déposé(s)`);
  await checkAccessibility(page, 'anonyme annuaire public');
  await shoot(page, 'anonyme-annuaire-public.png');
  await page.locator('.fr-card__title a').first().click();
  await page.waitForLoadState('load');
  const sheet = await page.locator('main').textContent();
  if (!sheet?.includes("Adresse et comment s'y rendre") || !sheet.includes('Horaires')) fail(`fiche publique incomplète : ${sheet?.slice(0, 200)}`);
  await checkAccessibility(page, 'anonyme fiche lieu publique');
  await shoot(page, 'anonyme-fiche-lieu-publique.png');
  await page.setContent(`<!doctype html><html lang="fr"><head><title>Site d'une commune</title></head><body><main><h1>Mairie</h1>`
    + `<iframe title="Lieux d'aide au numérique" src="${base}/integration/lieux?commune=Saumur" width="1000" height="900"></iframe></main></body></html>`);
  const frame = page.frameLocator('iframe');
  await frame.locator('.fr-card__title a').first().waitFor({ timeout: 15_000 })
    .catch(() => fail("l'annuaire intégrable ne s'affiche pas dans le cadre d'un autre site"));
  await shoot(page, 'site-commune-annuaire-integre.png');
  await visit(page, `${base}/integration/lieux?commune=Saumur`, 'annuaire integrable');
  console.log(`ok annuaire public : ${cards} lieux autour de Saumur, fiche lue, version intégrable affichée dans le cadre d'un autre site`);
}

/** A prescriber looks for help with procedures around Saumur, through the form, as a person would. */
async function searchDirectory(page) {
  await page.goto(`${base}/annuaire`);
  await page.getByLabel('Besoin (service)').selectOption('Aide aux démarches administratives');
  await page.getByLabel('Autour de la commune').fill('Saumur');
  await page.getByLabel('Distance maximale (km)').fill('30');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForLoadState('load');
  const summary = await page.locator('h2').first().textContent();
  const cards = await page.locator('.fr-card__title a').count();
  if (!summary?.includes('à moins de 30 km de Saumur') || cards === 0) fail(`recherche dans l'annuaire : « ${summary} », ${cards} résultat(s)`);
  await page.locator('#carte[data-idle="true"]').waitFor({ timeout: 20_000 })
    .catch(() => fail("la carte de l'annuaire ne s'est pas affichée"));
  const points = await page.evaluate(() => fetch(document.getElementById('carte').dataset.geojson).then((r) => r.json()));
  if ((points.features ?? []).length !== cards) fail(`carte : ${points.features?.length} points pour ${cards} lieux listés`);
  await checkAccessibility(page, 'prescripteur recherche annuaire');
  await shoot(page, 'prescripteur-recherche-annuaire.png');
  await page.locator('.fr-card__title a').first().click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur fiche lieu');
  await shoot(page, 'prescripteur-fiche-lieu.png');
  console.log(`ok recherche dans l'annuaire : ${summary?.trim()}`);
}

/** A coordinator uploads a file with broken rows and reads the preview before confirming. */
async function importDirectoryFile(page) {
  await page.goto(`${base}/annuaire/import`);
  await page.getByLabel('Fichier à importer').setInputFiles(join(here, '..', 'crates', 'interop', 'tests', 'fixtures', 'broken.csv'));
  await page.getByRole('button', { name: 'Voir le rapport avant import' }).click();
  await page.waitForLoadState('load');
  const text = await page.locator('main').textContent();
  if (!text?.includes('Rien n\'a encore été enregistré') || !text.includes('code postal « 4910 » complété en « 04910 »')) fail(`aperçu d'import inattendu : ${text?.slice(0, 300)}`);
  await checkAccessibility(page, 'coordinateur apercu import');
  await shoot(page, 'coordinateur-apercu-import.png');
  await page.getByRole('button', { name: 'Confirmer l\'import' }).click();
  await page.waitForLoadState('load');
  const done = await page.locator('.fr-alert--success').textContent().catch(() => null);
  if (!done?.includes('Import terminé')) fail(`import non confirmé : ${done}`);
  await shoot(page, 'coordinateur-import-termine.png');
  console.log(`ok import d'un fichier : ${done?.replace(/\s+/g, ' ').trim()}`);
}

/** A structure manager updates the capacity of their own place's offer. */
async function editOwnPlace(page) {
  await page.goto(`${base}/annuaire?commune=Saumur&rayon=5`);
  await page.getByRole('link', { name: 'Espace public numérique de Saumur' }).click();
  await page.waitForLoadState('load');
  await shoot(page, 'responsable-fiche-lieu.png');
  await page.getByRole('link', { name: 'modifier cette offre' }).first().click();
  await page.waitForLoadState('load');
  await page.getByLabel('Capacité (personnes par semaine ou par cycle d\'ateliers)').fill('30');
  await checkAccessibility(page, 'responsable modification offre');
  await shoot(page, 'responsable-modification-offre.png');
  await page.getByRole('button', { name: 'Enregistrer l\'offre' }).click();
  await page.waitForLoadState('load');
  const text = await page.locator('main').textContent();
  if (!text?.includes('Modifications enregistrées') || !text.includes('Sophie Lefèvre')) fail(`modification de l'offre non enregistrée : ${text?.slice(0, 300)}`);
  await checkAccessibility(page, 'responsable lieu modifie');
  await shoot(page, 'responsable-lieu-modifie.png');
  console.log('ok modification d\'une offre de son propre lieu, signée');
  // The opening hours, typed day by day in plain French; a wrong day comes back explained.
  await page.getByRole('link', { name: 'Modifier ce lieu' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Mardi', { exact: true }).fill('10h-12h et 14 h – 18 h');
  await page.getByLabel('Mercredi', { exact: true }).fill('le matin');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.waitForLoadState('load');
  const refused = await page.locator('.fr-alert--error').textContent();
  if (!refused?.includes('Mercredi : « le matin »')) fail(`horaires : erreur attendue, vu « ${refused} »`);
  await checkAccessibility(page, 'responsable horaires refuses');
  await shoot(page, 'responsable-horaires-refuses.png');
  await page.getByLabel('Mercredi', { exact: true }).fill('14h-17h');
  await page.getByLabel('Fermé les jours fériés').check({ force: true });
  await checkAccessibility(page, 'responsable horaires jour par jour');
  await shoot(page, 'responsable-horaires-jour-par-jour.png');
  await shootNarrow(page, 'responsable-horaires-jour-par-jour-390.png');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.waitForLoadState('load');
  const week = await page.locator('main').textContent();
  if (!week?.includes('mardi : 10 h – 12 h et 14 h – 18 h') || !week.includes('fermé les jours fériés')) fail(`horaires non enregistrés : ${week?.slice(0, 400)}`);
  console.log('ok horaires saisis jour par jour, une erreur expliquée d\'abord');
}

/** Fills the diagnostic questionnaire as a professional would at a desk; returns the number of actions. */
async function answerQuestionnaire(page, answers) {
  let actions = 0;
  const pick = async (group, label) => {
    await page.locator(`#groupe-${group}`).getByLabel(label, { exact: true }).check({ force: true });
    actions += 1;
  };
  for (const [group, label] of answers) await pick(group, label);
  return actions;
}

const DESK_ANSWERS = [
  ['equipement', 'Un smartphone'],
  ['competence_appareil', 'Avec de l\'aide'],
  ['competence_recherche', 'Avec de l\'aide'],
  ['competence_messagerie', 'Seul'],
  ['competence_demarche', 'Pas du tout'],
  ['competence_securite', 'Pas du tout'],
  ['lecture', 'À l\'aise'],
  ['ecriture', 'Avec difficulté'],
  ['langues', 'Français'],
  ['deplacement', 'Jusqu\'à 15 km'],
  ['a_distance', 'Non'],
  ['envie', 'Oui'],
  ['leviers', 'Santé'],
];

/** A prescriber enrols a person with consent, runs the diagnostic, reads the profile, prints the
 * summary, adjusts the profile, runs a second diagnostic, and also runs one without consent. */
async function enrolAndDiagnose(page) {
  const started = Date.now();
  let actions = 0;
  await page.goto(`${base}/personnes`);
  await page.getByRole('link', { name: 'Inscrire une personne' }).click(); actions += 1;
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur inscription');
  await shoot(page, 'prescripteur-inscription.png');
  for (const [label, value] of [[/^Prénom/, 'Josiane'], [/^Nom/, 'Le Goff'], [/^Téléphone/, '06 12 34 56 78'], [/^Commune de résidence/, 'Saumur'], [/^Année de naissance/, '1951']]) {
    await page.getByLabel(label).fill(value); actions += 1;
  }
  await page.getByLabel('Oui, elle est d\'accord : enregistrer la fiche').check({ force: true }); actions += 1;
  await page.getByRole('button', { name: 'Continuer' }).click(); actions += 1;
  await page.waitForLoadState('load');
  if (!page.url().endsWith('/diagnostic')) fail(`inscription : questionnaire attendu, vu ${page.url()}`);
  await checkAccessibility(page, 'prescripteur questionnaire');
  await shoot(page, 'prescripteur-questionnaire.png');
  actions += await answerQuestionnaire(page, DESK_ANSWERS);
  await page.getByLabel('Organisme', { exact: true }).selectOption('CAF ou MSA'); actions += 1;
  await page.getByLabel('Démarche', { exact: true }).selectOption('Renouveler un document ou un droit'); actions += 1;
  const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Date limite').fill(soon); actions += 1;
  await page.getByRole('button', { name: 'Calculer le profil' }).click(); actions += 1;
  await page.waitForLoadState('load');
  const seconds = Math.round((Date.now() - started) / 1000);
  const heading = await page.locator('h1').first().textContent();
  if (!heading?.startsWith('Profil de Josiane')) fail(`profil attendu, vu « ${heading} »`);
  const reasons = await page.getByText(/^Parce que|— Parce que/).count();
  if (reasons < 3) fail(`profil : au moins 3 raisons attendues, ${reasons} vues`);
  const urgency = await page.locator('.fr-alert').first().textContent();
  if (!urgency?.includes('Urgence')) fail(`profil : l'urgence doit venir en premier, vu « ${urgency} »`);
  await checkAccessibility(page, 'prescripteur profil');
  await shoot(page, 'prescripteur-profil.png');
  console.log(`ok inscription + questionnaire + profil : ${actions} actions, ${seconds} s d'automate (bien moins de 5 minutes de clics)`);
  const profileUrl = page.url();

  await page.getByRole('link', { name: 'Fiche à imprimer pour la personne' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur fiche');
  await page.emulateMedia({ media: 'print' });
  await shoot(page, 'prescripteur-fiche-impression.png');
  await page.emulateMedia({ media: 'screen' });
  const summary = await page.locator('.aig-easy-summary').textContent();
  if (!summary?.includes('Ce que nous vous proposons')) fail('fiche : « Ce que nous vous proposons » attendu');
  console.log('ok fiche à imprimer');

  await page.goto(profileUrl);
  await page.getByLabel('Typologie retenue').selectOption('Non autonome, non réfractaire');
  await page.getByLabel('Pourquoi ?').fill('Elle a besoin de reprendre les bases.');
  await page.getByRole('button', { name: 'Enregistrer l\'ajustement' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Ajustée par le professionnel').count())) fail('ajustement non affiché');
  console.log('ok ajustement de la typologie avec sa raison');

  await page.getByRole('link', { name: 'Josiane Le Goff' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Refaire le diagnostic' }).click();
  await page.waitForLoadState('load');
  await answerQuestionnaire(page, DESK_ANSWERS.map(([g, l]) => [g, g === 'competence_demarche' ? 'Avec de l\'aide' : l]));
  await page.getByRole('button', { name: 'Calculer le profil' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText(/Progrès \(\+50 points/).count())) fail('second diagnostic : progrès par domaine attendu');
  await shoot(page, 'prescripteur-progres.png');
  await page.getByRole('link', { name: 'Josiane Le Goff' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur fiche personne');
  await shoot(page, 'prescripteur-personne.png');
  console.log('ok second diagnostic comparé au premier');

  await page.goto(`${base}/personnes/inscrire`);
  await page.getByLabel(/^Prénom/).fill('Marc');
  await page.getByLabel(/^Nom/).fill('Durand');
  await page.getByLabel('La personne n\'a pas de téléphone').check({ force: true });
  await page.getByLabel('Commune de résidence').fill('Angers');
  await page.getByLabel('Non : ne rien enregistrer').check({ force: true });
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.waitForLoadState('load');
  await answerQuestionnaire(page, DESK_ANSWERS);
  await page.getByRole('button', { name: 'Calculer le profil' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').first().textContent())?.includes('non enregistré')) fail('sans consentement : profil non enregistré attendu');
  await checkAccessibility(page, 'prescripteur profil sans enregistrement');
  await shoot(page, 'prescripteur-sans-enregistrement.png');
  await page.goto(`${base}/personnes?q=durand`);
  if (await page.getByText('Marc Durand').count()) fail('sans consentement, la personne ne doit pas être enregistrée');
  console.log('ok diagnostic sans consentement : affiché, rien enregistré');
}

/** A person alone does the self-diagnostic from the public home page, one question a page (leaving
 * one needed answer out once), and asks to be called. */
async function selfDiagnostic(page) {
  await visit(page, `${base}/`, 'anonyme accueil public');
  await page.getByRole('link', { name: 'Faire le point sur le numérique' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'anonyme auto-diagnostic question 1');
  await shoot(page, 'anonyme-auto-diagnostic.png');
  const answers = new Map(DESK_ANSWERS.filter(([g]) => g !== 'a_distance'));
  let steps = 0;
  let sawError = false;
  const asked = page.locator('form[action="/auto-diagnostic"] :is(input[type=radio], input[type=checkbox], select, input[type=text])');
  while (!(await page.locator('h1').first().textContent())?.includes('Votre résultat')) {
    steps += 1;
    if (steps > 30) fail('auto-diagnostic : le résultat devrait venir après les questions');
    const field = await asked.first().getAttribute('name');
    if (field === 'competence_appareil' && !sawError) {
      await page.getByRole('button', { name: 'Continuer' }).click();
      await page.waitForLoadState('load');
      if (!(await page.getByText('Il manque une réponse').count())) fail('auto-diagnostic : réponse manquante signalée attendue');
      await checkAccessibility(page, 'anonyme auto-diagnostic réponse manquante');
      await shoot(page, 'anonyme-auto-diagnostic-erreur.png');
      sawError = true;
      continue;
    }
    if (field === 'commune') await page.locator('#commune-1').fill('Saumur');
    else if (answers.has(field)) await page.locator(`input[name="${field}"][value="${answers.get(field)}"]`).check({ force: true });
    if (field === 'prise_en_charge') await shoot(page, 'anonyme-auto-diagnostic-aide-adaptee.png');
    await page.getByRole('button', { name: /Continuer|Voir mon résultat/ }).click();
    await page.waitForLoadState('load');
  }
  await checkAccessibility(page, 'anonyme auto-diagnostic résultat');
  await shoot(page, 'anonyme-auto-diagnostic-resultat.png');
  const places = await page.locator('#etre-rappele').locator('xpath=preceding::ul[1]/li').count();
  if (places === 0) fail('auto-diagnostic : des lieux proches de Saumur attendus');
  await page.getByLabel('Votre prénom').fill('Marcel');
  await page.getByLabel('Votre téléphone').fill('02 41 00 00 00');
  await page.getByLabel(/J'accepte que les professionnels/).check({ force: true });
  await page.getByRole('button', { name: 'Oui, je veux qu\'on m\'appelle' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Merci Marcel')) fail('auto-diagnostic : remerciement attendu');
  await checkAccessibility(page, 'anonyme demande de contact envoyée');
  console.log(`ok auto-diagnostic sans compte : ${steps} pages de questions, ${places} lieu(x) proche(s), demande de contact envoyée`);
}

/** The prescriber enrols Lucien in Angers, diagnoses him and orients him to the Médiathèque Toussaint. */
async function orientPerson(page) {
  await page.goto(`${base}/personnes/inscrire`);
  await page.getByLabel(/^Prénom/).fill('Lucien');
  await page.getByLabel(/^Nom/).fill('Martin');
  await page.getByLabel(/^Téléphone/).fill('06 98 76 54 32');
  await page.getByLabel(/^Commune de résidence/).fill('Angers');
  await page.getByLabel('Oui, elle est d\'accord : enregistrer la fiche').check({ force: true });
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.waitForLoadState('load');
  await answerQuestionnaire(page, DESK_ANSWERS);
  await page.getByRole('button', { name: 'Calculer le profil' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Orienter : voir les offres adaptées' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur offres classées');
  await shoot(page, 'prescripteur-offres-classees.png');
  const ranked = await page.locator('ol.aig-ranked > li').count();
  if (ranked === 0) fail('orientation : aucune offre classée');
  await page.getByRole('link', { name: /Choisir cette offre : Médiathèque Toussaint/ }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('La personne est d\'accord pour ce partage').check({ force: true });
  await page.getByLabel(/^Message pour la structure/).fill('Lucien souhaite apprendre à faire ses démarches seul.');
  // The library publishes its slots: the first appointment is booked while sending.
  const slots = page.getByLabel(/^Premier rendez-vous/);
  const options = await slots.locator('option').allTextContents();
  if (options.length < 2) fail(`orientation : créneaux de la médiathèque attendus, vu ${JSON.stringify(options)}`);
  const booked = options[1];
  await slots.selectOption({ index: 1 });
  await checkAccessibility(page, 'prescripteur confirmation orientation');
  await shoot(page.locator('#confirmation'), 'prescripteur-confirmation-rendez-vous.png', { fullPage: false });
  await page.getByRole('button', { name: 'Envoyer l\'orientation' }).click();
  await page.waitForLoadState('load');
  const state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Envoyée') fail(`orientation : état « Envoyée » attendu, vu « ${state} »`);
  await shoot(page, 'prescripteur-orientation-envoyee.png');
  // The sheet the person takes home: the library, its hours, the appointment, what to bring.
  await page.getByRole('link', { name: /^Fiche à remettre à la personne/ }).click();
  await page.waitForLoadState('load');
  const sheet = await page.locator('main').textContent();
  for (const shown of ['Médiathèque Toussaint', 'Quand c\'est ouvert', booked, 'À apporter', 'Solidarité numérique']) {
    if (!sheet?.includes(shown)) fail(`fiche : « ${shown} » attendu`);
  }
  if (sheet?.includes('Claire Moreau, CCAS')) fail('fiche : la prescriptrice n\'appelle pas, la médiathèque si');
  await checkAccessibility(page, 'prescripteur fiche orientation');
  await shoot(page, 'prescripteur-fiche-orientation.png');
  await shootNarrow(page, 'prescripteur-fiche-orientation-390.png');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: join(shots, 'fiche-orientation.pdf'), format: 'A4', printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  console.log(`ok fiche d'orientation : rendez-vous « ${booked} », imprimée en PDF`);
  console.log(`ok orientation : ${ranked} offre(s) classée(s), envoyée à la Médiathèque Toussaint avec l'accord de partage`);
}

/** The mediator of the Médiathèque Toussaint accepts the referral and records the first contact. */
async function handleReferral(page) {
  await page.goto(`${base}/orientations`);
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur orientation recue');
  await page.getByRole('button', { name: 'Accepter' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('par téléphone', { exact: true }).check({ force: true });
  await page.getByRole('button', { name: 'Premier contact fait' }).click();
  await page.waitForLoadState('load');
  const state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Premier contact fait') fail(`médiateur : état « Premier contact fait » attendu, vu « ${state} »`);
  const appointments = await page.locator('#rendez-vous + .fr-table').textContent().catch(() => '');
  if (!appointments?.includes('Prévu')) fail(`médiateur : le rendez-vous réservé à l'envoi attendu, vu « ${appointments} »`);
  await shoot(page, 'mediateur-orientation-premier-contact.png');
  console.log('ok le médiateur accepte l\'orientation et note le premier contact');
  // The mediator's agenda subscribes to the structure's feed: Lucien's appointment is in it.
  const referral = page.url();
  await page.goto(`${base}/compte`);
  await page.getByRole('button', { name: 'Créer une adresse d\'agenda' }).click();
  await page.waitForLoadState('load');
  const feedUrl = (await page.locator('#adresse-agenda').textContent())?.trim() ?? '';
  await checkAccessibility(page, 'mediateur agenda cree');
  await shoot(page, 'mediateur-agenda.png');
  const feed = await page.request.get(feedUrl.replace(/^https?:\/\/[^/]+/, base));
  const ics = await feed.text();
  if (!ics.includes('BEGIN:VEVENT') || ics.includes('Lucien')) fail(`agenda : un rendez-vous sans nom attendu, vu ${ics.slice(0, 300)}`);
  console.log(`ok agenda iCalendar : ${(ics.match(/BEGIN:VEVENT/g) ?? []).length} rendez-vous, aucun nom`);
  await page.goto(referral);
  await page.waitForLoadState('load');
  const history = await page.locator('table', { hasText: 'Chaque étape' }).textContent();
  if (!history?.includes('Personne jointe par téléphone.')) fail('premier contact : le moyen de contact attendu dans l\'historique');
  // A question to the prescriber in the referral's thread.
  await page.getByLabel(/^Votre message/).fill('Lucien préfère être appelé le matin : est-ce toujours le cas ?');
  await page.getByRole('button', { name: 'Envoyer le message' }).click();
  await page.waitForLoadState('load');
  const thread = await page.locator('ol.aig-thread').textContent().catch(() => '');
  if (!thread?.includes('appelé le matin')) fail('échanges : le message du médiateur attendu');
  await checkAccessibility(page, 'mediateur echanges');
  await shootNarrow(page, 'mediateur-orientation-390.png');
  // The person's file, reached from the referral: the mediator re-runs the diagnostic.
  await page.getByRole('link', { name: /^Voir la fiche de Lucien Martin/ }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur fiche personne suivie');
  await shoot(page, 'mediateur-fiche-personne-suivie.png');
  await page.getByRole('link', { name: 'Refaire le diagnostic' }).click();
  await page.waitForLoadState('load');
  await answerQuestionnaire(page, DESK_ANSWERS.map(([g, l]) => [g, g === 'competence_recherche' ? 'Seul' : l]));
  await page.getByRole('button', { name: 'Calculer le profil' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  const progress = await page.locator('table', { hasText: 'du premier diagnostic au plus récent' }).textContent().catch(() => '');
  if (!progress?.includes('Progrès')) fail(`re-diagnostic du médiateur : progrès par domaine attendu, vu « ${progress} »`);
  await checkAccessibility(page, 'mediateur progres');
  await shoot(page, 'mediateur-progres.png');
  await shootNarrow(page, 'mediateur-progres-390.png');
  console.log('ok le médiateur écrit au prescripteur et refait le diagnostic : progrès par domaine affichés');
  await page.goto(referral);
  await page.waitForLoadState('load');
}

/** On Lucien's referral, the mediator records a session through the form (a first try without the
 * duration, themes and autonomy is refused with a message per field), then closes the pathway with
 * its outcome and gains; the detail shows them. */
async function recordSessionAndClose(page) {
  const referralUrl = page.url();
  const form = page.locator('#formulaire-seance');
  await form.getByLabel('Téléphone', { exact: true }).check({ force: true });
  await form.getByRole('button', { name: 'Enregistrer la séance' }).click();
  await page.waitForLoadState('load');
  const errors = await page.locator('#formulaire-seance .fr-error-text, #formulaire-seance .fr-message--error').allTextContents();
  for (const expected of ['Indiquez la durée de la séance', 'Choisissez au moins une thématique', 'indiquez l\'autonomie observée']) {
    if (!errors.some((e) => e.includes(expected))) fail(`séance incomplète : message « ${expected} » attendu, vu ${JSON.stringify(errors)}`);
  }
  if (!(await form.getByLabel('Téléphone', { exact: true }).isChecked())) fail('séance refusée : le matériel coché doit rester coché');
  await checkAccessibility(page, 'mediateur seance erreurs');
  await shoot(page.locator('#formulaire-seance'), 'mediateur-seance-erreurs.png', { fullPage: false });

  await form.getByLabel('Durée de la séance').selectOption('60');
  await form.getByLabel('E-mail', { exact: true }).check({ force: true });
  await form.getByLabel('Argent - Impôts', { exact: true }).check({ force: true });
  await form.getByLabel('Autonome avec guidage en cas de besoin', { exact: true }).check({ force: true });
  await form.getByLabel(/^Notes/).fill('Revoir la déclaration en ligne la prochaine fois.');
  await checkAccessibility(page, 'mediateur formulaire seance');
  await shoot(page, 'mediateur-formulaire-seance.png');
  await form.getByRole('button', { name: 'Enregistrer la séance' }).click();
  await page.waitForLoadState('load');
  let state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'En parcours') fail(`séance : état « En parcours » attendu, vu « ${state} »`);
  const sessions = await page.locator('table', { hasText: /séances?, de la plus ancienne/ }).textContent();
  for (const shown of ['1 h', 'E-mail', 'Argent - Impôts', 'Autonome avec guidage en cas de besoin', 'Revoir la déclaration']) {
    if (!sessions?.includes(shown)) fail(`séance enregistrée : « ${shown} » attendu dans la liste`);
  }
  await checkAccessibility(page, 'mediateur seance enregistree');
  await shoot(page, 'mediateur-seance-enregistree.png');
  console.log('ok le médiateur enregistre une séance (refusée d\'abord avec un message par champ) : orientation en parcours');
  // A wrong duration is corrected afterwards.
  await page.getByRole('link', { name: /^Corriger la séance/ }).first().click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur correction seance');
  await shoot(page, 'mediateur-correction-seance.png');
  await shootNarrow(page, 'mediateur-correction-seance-390.png');
  await page.locator('#formulaire-seance').getByLabel('Durée de la séance').selectOption('90');
  await page.getByRole('button', { name: 'Enregistrer la correction' }).click();
  await page.waitForLoadState('load');
  const corrected = await page.locator('table', { hasText: /séances?, de la plus ancienne/ }).textContent();
  if (!corrected?.includes('1 h 30')) fail('séance corrigée : « 1 h 30 » attendu');
  console.log('ok le médiateur corrige la durée de la séance');

  const close = page.locator('#formulaire-cloture');
  await close.getByLabel('Autonomie atteinte', { exact: true }).check({ force: true });
  await close.getByLabel('Prime d\'activité', { exact: true }).check({ force: true });
  await close.getByLabel('De 50 à 150 € par mois', { exact: true }).check({ force: true });
  await checkAccessibility(page, 'mediateur formulaire cloture');
  await shoot(close, 'mediateur-formulaire-cloture.png', { fullPage: false });
  await close.getByRole('button', { name: 'Clore le parcours' }).click();
  await page.waitForLoadState('load');
  if (page.url().split('#')[0].split('?')[0] !== referralUrl.split('#')[0].split('?')[0]) fail(`clôture : retour à l'orientation attendu, vu ${page.url()}`);
  state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Close') fail(`clôture : état « Close » attendu, vu « ${state} »`);
  const outcome = await page.locator('#issue + dl').textContent();
  for (const shown of ['Autonomie atteinte', 'Prime d\'activité', 'De 50 à 150 € par mois']) {
    if (!outcome?.includes(shown)) fail(`parcours clos : « ${shown} » attendu, vu « ${outcome} »`);
  }
  if (await page.locator('#formulaire-cloture, #formulaire-seance').count()) fail('parcours clos : plus de formulaire de séance ni de clôture attendu');
  await checkAccessibility(page, 'mediateur parcours clos');
  await shoot(page, 'mediateur-parcours-clos.png');
  console.log('ok le médiateur clôt le parcours : autonomie atteinte, un droit, une tranche de gain, affichés');
}

/** From the referrals list, the mediator records a workshop with Gérard Petit (a demo person in
 * pathway) and three anonymous participants. */
async function recordWorkshop(page) {
  await page.goto(`${base}/orientations`);
  await page.getByRole('link', { name: 'Enregistrer un atelier collectif' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel(/^Titre de l'atelier/).fill('Premiers pas sur la tablette');
  await page.getByLabel('Débutant', { exact: true }).check({ force: true });
  await page.getByLabel(/^Gérard Petit/).check({ force: true });
  await page.getByLabel(/^Participants anonymes/).fill('3');
  await page.getByLabel('Durée de la séance').selectOption('90');
  await page.getByLabel('Tablette', { exact: true }).check({ force: true });
  await page.getByLabel('Prendre en main du matériel', { exact: true }).check({ force: true });
  await checkAccessibility(page, 'mediateur atelier collectif');
  await shoot(page, 'mediateur-atelier-collectif.png');
  await page.getByRole('button', { name: 'Enregistrer l\'atelier' }).click();
  await page.waitForLoadState('load');
  const recent = await page.locator('table', { hasText: 'Ateliers des deux derniers mois' }).textContent();
  if (!(await page.getByText('Atelier enregistré').count()) || !recent?.includes('Premiers pas sur la tablette') || !recent.includes('4 (1 inscrite, 3 anonymes)')) {
    fail(`atelier : enregistrement attendu, vu « ${recent} »`);
  }
  await shoot(page, 'mediateur-atelier-enregistre.png');
  console.log('ok le médiateur enregistre un atelier : 1 personne cochée + 3 anonymes = 4 participants');
}

/** The prescriber sees each step the receiving structure took. */
async function seeReferralSteps(page) {
  await page.goto(`${base}/orientations`);
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  const history = await page.locator('table', { hasText: 'Chaque étape' }).textContent();
  for (const step of ['Envoi', 'Acceptation', 'Premier contact']) {
    if (!history?.includes(step)) fail(`le prescripteur ne voit pas l'étape « ${step} »`);
  }
  const outcome = await page.locator('#issue + dl').textContent().catch(() => null);
  if (!outcome?.includes('Autonomie atteinte') || !outcome.includes('Prime d\'activité')) fail(`le prescripteur ne voit pas l'issue du parcours : « ${outcome} »`);
  const sessions = await page.locator('table', { hasText: /séances?, de la plus ancienne/ }).textContent();
  if (!sessions?.includes('Argent - Impôts') || sessions.includes('Revoir la déclaration')) fail('le prescripteur voit les séances, sans leurs notes');
  if (!(await page.getByRole('link', { name: 'Refaire le diagnostic pour mesurer les progrès' }).count())) fail('lien « Refaire le diagnostic pour mesurer les progrès » attendu pour le prescripteur');
  await checkAccessibility(page, 'prescripteur suivi orientation');
  await shoot(page, 'prescripteur-suivi-orientation.png');
  console.log('ok le prescripteur voit chaque étape de l\'orientation, les séances sans notes et l\'issue du parcours');
}

/** The structure manager gives a received referral to one of the structure's mediators. */
async function assignReferral(page) {
  await page.goto(`${base}/orientations`);
  const select = page.getByLabel(/^Médiateur pour l'orientation de Monique Bertin/);
  if (!(await select.count())) { fail('responsable : orientation reçue de Monique Bertin attendue'); return; }
  await checkAccessibility(page, 'responsable orientations a attribuer');
  await shoot(page, 'responsable-orientations.png');
  await select.selectOption({ label: 'Inès Garnier' });
  await page.getByRole('button', { name: /Attribuer l'orientation de Monique Bertin/ }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Attribution enregistrée').count())) fail('attribution : confirmation attendue');
  const chosen = await page.getByLabel(/^Médiateur pour l'orientation de Monique Bertin/).inputValue();
  const label = await page.locator(`select[id^="mediateur-"] option[value="${chosen}"]`).first().textContent();
  if (label?.trim() !== 'Inès Garnier') fail(`attribution : « Inès Garnier » attendue, vu « ${label} »`);
  await checkAccessibility(page, 'responsable attribution enregistree');
  await shootNarrow(page, 'responsable-orientations-390.png');
  console.log('ok le responsable attribue une orientation reçue à une médiatrice de sa structure');
}

/** The invitation links the demo prints (it has no mail relay). */
const invitationLinks = {};

/**
 * The structure manager's team (issue 17): « Ma structure » leads to /equipe, whose invitation form
 * refuses a wrong address with its error summary; the printed invitation of a new address opens its
 * account's creation page anonymously, which creates the account once.
 */
async function teamPage(page, browser) {
  await page.goto(`${base}/ma-structure`);
  await page.getByRole('link', { name: /^Gérer l'équipe/ }).click();
  await page.waitForLoadState('load');
  await visit(page, `${base}/equipe`, 'Responsable equipe');
  await page.getByLabel(/^Adresse électronique/).fill('pas une adresse');
  await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
  await page.waitForLoadState('load');
  const error = await page.locator('#erreurs').textContent().catch(() => '');
  if (!error?.includes("n'est pas valide")) fail(`équipe : message d'erreur attendu, vu « ${error} »`);
  await checkAccessibility(page, 'responsable equipe erreur');
  if (!invitationLinks.newcomer) { fail('équipe : lien d\'invitation de démonstration non affiché'); return; }
  const context = await browser.newContext();
  const anonymous = await context.newPage();
  await visit(anonymous, invitationLinks.newcomer, 'anonyme invitation nouveau compte');
  await anonymous.getByLabel(/^Prénom et nom/).fill('Nora Recrue');
  await anonymous.getByLabel(/^Mot de passe\b/).first().fill('ardoise lumineuse sur le quai 2026');
  await anonymous.getByLabel('Mot de passe, une seconde fois').fill('ardoise lumineuse sur le quai 2026');
  await anonymous.getByRole('button', { name: /Créer mon compte/ }).click();
  await anonymous.waitForLoadState('load');
  if (!(await anonymous.getByText('Votre compte est créé').count())) fail('invitation : compte non créé');
  await seen(anonymous, 'anonyme invitation compte cree');
  const again = await anonymous.goto(invitationLinks.newcomer);
  if (again?.status() !== 410) fail(`invitation : 410 attendu au second usage, vu ${again?.status()}`);
  await context.close();
  console.log('ok le responsable voit son équipe ; une invitation crée un compte, une seule fois');
}

/** Shoots the page at a phone's width too, then back to the desktop width. */
async function shootNarrow(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, name);
  if (size) await page.setViewportSize(size);
}

/** The prescriber opens Lucien's file: every referral with its state and next step; corrects his
 * phone (a wrong number first, refused with nothing changed); then sends him again to the
 * Médiathèque Toussaint for another need. */
async function personFile(page) {
  await page.goto(`${base}/personnes?q=Martin`);
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  const referrals = await page.locator('table', { hasText: 'Prochaine étape' }).textContent().catch(() => null);
  if (!referrals?.includes('Médiathèque Toussaint') || !referrals.includes('Close')) fail(`fiche : orientations attendues, vu « ${referrals} »`);
  await checkAccessibility(page, 'prescripteur fiche personne');
  await shoot(page, 'prescripteur-fiche-personne.png');
  await shootNarrow(page, 'prescripteur-fiche-personne-390.png');
  const file = page.url();

  await page.getByRole('link', { name: 'Corriger l\'identité ou le contact' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel(/^Téléphone/).fill('12');
  await page.getByRole('button', { name: 'Enregistrer la correction' }).click();
  await page.waitForLoadState('load');
  const summary = await page.locator('.fr-alert--error').textContent().catch(() => null);
  if (!summary?.includes('Rien n\'a été modifié')) fail(`correction refusée : résumé d'erreurs attendu, vu « ${summary} »`);
  await checkAccessibility(page, 'prescripteur correction erreurs');
  await shoot(page, 'prescripteur-correction-erreurs.png');
  await page.getByLabel(/^Téléphone/).fill('07 11 22 33 44');
  await page.getByRole('button', { name: 'Enregistrer la correction' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Identité et contact corrigés.').count())) fail('correction : confirmation attendue');
  if (!(await page.locator('dl.aig-facts').textContent())?.match(/07\s?11\s?22\s?33\s?44/)) fail('correction : nouveau téléphone attendu sur la fiche');
  console.log('ok fiche de la personne : orientations et prochaine étape, correction du contact (refusée puis enregistrée)');

  await page.goto(file);
  await page.getByRole('link', { name: 'Orienter', exact: true }).click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: /Choisir cette offre : Médiathèque Toussaint/ }).first().click();
  await page.waitForLoadState('load');
  await page.getByLabel('La personne est d\'accord pour ce partage').check({ force: true });
  await page.getByRole('button', { name: 'Envoyer l\'orientation' }).click();
  await page.waitForLoadState('load');
  const state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Envoyée') fail(`seconde orientation : « Envoyée » attendu, vu « ${state} »`);
}

/** The mediator refuses Lucien's new referral and says where to go instead. */
async function refuseWithHint(page) {
  await page.goto(`${base}/orientations`);
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  await page.getByLabel('Motif en cas de refus').selectOption({ label: 'Besoin non couvert par l\'offre' });
  await page.getByLabel(/^Commentaire/).fill('Voir le centre social de son quartier');
  await page.getByRole('button', { name: 'Refuser' }).click();
  await page.waitForLoadState('load');
  const state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Refusée') fail(`refus : « Refusée » attendu, vu « ${state} »`);
  if (await page.locator('#formulaire-cloture').count()) fail('refus : la structure qui refuse n\'a rien à clore');
  console.log('ok le médiateur refuse avec un conseil, sans formulaire de clôture');
}

/** The prescriber reads the refusal and its hint, and re-orients Lucien to another structure. */
async function reorientRefused(page) {
  await page.goto(`${base}/orientations`);
  await page.getByRole('link', { name: 'Lucien Martin' }).first().click();
  await page.waitForLoadState('load');
  const box = await page.locator('#reorienter').textContent().catch(() => null);
  if (!box?.includes('Voir le centre social de son quartier')) fail(`refus : conseil attendu, vu « ${box} »`);
  await checkAccessibility(page, 'prescripteur orientation refusee');
  await shoot(page, 'prescripteur-orientation-refusee.png');
  await shootNarrow(page, 'prescripteur-orientation-refusee-390.png');
  await page.getByRole('link', { name: 'Réorienter vers une autre offre' }).click();
  await page.waitForLoadState('load');
  if (await page.getByRole('link', { name: /Choisir cette offre : Médiathèque Toussaint/ }).count()) fail('réorientation : les offres de la structure qui a refusé doivent être retirées');
  await checkAccessibility(page, 'prescripteur reorientation');
  await shoot(page, 'prescripteur-reorientation.png');
  await page.locator('ol.aig-ranked > li a').first().click();
  await page.waitForLoadState('load');
  await page.getByLabel('La personne est d\'accord pour ce partage').check({ force: true });
  await page.getByRole('button', { name: 'Réorienter vers cette offre' }).click();
  await page.waitForLoadState('load');
  const state = await page.locator('main .fr-badge').first().textContent();
  if (state?.trim() !== 'Réorientée') fail(`réorientation : « Réorientée » attendu, vu « ${state} »`);
  await checkAccessibility(page, 'prescripteur orientation reorientee');
  await shoot(page, 'prescripteur-orientation-reorientee.png');
  console.log('ok le prescripteur réoriente l\'orientation refusée vers une autre structure');
}

/** The coordinator asks for the optimal redistribution of the waiting referrals and sees the proposal. */
async function redistribute(page) {
  await page.goto(`${base}/territoire/redistribution`);
  await page.getByLabel('Acceptées, sans premier contact').check({ force: true });
  await page.getByRole('button', { name: 'Calculer la proposition' }).click();
  await page.waitForLoadState('load');
  const summary = await page.locator('#resume-proposition').textContent();
  if (!summary?.includes('examinée') || summary.includes('(s)')) fail(`redistribution : résumé attendu, vu « ${summary} »`);
  await checkAccessibility(page, 'coordinateur redistribution');
  await shoot(page, 'coordinateur-redistribution.png');
  console.log(`ok redistribution : ${summary?.trim().split('.')[0]}`);
  // Keep three moves, apply them, then undo the batch.
  await page.evaluate(() => {
    document.querySelectorAll('input[name="deplacement"]').forEach((box, rank) => { box.checked = rank < 3; });
  });
  await page.getByRole('button', { name: 'Appliquer les réorientations cochées' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('3 réorientations appliquées').count())) fail('redistribution : 3 réorientations appliquées attendues');
  await shoot(page, 'coordinateur-redistribution-appliquee.png');
  await page.getByRole('button', { name: 'Annuler cette redistribution' }).click();
  await page.waitForLoadState('load');
  const undone = await page.locator('.fr-alert--success .fr-alert__title').first().textContent();
  if (!undone?.includes('reviennent')) fail(`redistribution annulée : « ${undone} »`);
  await checkAccessibility(page, 'coordinateur redistribution annulee');
  await shoot(page, 'coordinateur-redistribution-annulee.png');
  console.log(`ok redistribution appliquée puis annulée : ${undone?.trim()}`);
  // A row of the queue opens its referral, pseudonymised.
  await page.goto(`${base}/file-active`);
  await page.locator('table tbody tr').first().locator('a').first().click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Envoyée par').count())) fail('file active : la fiche de l\'orientation attendue');
  await checkAccessibility(page, 'coordinateur orientation de la file active');
  await shoot(page, 'coordinateur-file-active-orientation.png');
  await shootNarrow(page, 'coordinateur-file-active-orientation-390.png');
  console.log(`ok file active : ${await page.locator('h1').textContent()}`);
  await page.goto(`${base}/territoire/diagnostic`);
  const heading = await page.locator('h1').textContent();
  if (!heading?.includes('Maine-et-Loire')) fail(`diagnostic territorial : titre « ${heading} »`);
  const rows = await page.locator('table', { hasText: 'communes les plus fragiles' }).locator('tbody tr').count();
  if (rows < 10) fail(`diagnostic territorial : ${rows} communes listées`);
  await checkAccessibility(page, 'coordinateur diagnostic territorial');
  await shoot(page, 'coordinateur-diagnostic-territorial.png');
  console.log(`ok diagnostic territorial : ${rows} communes les plus fragiles listées`);
  // Any other territory, found by its name; its parents are links.
  await page.getByLabel(/Voir un autre territoire/).fill('Saumur');
  await page.getByRole('button', { name: 'Afficher' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Saumur')) fail('diagnostic de Saumur attendu');
  await page.getByRole('link', { name: 'CA Saumur Val de Loire' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('CA Saumur Val de Loire')) fail('diagnostic de l\'intercommunalité attendu');
  await checkAccessibility(page, 'coordinateur diagnostic intercommunalité');
  console.log('ok diagnostic d\'une commune puis de son intercommunalité');
  // The coordinator's own index: only the poverty rate and the share of people 65 and over.
  await page.goto(`${base}/territoire/indice`);
  for (const input of await page.locator('input[name^="poids_"]').all()) await input.fill('0');
  await page.getByLabel('Poids de Taux de pauvreté (%)').fill('2');
  await page.getByLabel('Poids de Part des 65 ans et plus (%)').fill('1');
  await page.getByRole('button', { name: 'Calculer l\'indice' }).click();
  await page.waitForLoadState('load');
  const retained = await page.getByText(/^Indicateurs retenus/).textContent();
  if (!retained?.includes('Taux de pauvreté') || retained.includes('très haut débit')) fail(`indice : « ${retained} »`);
  await checkAccessibility(page, 'coordinateur indice du territoire');
  await shoot(page, 'coordinateur-indice.png');
  console.log('ok indice du territoire avec deux indicateurs pondérés');
  // Its own data, a French file: what was understood is shown first, the direction asked.
  await page.getByLabel(/^Fichier d'indicateurs/).setInputFiles({
    name: 'acces-droits.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('code_insee;indicateur;valeur\n49007;acces_droits;90,5\n49328;acces_droits;40\n'),
  });
  await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
  await page.waitForLoadState('load');
  const understood = await page.locator('table', { hasText: 'Indicateurs lus dans le fichier' }).locator('tbody th').allTextContents();
  if (understood.join('|') !== 'acces_droits') fail(`indice : aperçu « ${understood.join(', ')} »`);
  await checkAccessibility(page, 'coordinateur apercu indicateurs');
  await shoot(page, 'coordinateur-apercu-indicateurs.png');
  await page.getByLabel(/Une valeur plus basse signale une commune plus fragile/).check({ force: true });
  await page.getByRole('button', { name: 'Enregistrer ces indicateurs' }).click();
  await page.waitForLoadState('load');
  const saved = await page.locator('.fr-alert--success').textContent();
  if (!saved?.includes('2 valeurs enregistrées')) fail(`indice : enregistrement « ${saved} »`);
  console.log('ok indicateurs du territoire : fichier français compris, sens de lecture choisi, enregistrés');
  // The steering dashboard: charts with their tables, the comparison, the exports.
  await page.goto(`${base}/pilotage`);
  if (!(await page.locator('h1').textContent())?.includes('Pilotage : Maine-et-Loire')) fail('pilotage : titre attendu');
  const closed = await page.locator('table', { hasText: 'Issues des orientations closes' }).locator('tbody tr', { hasText: 'Autonomie atteinte' }).locator('td').first().textContent();
  if (!closed || !(closed.trim() === 'secret' || /^\d/.test(closed.trim()))) fail(`pilotage : issue « ${closed} »`);
  const charts = await page.locator('figure svg').count();
  if (charts < 3) fail(`pilotage : ${charts} graphique(s)`);
  await checkAccessibility(page, 'coordinateur pilotage');
  await shoot(page, 'coordinateur-pilotage.png');
  const exported = await page.request.get(`${base}/pilotage/donnees-ouvertes`);
  const document = await exported.json();
  if (document.seuil_secret !== 11 || !document.tableaux?.length) fail('pilotage : données ouvertes attendues');
  console.log(`ok pilotage : ${charts} graphiques, autonomie atteinte « ${closed.trim()} », données ouvertes (${document.tableaux.length} tableaux)`);
  // The elected officials' summary of a commune typed by name, printed: two A4 pages at most.
  await page.goto(`${base}/pilotage?territoire=Saumur`);
  if (!(await page.locator('h1').textContent())?.includes('Pilotage : Saumur')) fail('pilotage : découpage par nom attendu');
  await page.getByRole('link', { name: /^Synthèse pour les élus/ }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Inclusion numérique : Saumur')) fail('synthèse : titre attendu');
  await checkAccessibility(page, 'coordinateur synthese elus');
  await shoot(page, 'coordinateur-synthese-elus.png');
  await shootNarrow(page, 'coordinateur-synthese-elus-390.png');
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ path: join(shots, 'synthese-elus.pdf'), format: 'A4', printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  if (pages < 1 || pages > 2) fail(`synthèse : ${pages} page(s) imprimée(s), deux au plus attendues`);
  console.log(`ok synthèse pour les élus de Saumur : ${pages} page(s) A4`);
}

// The administrator's national dashboard, then one département of it.
async function nationalSteering(page) {
  await page.goto(`${base}/pilotage`);
  if (!(await page.locator('h1').textContent())?.includes('Pilotage : France')) fail('pilotage national : titre attendu');
  const places = await page.locator('table', { hasText: 'par département' }).locator('tbody tr').count();
  if (places < 2) fail(`pilotage national : ${places} ligne(s) par département`);
  await checkAccessibility(page, 'administrateur pilotage national');
  await shoot(page, 'administrateur-pilotage-national.png');
  await page.getByLabel('Commune, intercommunalité ou département').fill('49');
  await page.getByRole('button', { name: 'Afficher' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Pilotage : Maine-et-Loire')) fail('pilotage national : le département choisi attendu');
  const compared = await page.getByRole('heading', { name: 'Comparaison' }).count();
  if (compared !== 1) fail('pilotage national : comparaison avec la France attendue');
  await checkAccessibility(page, 'administrateur pilotage d\'un département');
  await shoot(page, 'administrateur-pilotage-departement.png');
  console.log(`ok pilotage national : ${places} lignes par département, puis le Maine-et-Loire comparé à la France`);
}

/** The prescriber reads how long Lucien's file is kept and extends it once, after forgetting the
 * reason; the list of files nearing their end is checked too. */
async function extendRetention(page) {
  await page.goto(`${base}/personnes?q=Martin`);
  await page.getByRole('link', { name: /Lucien/ }).first().click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Voir l\'échéance ou prolonger la fiche' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Durée de conservation')) fail('conservation : page attendue');
  await checkAccessibility(page, 'prescripteur duree de conservation');
  await page.getByRole('button', { name: /^Prolonger de/ }).click();
  await page.waitForLoadState('load');
  const summary = await page.locator('#erreurs').textContent();
  if (!summary?.includes('Choisissez pourquoi')) fail(`conservation : motif manquant non signalé (« ${summary} »)`);
  await checkAccessibility(page, 'prescripteur prolongation sans motif');
  await page.getByLabel(/L'accompagnement continue/).check({ force: true });
  await page.getByRole('button', { name: /^Prolonger de/ }).click();
  await page.waitForLoadState('load');
  const done = await page.locator('[role="status"]').first().textContent();
  if (!done?.includes('prolongée')) fail(`conservation : prolongation non confirmée (« ${done} »)`);
  await shoot(page, 'prescripteur-fiche-prolongee.png');
  await visit(page, `${base}/personnes/echeances`, 'prescripteur fiches arrivant a echeance');
  console.log('ok conservation : motif exigé, fiche prolongée une fois');
}

/** Lucien asks for his data: the prescriber registers the request, opens the export in
 * easy-to-read French, downloads the JSON file and notes the answer in the register. */
async function exportPersonData(page) {
  await page.goto(`${base}/personnes?q=Martin`);
  await page.getByRole('link', { name: /Lucien/ }).first().click();
  await page.waitForLoadState('load');
  await page.getByRole('link', { name: 'Exporter ses données' }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('h1').textContent())?.includes('Vos données enregistrées')) fail('export : page attendue');
  for (const heading of ['Qui vous êtes', 'Vos accords', 'Vos bilans numériques', 'Vos orientations', 'Qui a consulté ou modifié votre dossier']) {
    if (await page.getByRole('heading', { name: heading }).count() !== 1) fail(`export : section « ${heading} » attendue`);
  }
  await checkAccessibility(page, 'prescripteur export des donnees');
  await shoot(page, 'prescripteur-export-des-donnees.png');
  const json = await page.evaluate(async (href) => (await fetch(href)).json(),
    await page.getByRole('link', { name: /Télécharger le fichier/ }).getAttribute('href'));
  if (typeof json !== 'object' || json === null || Object.keys(json).length === 0) fail('export : fichier JSON vide');
  console.log(`ok export des données : page lisible et fichier JSON (${Object.keys(json).join(', ')})`);
}

/** The manager publishes a window for first appointments, after a wrong one is refused. */
/** The administrator answers « who opened this person's file? » from the journal. */
async function searchJournal(page) {
  await page.goto(`${base}/administration/journal`);
  await page.getByLabel(/^Personne concernée/).fill('Martin');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForLoadState('load');
  const status = await page.locator('p[role="status"]').textContent();
  const rows = await page.locator('table tbody tr').count();
  if (!status?.includes('entrée') || rows === 0) fail(`journal : recherche par personne, vu « ${status} », ${rows} ligne(s)`);
  const record = await page.locator('table tbody tr').first().locator('td').nth(4).textContent();
  if (!/^((Fiche de la personne|Orientation|Messages de l'orientation) n° \d+|Liste de \d+ (personnes|orientations) \(n° [\d, ]+\))$/.test(record?.trim() ?? '')) fail(`journal : fiche « ${record} »`);
  await checkAccessibility(page, 'administrateur journal recherche');
  await shoot(page, 'administrateur-journal-recherche.png');
  await shootNarrow(page, 'administrateur-journal-recherche-390.png');
  console.log(`ok journal : ${status?.trim()} sur les personnes nommées Martin`);
}

async function publishSlots(page) {
  await page.goto(`${base}/ma-structure`);
  await page.getByRole('link', { name: /^Créneaux de premier rendez-vous/ }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Jour').selectOption({ label: 'vendredi' });
  await page.getByLabel(/^De/).fill('11:00');
  await page.getByLabel(/^À/).fill('10:00');
  await page.getByRole('button', { name: 'Ajouter la plage' }).click();
  await page.waitForLoadState('load');
  const error = await page.locator('#erreurs').textContent().catch(() => '');
  if (!error?.includes('L\'heure de fin doit venir après l\'heure de début')) fail(`créneaux : message d'erreur attendu, vu « ${error} »`);
  await checkAccessibility(page, 'responsable creneaux erreur');
  await page.getByLabel(/^À/).fill('12:00');
  await page.getByRole('button', { name: 'Ajouter la plage' }).click();
  await page.waitForLoadState('load');
  const listed = await page.locator('main ul').first().textContent();
  if (!listed?.includes('vendredi, 9 h – 12 h') && !listed?.includes('vendredi, 11 h – 12 h')) fail(`créneaux : la plage du vendredi attendue, vu « ${listed} »`);
  await checkAccessibility(page, 'responsable creneaux');
  await shoot(page, 'responsable-creneaux.png');
  await shootNarrow(page, 'responsable-creneaux-390.png');
  console.log('ok le responsable publie une plage de rendez-vous (une plage fausse refusée d\'abord)');
}

/** Where a page's checks and screenshot go once an action has drawn it (not reached by its URL). */
async function seen(page, label) {
  const violations = await checkAccessibility(page, label);
  await shoot(page, `${slug(label)}.png`);
  console.log(`ok ${label} — ${violations} violation(s) axe`);
}

/**
 * A voucher campaign, role by role: the sponsor opens it (an empty form first: the error summary),
 * the coordinator qualifies two places and prints a book allocated to the prescriber's structure, the
 * prescriber confirms receipt, hands a voucher from a referral and one to someone not enrolled, the
 * mediator's place redeems both, a second redemption and a mistyped number are refused, and the
 * sponsor reads the figures, the statement and marks it paid. Every page checked with axe.
 */
async function voucherCampaign(browser, accounts) {
  const role = (name) => accounts.find((a) => a.role === name);
  const open = async (account) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, account);
    return { context, page };
  };
  const sponsor = await open(role('Financeur'));
  await visit(sponsor.page, `${base}/cheques/campagnes/nouvelle`, 'Financeur nouvelle campagne');
  await sponsor.page.getByRole('button', { name: 'Ouvrir la campagne' }).click();
  await sponsor.page.waitForLoadState('load');
  const summary = await sponsor.page.locator('.fr-alert--error').textContent();
  if (!summary?.includes('Donnez un nom à la campagne')) fail(`campagne vide : résumé d'erreurs attendu, vu « ${summary} »`);
  await seen(sponsor.page, 'Financeur campagne refusee');
  await sponsor.page.locator('#nom').fill('Pass numérique Saumurois');
  await sponsor.page.locator('#valeur').fill('15');
  await sponsor.page.locator('#paie_quantite').fill('2');
  await sponsor.page.locator('label[for="public-seniors"]').click();
  await sponsor.page.locator('label[for="public-everyone"]').click();
  await sponsor.page.locator('label[for="aide-inclusion"]').click();
  await sponsor.page.locator('#debut').fill('01/12/2026');
  await sponsor.page.locator('#fin').fill('31/12/2027');
  await sponsor.page.locator('#budget').fill('3 000');
  await sponsor.page.getByRole('button', { name: 'Ouvrir la campagne' }).click();
  await sponsor.page.waitForLoadState('load');
  const campaignUrl = sponsor.page.url().split('?')[0];
  if (!/\/cheques\/campagnes\/\d+$/.test(campaignUrl)) fail(`campagne non ouverte (${sponsor.page.url()})`);
  await seen(sponsor.page, 'Financeur campagne ouverte');

  const coordinator = await open(role('Coordinateur territorial'));
  await visit(coordinator.page, campaignUrl, 'Coordinateur campagne de cheques');
  for (const name of ['Médiathèque Toussaint', 'Espace public numérique de Saumur']) {
    await coordinator.page.locator('#lieu').selectOption({ label: name }).catch(() => fail(`lieu « ${name} » absent de la liste`));
    await coordinator.page.locator('label[for="charte"]').click();
    await coordinator.page.getByRole('button', { name: 'Qualifier ce lieu' }).click();
    await coordinator.page.waitForLoadState('load');
  }
  const qualified = await coordinator.page.locator('#lieux ~ ul li, section[aria-labelledby="lieux"] ul li').count();
  if (qualified < 2) fail(`deux lieux qualifiés attendus, ${qualified} vus`);
  await coordinator.page.locator('#carnets-nombre').fill('1');
  await coordinator.page.locator('#cheques-nombre').fill('10');
  await coordinator.page.getByRole('button', { name: 'Imprimer les carnets' }).click();
  await coordinator.page.waitForLoadState('load');
  const allocate = coordinator.page.locator('select[id^="structure-"]').first();
  await allocate.selectOption({ index: 1 });
  await coordinator.page.getByRole('button', { name: /^Attribuer/ }).first().click();
  await coordinator.page.waitForLoadState('load');
  await seen(coordinator.page, 'Coordinateur carnet attribue');
  const pdfHref = await coordinator.page.locator('a[href$="/pdf"]').last().getAttribute('href');
  const pdf = await coordinator.page.request.get(`${base}${pdfHref}`);
  const pdfBytes = await pdf.body();
  if (pdf.headers()['content-type'] !== 'application/pdf' || !pdfBytes.subarray(0, 5).toString().startsWith('%PDF-')) fail('carnet : PDF attendu');
  writeFileSync(join(shots, 'carnet-de-cheques.pdf'), pdfBytes);

  const prescriber = await open(role('Prescripteur'));
  await visit(prescriber.page, `${base}/cheques`, 'Prescripteur cheques');
  const receive = prescriber.page.getByRole('button', { name: /^Confirmer la réception/ });
  while (await receive.count() > 0) {
    await receive.first().click();
    await prescriber.page.waitForLoadState('load');
  }
  await prescriber.page.goto(`${base}/orientations`);
  const referralHref = await prescriber.page.locator('#envoyees + div a[href^="/orientations/"]').first().getAttribute('href');
  await prescriber.page.goto(`${base}${referralHref}`);
  await prescriber.page.getByRole('link', { name: 'Remettre un chèque numérique à la personne' }).click();
  await prescriber.page.waitForLoadState('load');
  await seen(prescriber.page, 'Prescripteur remise depuis une orientation');
  const numbers = await prescriber.page.locator('#numeros-a-remettre option').evaluateAll((options) => options.map((o) => o.value));
  if (numbers.length < 2) fail(`numéros à remettre attendus, ${numbers.length} vus`);
  const hand = async (number, anonymous) => {
    await prescriber.page.locator('#numero').fill(number);
    if (anonymous) {
      await prescriber.page.locator('#tranche').selectOption('soixante_dix_plus');
      await prescriber.page.locator('#commune').fill('49328');
    }
    await prescriber.page.locator('#public').selectOption('seniors');
    await prescriber.page.locator('#aide').selectOption('inclusion');
    await prescriber.page.getByRole('button', { name: 'Enregistrer la remise' }).click();
    await prescriber.page.waitForLoadState('load');
    const done = await prescriber.page.locator('.fr-alert--success').textContent().catch(() => null);
    if (!done?.includes('remis')) fail(`remise du chèque ${number} : confirmation attendue, vu « ${done} »`);
  };
  await hand(numbers[numbers.length - 1], false);
  await prescriber.page.goto(`${base}/cheques/remise`);
  await hand(numbers[numbers.length - 2], true);
  await seen(prescriber.page, 'Prescripteur cheque remis');

  const mediator = await open(role('Médiateur numérique'));
  await visit(mediator.page, `${base}/cheques/encaissement`, 'Mediateur encaissement');
  const redeem = async (number) => {
    await mediator.page.locator('#campagne').selectOption({ label: 'Pass numérique Saumurois' }).catch(() => {});
    await mediator.page.locator('#numero').fill(number);
    await mediator.page.getByRole('button', { name: 'Encaisser' }).click();
    await mediator.page.waitForLoadState('load');
    return (await mediator.page.locator('main').textContent()) ?? '';
  };
  for (const number of numbers.slice(-2)) {
    const page = await redeem(number.toLowerCase().replaceAll('-', ' '));
    if (!page.includes('encaissé : 15 €')) fail(`encaissement de ${number} attendu`);
  }
  await seen(mediator.page, 'Mediateur cheque encaisse');
  if (!(await redeem(numbers[numbers.length - 1])).includes('déjà été encaissé')) fail('second encaissement : refus attendu');
  await seen(mediator.page, 'Mediateur cheque deja encaisse');
  const typo = numbers[0].slice(0, 2) + (numbers[0][2] === 'A' ? 'B' : 'A') + numbers[0].slice(3);
  if (!(await redeem(typo)).includes('faute de frappe')) fail('numéro mal saisi : refus attendu');
  await seen(mediator.page, 'Mediateur numero mal saisi');

  await sponsor.page.goto(campaignUrl);
  await seen(sponsor.page, 'Financeur rapport et releves');
  const report = (await sponsor.page.locator('#cheques_suivi ~ div table').first().textContent()) ?? '';
  if (!report.includes('Encaissés')) fail('rapport : ligne des encaissés attendue');
  const statementHref = await sponsor.page.locator('a[href*="/releves/"][href$="format=pdf"]').first().getAttribute('href');
  const statement = await sponsor.page.request.get(`${base}${statementHref}`);
  if (statement.headers()['content-type'] !== 'application/pdf') fail('relevé : PDF attendu');
  writeFileSync(join(shots, 'releve-de-remboursement.pdf'), await statement.body());
  await sponsor.page.getByRole('button', { name: /^Marquer payé/ }).first().click();
  await sponsor.page.waitForLoadState('load');
  await seen(sponsor.page, 'Financeur releve paye');
  for (const side of [sponsor, coordinator, prescriber, mediator]) await side.context.close();
  console.log('ok campagne de chèques jouée rôle par rôle');
}

let codePageChecked = false;
async function logIn(page, account) {
  await page.goto(`${base}/connexion`);
  await page.getByLabel('Adresse électronique').fill(account.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForLoadState('load');
  if (new URL(page.url()).pathname === '/connexion/code') {
    if (!account.totpKey) { fail(`${account.email} : code demandé sans clé TOTP connue`); return; }
    if (!codePageChecked) {
      codePageChecked = true;
      await checkAccessibility(page, 'connexion code de verification');
      await shoot(page, 'connexion-code-de-verification.png');
    }
    await page.getByLabel('Code de vérification').fill(await freshCode(account));
    await page.getByRole('button', { name: 'Vérifier et me connecter' }).click();
    await page.waitForLoadState('load');
  }
}

/** The mediator enrols a second factor from « Mon compte »: the QR code page, the recovery codes;
 *  the other self-service pages (password change, sessions, forgotten password) are checked too. */
async function secondFactorAndAccount(browser, mediator) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, mediator);
  await visit(page, `${base}/compte/double-authentification`, 'Médiateur enrolement double authentification');
  if (await page.locator('svg[role="img"]').count() !== 1) fail('enrôlement : QR code absent');
  const key = (await page.locator('#secret-totp').textContent())?.replace(/\s/g, '') ?? '';
  mediator.totpKey = key;
  await page.getByLabel('Code à six chiffres').fill(await freshCode(mediator));
  await page.getByRole('button', { name: 'Activer la double authentification' }).click();
  await page.waitForLoadState('load');
  const codes = await page.locator('#codes-de-secours li').count();
  if (codes !== 10) fail(`enrôlement : 10 codes de secours attendus, ${codes} vus`);
  await checkAccessibility(page, 'Médiateur codes de secours');
  await shoot(page, 'mediateur-codes-de-secours.png');
  await page.getByRole('link', { name: /continuer/ }).click();
  await page.waitForLoadState('load');
  if (!(await page.locator('main').textContent())?.includes('Double authentification active depuis')) fail('Mon compte : double authentification non affichée');
  await visit(page, `${base}/compte/mot-de-passe`, 'Médiateur changer mot de passe');
  await page.goto(`${base}/compte`);
  await shoot(page, 'mediateur-mon-compte-sessions.png');
  await context.close();
  const anonymous = await browser.newPage();
  await visit(anonymous, `${base}/mot-de-passe-oublie`, 'anonyme mot de passe oublie');
  await anonymous.getByLabel('Adresse électronique').fill(mediator.email);
  await anonymous.getByRole('button', { name: 'Recevoir un lien' }).click();
  await anonymous.waitForLoadState('load');
  if (!(await anonymous.locator('main').textContent())?.includes('Si un compte existe')) fail('mot de passe oublié : réponse attendue');
  await checkAccessibility(anonymous, 'anonyme mot de passe oublie envoye');
  await anonymous.close();
  console.log('ok double authentification enrôlée depuis Mon compte, codes de secours, mot de passe oublié');
}

/**
 * The resource bank as a mediator uses it (issue 21): finds « Premiers pas avec un smartphone »
 * from « smartphones », reads version 2 and what changed, takes a waiting session's review and
 * sends it back with a comment, writes a session (the form's errors first), attaches a PDF after a
 * program named « .pdf » is refused, submits it, and adapts a published session.
 */
async function resourceBank(page) {
  await visit(page, `${base}/ressources?mots=smartphones`, 'mediateur ressourcerie recherche');
  const found = page.locator('main h3 a', { hasText: 'Premiers pas avec un smartphone' });
  if (!(await found.count())) fail('ressourcerie : « smartphones » doit trouver « Premiers pas avec un smartphone »');
  const sheet = await found.first().getAttribute('href');
  await visit(page, `${base}${sheet}/versions/2`, 'mediateur ressourcerie version 2');
  if (!(await page.locator('.diff-added').count())) fail('ressourcerie : la version 2 doit montrer une ligne ajoutée');
  await visit(page, `${base}/ressources/relecture`, 'mediateur ressourcerie a relire');
  const waiting = await page.locator('main table a').count();
  if (waiting < 1) fail('ressourcerie : des séances à relire attendues pour le référent');
  await page.locator('main table a').first().click();
  await page.getByRole('button', { name: 'Prendre la relecture' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Le contenu est exact et à jour').check({ force: true });
  await page.getByLabel('Commentaire pour les auteurs').fill('Ajoutez une étape de pratique en binômes.');
  await page.getByRole('button', { name: 'Renvoyer aux auteurs' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('renvoyée à ses auteurs').count())) fail('ressourcerie : renvoi aux auteurs attendu');
  await checkAccessibility(page, 'mediateur ressourcerie renvoyee');
  await page.goto(`${base}/ressources/relecture`);
  await page.locator('main table a').first().click();
  await page.getByRole('button', { name: 'Prendre la relecture' }).click();
  await page.waitForLoadState('load');
  for (const point of await page.locator('#grille input[type=checkbox]').all()) await point.check({ force: true });
  await checkAccessibility(page, 'mediateur ressourcerie grille complete');
  await page.getByRole('button', { name: 'Publier la séance' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('La séance est publiée').count())) fail('ressourcerie : publication attendue après la grille complète');
  await shoot(page, 'mediateur-ressourcerie-publiee.png');
  await page.goto(`${base}/ressources/nouvelle`);
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.waitForLoadState('load');
  const errors = await page.locator('#erreurs a').count();
  if (errors < 4) fail(`ressourcerie : le formulaire vide doit signaler ses champs, ${errors} lien(s) vu(s)`);
  await checkAccessibility(page, 'mediateur ressourcerie formulaire erreurs');
  await shoot(page, 'mediateur-ressourcerie-formulaire-erreurs.png');
  await page.getByLabel('Titre de la séance').fill('Utiliser un agenda partagé en famille');
  await page.getByLabel('Seniors').check({ force: true });
  await page.getByLabel('Débutant').check({ force: true });
  await page.getByLabel('Durée en minutes').fill('90');
  await page.getByLabel('2.3 Collaborer').check({ force: true });
  await page.getByLabel('Objectifs').fill('Ajouter un rendez-vous\nLe partager avec un proche');
  await page.getByLabel('Déroulé pas à pas').fill('Accueil\nDémonstration\nPratique');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Titre du support').fill('Mémo de l\'agenda');
  const program = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(1022)]);
  await page.locator('#fichier').setInputFiles({ name: 'memo.pdf', mimeType: 'application/pdf', buffer: program });
  await page.getByRole('button', { name: 'Ajouter le support' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('programme exécutable').count())) fail('ressourcerie : un programme nommé .pdf doit être refusé en français');
  const kept = await page.getByLabel('Titre du support').inputValue();
  if (kept !== 'Mémo de l\'agenda') fail(`ressourcerie : le titre du support doit rester saisi après un refus, vu « ${kept} »`);
  await checkAccessibility(page, 'mediateur ressourcerie fichier refuse');
  await shoot(page, 'mediateur-ressourcerie-fichier-refuse.png');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n');
  await page.getByLabel('Titre du support').fill('Mémo de l\'agenda');
  await page.locator('#fichier').setInputFiles({ name: 'memo-agenda.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByRole('button', { name: 'Ajouter le support' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('memo-agenda.pdf').count())) fail('ressourcerie : le mémo doit figurer dans les supports');
  await page.getByRole('link', { name: 'Voir la séance et la soumettre à relecture' }).click();
  await page.getByRole('button', { name: 'Soumettre à relecture' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('soumise à relecture').count())) fail('ressourcerie : soumission attendue');
  await checkAccessibility(page, 'mediateur ressourcerie soumise');
  await page.goto(`${base}${sheet}`);
  await page.getByRole('button', { name: 'Adapter cette séance pour mon public' }).click();
  await page.waitForLoadState('load');
  if (!page.url().includes('/modifier')) fail(`ressourcerie : l'adaptation doit ouvrir le brouillon, vu ${page.url()}`);
  await visit(page, `${base}/ressources/mes-seances`, 'mediateur ressourcerie mes seances');
  console.log(`ok ressourcerie : recherche « smartphones », version 2 comparée, ${waiting} séance(s) à relire, renvoi commenté, séance écrite (programme refusé, mémo joint) et soumise, séance adaptée`);
}

/** The mediator composes a cycle of five sessions for seniors from the bank's search, prints its
 * programme, creates its workshops and records the first one, which then counts as a use of its
 * session; then reports a problem on a session. */
async function resourceCycle(page) {
  await visit(page, `${base}/ressources/cycles`, 'mediateur cycles');
  await page.getByRole('button', { name: 'Créer le cycle' }).click();
  await page.waitForLoadState('load');
  if ((await page.locator('#erreurs a').count()) < 2) fail('cycle : le formulaire vide doit signaler le titre et le groupe');
  await checkAccessibility(page, 'mediateur cycle erreurs');
  await page.getByLabel(/^Titre du cycle/).fill('Premiers pas numériques');
  await page.getByLabel(/^Groupe/).fill('Seniors du jeudi');
  for (const competence of ['2.1 Interagir', '4.1 Sécuriser l’environnement numérique', '4.2 Protéger les données personnelles et la vie privée', '5.2 Construire un environnement numérique']) {
    await page.getByLabel(competence, { exact: true }).check({ force: true });
  }
  await page.getByRole('button', { name: 'Créer le cycle' }).click();
  await page.waitForLoadState('load');
  const cyclePath = new URL(page.url()).pathname;
  if (!/^\/ressources\/cycles\/\d+$/.test(cyclePath)) fail(`cycle : page du cycle attendue, vu ${page.url()}`);
  await page.getByRole('link', { name: 'Ajouter des séances' }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Public', { exact: true }).selectOption('seniors');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur cycle recherche seniors');
  await shoot(page, 'mediateur-cycle-recherche.png');
  const offered = await page.locator('main form button', { hasText: 'Ajouter au cycle' }).count();
  if (offered < 5) fail(`cycle : au moins 5 séances pour les seniors attendues, ${offered} vues`);
  for (let week = 1; week <= 5; week += 1) {
    const button = page.locator('main form button', { hasText: 'Ajouter au cycle' }).nth(week - 1);
    const label = (await button.textContent()) ?? '';
    if (!label.includes(`semaine ${week}`)) fail(`cycle : la séance ${week} doit aller en semaine ${week}, vu « ${label} »`);
    await button.click();
    await page.waitForLoadState('load');
  }
  await page.goto(`${base}${cyclePath}`);
  const rows = await page.locator('main table').first().locator('tbody tr').count();
  if (rows !== 5) fail(`cycle : 5 séances attendues dans le cycle, ${rows} vues`);
  await page.locator('main table').first().locator('tbody tr').nth(4).getByRole('button', { name: /^Monter/ }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur cycle');
  await shoot(page, 'mediateur-cycle.png');
  const covered = await page.getByText('Couvertes par le cycle').textContent();
  await page.getByRole('link', { name: 'Imprimer le programme' }).click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'mediateur cycle programme');
  await page.emulateMedia({ media: 'print' });
  if (await page.locator('header.fr-header').isVisible()) fail('cycle : l\'en-tête ne doit pas s\'imprimer');
  const weeks = await page.locator('.aig-cycle-weeks > li').count();
  if (weeks !== 5) fail(`cycle : 5 semaines attendues dans le programme, ${weeks} vues`);
  await shoot(page, 'mediateur-cycle-programme-imprime.png');
  await page.emulateMedia({ media: 'screen' });
  await page.goto(`${base}${cyclePath}`);
  const firstDay = new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel(/^Date du premier atelier/).fill(firstDay);
  await page.getByRole('button', { name: 'Créer les ateliers du cycle' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Ateliers créés').count())) fail('cycle : création des ateliers attendue');
  const planned = await page.getByRole('link', { name: /^Enregistrer l'atelier/ }).count();
  if (planned !== 5) fail(`cycle : 5 ateliers prévus attendus, ${planned} vus`);
  await checkAccessibility(page, 'mediateur cycle ateliers');
  await shoot(page, 'mediateur-cycle-ateliers.png');
  await page.getByRole('link', { name: /^Enregistrer l'atelier/ }).first().click();
  await page.waitForLoadState('load');
  const title = await page.getByLabel(/^Titre de l'atelier/).inputValue();
  if (!title) fail('cycle : l\'atelier prévu doit reprendre le titre de la séance');
  await page.getByLabel(/^Participants anonymes/).fill('6');
  await page.getByLabel('Tablette', { exact: true }).check({ force: true });
  await checkAccessibility(page, 'mediateur atelier prevu');
  await shoot(page, 'mediateur-atelier-prevu.png');
  await page.getByRole('button', { name: 'Enregistrer l\'atelier' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Atelier enregistré').count())) fail(`cycle : l'atelier prévu doit s'enregistrer (${page.url()})`);
  await page.goto(`${base}${cyclePath}`);
  if (!(await page.getByText('Enregistré : 6 participants').count())) fail('cycle : l\'atelier enregistré doit figurer dans le cycle');
  const sessionLink = await page.locator('main table').first().locator('tbody tr a').first().getAttribute('href');
  await page.goto(`${base}${sessionLink}`);
  const uses = await page.getByText(/^Ateliers enregistrés avec cette séance/).textContent();
  if (!uses?.includes('6 participants')) fail(`cycle : l'utilisation doit compter l'atelier, vu « ${uses} »`);
  await page.getByLabel(/^4 —/).check({ force: true });
  await page.locator('#pour').getByLabel('Seniors', { exact: true }).check({ force: true });
  await page.getByRole('button', { name: 'Enregistrer mon avis' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('votre avis est enregistré').count())) fail('cycle : l\'avis après l\'atelier doit s\'enregistrer');
  if (!(await page.locator('table', { hasText: 'Pour qui la séance a fonctionné' }).getByText('Seniors').count())) fail('cycle : l\'avis doit compter pour les seniors');
  await checkAccessibility(page, 'mediateur seance utilisee et notee');
  await shoot(page, 'mediateur-seance-utilisee-notee.png');
  await page.getByLabel(/^Le problème constaté/).fill('Le lien de la vidéo ne fonctionne plus.');
  await page.getByRole('button', { name: 'Signaler le problème' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('signalé aux référents').count())) fail('cycle : signalement attendu');
  await checkAccessibility(page, 'mediateur seance signalee');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /^Télécharger l'archive/ }).click(),
  ]);
  const archive = await download.path();
  if (!download.suggestedFilename().endsWith('.zip')) fail(`archive : un .zip attendu, vu ${download.suggestedFilename()}`);
  await visit(page, `${base}/ressources/importer`, 'mediateur import archive');
  await page.getByLabel(/^Archive de la séance/).setInputFiles({ name: 'faux.zip', mimeType: 'application/zip', buffer: Buffer.from('pas une archive') });
  await page.getByRole('button', { name: 'Importer la séance' }).click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('rien n\'a été enregistré').count())) fail('archive : un faux zip doit être refusé en français');
  await checkAccessibility(page, 'mediateur import refuse');
  await shoot(page, 'mediateur-import-refuse.png');
  await page.getByLabel(/^Archive de la séance/).setInputFiles(archive);
  await page.getByRole('button', { name: 'Importer la séance' }).click();
  await page.waitForLoadState('load');
  if (!page.url().includes('fait=importee')) fail(`archive : l'import doit ouvrir le brouillon, vu ${page.url()}`);
  await checkAccessibility(page, 'mediateur seance importee');
  await shoot(page, 'mediateur-seance-importee.png');
  await visit(page, `${base}/ressources/relecture`, 'mediateur ressourcerie signalements');
  await page.getByRole('button', { name: /^Clore/ }).first().click();
  await page.waitForLoadState('load');
  if (!(await page.getByText('Signalement clos').count())) fail('cycle : le référent doit pouvoir clore le signalement');
  console.log(`ok cycle : 5 séances pour les seniors (${covered?.trim()}), programme imprimé, 5 ateliers créés, le premier enregistré (6 participants) et compté sur sa séance ; séance exportée puis importée (un faux zip refusé) ; problème signalé puis clos`);
}

async function main() {
  const { server, output } = await startDemo();
  invitationLinks.newcomer = output.match(/nouvelle adresse : (\S+)/)?.[1]?.replace(/^http:\/\/[^/]+/, base);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const accounts = accountsFrom(output);
    if (accounts.length !== 6) fail(`6 comptes de démonstration attendus, ${accounts.length} trouvés`);

    const anonymous = await browser.newPage();
    await selfDiagnostic(anonymous);
    await publicDirectory(await browser.newPage());
    for (const [path, label] of [['/connexion', 'anonyme connexion'], ['/mentions-legales', 'anonyme mentions legales'], ['/accessibilite', 'anonyme accessibilite'], ['/documentation/indicateurs', 'anonyme definitions des indicateurs'], ['/ressources', 'anonyme ressourcerie']]) {
      await visit(anonymous, `${base}${path}`, label);
    }
    await logIn(anonymous, { email: accounts[0]?.email ?? 'x@y.fr', password: 'mauvais mot de passe' });
    const alert = await anonymous.locator('#erreur-connexion').textContent().catch(() => null);
    if (!alert?.includes('Adresse électronique ou mot de passe incorrect')) fail(`mauvais mot de passe : message attendu, vu « ${alert} »`);
    await checkAccessibility(anonymous, 'anonyme mauvais mot de passe');
    await shoot(anonymous, 'anonyme-mauvais-mot-de-passe.png');
    console.log('ok mauvais mot de passe : message en français affiché');

    for (const account of accounts) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await logIn(page, account);
      const heading = await page.locator('h1').first().textContent();
      if (!page.url().endsWith('/') || !heading?.startsWith('Bonjour')) fail(`${account.role} : page d'accueil attendue, vu ${page.url()} « ${heading} »`);
      const badge = await page.locator('main .fr-badge').first().textContent();
      if (badge?.trim() !== account.role) fail(`${account.role} : rôle affiché « ${badge} »`);
      const links = await page.locator('#navigation-principale a.fr-nav__link').evaluateAll(
        (anchors) => anchors.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
      if (links.length === 0) fail(`${account.role} : aucune entrée de navigation`);
      for (const link of links) await visit(page, `${base}${link.href}`, `${account.role} ${link.text}`);
      if (account.role === 'Prescripteur') { await searchDirectory(page); await enrolAndDiagnose(page); await orientPerson(page); await extendRetention(page); await exportPersonData(page); }
      if (account.role === 'Médiateur numérique') { await handleReferral(page); await recordSessionAndClose(page); await recordWorkshop(page); await resourceBank(page); await resourceCycle(page); }
      if (account.role === 'Coordinateur territorial') { await importDirectoryFile(page); await redistribute(page); }
      if (account.role === 'Responsable de structure') { await editOwnPlace(page); await assignReferral(page); await publishSlots(page); await teamPage(page, browser); }
      if (account.role === 'Administrateur') { await nationalSteering(page); await searchJournal(page); }
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForLoadState('load');
      if (!page.url().includes('/connexion')) fail(`${account.role} : déconnexion non aboutie (${page.url()})`);
      await context.close();
    }
    const enrolling = accounts.find((a) => a.role === 'Médiateur numérique');
    if (enrolling) await secondFactorAndAccount(browser, enrolling);
    const prescriber = accounts.find((a) => a.role === 'Prescripteur');
    if (prescriber) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await logIn(page, prescriber);
      await seeReferralSteps(page);
      await personFile(page);
      const mediator = accounts.find((a) => a.role === 'Médiateur numérique');
      if (mediator) {
        const other = await browser.newContext();
        const mediatorPage = await other.newPage();
        await logIn(mediatorPage, mediator);
        await refuseWithHint(mediatorPage);
        await other.close();
        await reorientRefused(page);
      }
      await context.close();
    }
    await voucherCampaign(browser, accounts);
  } finally {
    await browser.close();
    server.kill('SIGINT');
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} échec(s).`);
    process.exit(1);
  }
  console.log(`\nParcours de bout en bout réussis ; captures dans ${shots}`);
}

main().catch((error) => { console.error(error); process.exit(1); });
