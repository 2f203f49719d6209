// End-to-end journey of every demo role in headless Chromium: log in, visit every page of the
// navigation, check each with axe-core (WCAG 2.1 A and AA) and save a screenshot. Also checks the
// French message of a wrong password and the public pages. Exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
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

/** The demo accounts, read from what the demo prints. */
function accountsFrom(output) {
  const accounts = [];
  for (const line of output.split('\n')) {
    const match = line.match(/^\s+(.+?)\s{2,}(\S+@demo\.aiguillage\.fr)\s+(\S+)\s*$/);
    if (match) accounts.push({ role: match[1], email: match[2], password: match[3] });
  }
  return accounts;
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

async function visit(page, url, label) {
  const response = await page.goto(url);
  if (!response || response.status() >= 400) fail(`${label} : statut ${response?.status()} pour ${url}`);
  const violations = await checkAccessibility(page, label);
  await page.screenshot({ path: join(shots, `${slug(label)}.png`), fullPage: true });
  console.log(`ok ${label} (${url}) — ${violations} violation(s) axe`);
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
  await page.screenshot({ path: join(shots, 'prescripteur-recherche-annuaire.png'), fullPage: true });
  await page.locator('.fr-card__title a').first().click();
  await page.waitForLoadState('load');
  await checkAccessibility(page, 'prescripteur fiche lieu');
  await page.screenshot({ path: join(shots, 'prescripteur-fiche-lieu.png'), fullPage: true });
  console.log(`ok recherche dans l'annuaire : ${summary?.trim()}`);
}

/** A coordinator uploads a file with broken rows and reads the preview before confirming. */
async function importDirectoryFile(page) {
  await page.goto(`${base}/annuaire/import`);
  await page.getByLabel('Fichier à importer').setInputFiles(join(here, '..', 'crates', 'interop', 'tests', 'fixtures', 'broken.csv'));
  await page.getByRole('button', { name: 'Voir le rapport avant import' }).click();
  await page.waitForLoadState('load');
  const text = await page.locator('main').textContent();
  if (!text?.includes('Rien n\'a encore été enregistré') || !text.includes('code postal « 4910 » invalide')) fail(`aperçu d'import inattendu : ${text?.slice(0, 300)}`);
  await checkAccessibility(page, 'coordinateur apercu import');
  await page.screenshot({ path: join(shots, 'coordinateur-apercu-import.png'), fullPage: true });
  await page.getByRole('button', { name: 'Confirmer l\'import' }).click();
  await page.waitForLoadState('load');
  const done = await page.locator('.fr-alert--success').textContent().catch(() => null);
  if (!done?.includes('Import terminé')) fail(`import non confirmé : ${done}`);
  await page.screenshot({ path: join(shots, 'coordinateur-import-termine.png'), fullPage: true });
  console.log(`ok import d'un fichier : ${done?.replace(/\s+/g, ' ').trim()}`);
}

/** A structure manager updates the capacity of their own place's offer. */
async function editOwnPlace(page) {
  await page.goto(`${base}/annuaire?commune=Saumur&rayon=5`);
  await page.getByRole('link', { name: 'Espace public numérique de Saumur' }).click();
  await page.waitForLoadState('load');
  await page.screenshot({ path: join(shots, 'responsable-fiche-lieu.png'), fullPage: true });
  await page.getByRole('link', { name: 'modifier cette offre' }).first().click();
  await page.waitForLoadState('load');
  await page.getByLabel('Capacité (personnes par semaine ou par cycle d\'ateliers)').fill('30');
  await checkAccessibility(page, 'responsable modification offre');
  await page.screenshot({ path: join(shots, 'responsable-modification-offre.png'), fullPage: true });
  await page.getByRole('button', { name: 'Enregistrer l\'offre' }).click();
  await page.waitForLoadState('load');
  const text = await page.locator('main').textContent();
  if (!text?.includes('Modifications enregistrées') || !text.includes('Sophie Lefèvre')) fail(`modification de l'offre non enregistrée : ${text?.slice(0, 300)}`);
  await checkAccessibility(page, 'responsable lieu modifie');
  await page.screenshot({ path: join(shots, 'responsable-lieu-modifie.png'), fullPage: true });
  console.log('ok modification d\'une offre de son propre lieu, signée');
}

async function logIn(page, account) {
  await page.goto(`${base}/connexion`);
  await page.getByLabel('Adresse électronique').fill(account.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForLoadState('load');
}

async function main() {
  const { server, output } = await startDemo();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const accounts = accountsFrom(output);
    if (accounts.length !== 5) fail(`5 comptes de démonstration attendus, ${accounts.length} trouvés`);

    const anonymous = await browser.newPage();
    for (const [path, label] of [['/connexion', 'anonyme connexion'], ['/mentions-legales', 'anonyme mentions legales'], ['/accessibilite', 'anonyme accessibilite']]) {
      await visit(anonymous, `${base}${path}`, label);
    }
    await logIn(anonymous, { email: accounts[0]?.email ?? 'x@y.fr', password: 'mauvais mot de passe' });
    const alert = await anonymous.locator('#erreur-connexion').textContent().catch(() => null);
    if (!alert?.includes('Adresse électronique ou mot de passe incorrect')) fail(`mauvais mot de passe : message attendu, vu « ${alert} »`);
    await checkAccessibility(anonymous, 'anonyme mauvais mot de passe');
    await anonymous.screenshot({ path: join(shots, 'anonyme-mauvais-mot-de-passe.png'), fullPage: true });
    console.log('ok mauvais mot de passe : message en français affiché');

    for (const account of accounts) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await logIn(page, account);
      const heading = await page.locator('h1').first().textContent();
      if (!page.url().endsWith('/') || !heading?.startsWith('Bonjour')) fail(`${account.role} : page d'accueil attendue, vu ${page.url()} « ${heading} »`);
      const badge = await page.locator('.fr-badge').first().textContent();
      if (badge?.trim() !== account.role) fail(`${account.role} : rôle affiché « ${badge} »`);
      const links = await page.locator('#navigation-principale a.fr-nav__link').evaluateAll(
        (anchors) => anchors.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
      if (links.length === 0) fail(`${account.role} : aucune entrée de navigation`);
      for (const link of links) await visit(page, `${base}${link.href}`, `${account.role} ${link.text}`);
      if (account.role === 'Prescripteur') await searchDirectory(page);
      if (account.role === 'Coordinateur territorial') await importDirectoryFile(page);
      if (account.role === 'Responsable de structure') await editOwnPlace(page);
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForLoadState('load');
      if (!page.url().includes('/connexion')) fail(`${account.role} : déconnexion non aboutie (${page.url()})`);
      await context.close();
    }
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
