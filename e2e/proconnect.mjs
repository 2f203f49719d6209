// ProConnect sign-in, end to end, in headless Chromium against a real OpenID provider on loopback
// (npm oidc-provider, configured like ProConnect: scopes and claims openid, email, given_name,
// usual_name, siret, uid; acr_values eidas1; PKCE; the userinfo answer signed as a JWT; RP-initiated
// logout). The demo runs with AIGUILLAGE_PROCONNECT_* pointing at it.
//
// The journey: the sign-in page shows the ProConnect button; an agent unknown here signs in and
// waits; the structure manager lets her in as mediator; she signs in, then logs out at the provider.
// The refusals: a forged `state`, a replayed code, an ID token for another audience and an expired
// one (both re-signed with the provider's own key, so only their claims are wrong).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const binary = process.env.AIGUILLAGE_BIN ?? join(here, '..', 'target', 'debug', 'aiguillage');
const port = Number(process.env.AIGUILLAGE_PROCONNECT_E2E_PORT ?? 8766);
const providerPort = Number(process.env.AIGUILLAGE_PROCONNECT_OP_PORT ?? 9431);
const base = `http://127.0.0.1:${port}`;
const issuer = `http://127.0.0.1:${providerPort}`;
const clientId = 'aiguillage-e2e';
const clientSecret = 'secret-du-fournisseur-de-service-de-test-0123456789';
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

const failures = [];
const fail = (message) => { failures.push(message); console.error(`ÉCHEC : ${message}`); };
const ok = (message) => console.log(`ok ${message}`);

// The agents the provider knows. Léa works at the demo's Saumur place (its SIRET is the demo's).
const agents = {
  'lea-girard': {
    email: 'lea.girard@saumur.example', given_name: 'Léa', usual_name: 'Girard',
    siret: '99999999900018', uid: 'uid-lea',
  },
  'paul-inconnu': {
    email: 'paul.martin@ailleurs.example', given_name: 'Paul', usual_name: 'Martin',
    siret: '11111111100015', uid: 'uid-paul',
  },
};

// What the token endpoint's ID token becomes: as issued, or re-signed with a wrong audience or an
// expiry in the past.
let tamper = 'none';

async function startProvider() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'cle-e2e', alg: 'RS256', use: 'sig' };
  const signingKey = await importJWK(jwk, 'RS256');
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${base}/connexion/proconnect/retour`],
      post_logout_redirect_uris: [`${base}/connexion/proconnect/deconnexion`],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      userinfo_signed_response_alg: 'RS256',
    }],
    jwks: { keys: [jwk] },
    claims: {
      openid: ['sub'],
      email: ['email'],
      given_name: ['given_name'],
      usual_name: ['usual_name'],
      siret: ['siret'],
      uid: ['uid'],
    },
    acrValues: ['eidas1'],
    features: {
      devInteractions: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    cookies: { keys: ['cle-des-cookies-du-fournisseur-e2e'] },
    async findAccount(_ctx, id) {
      const agent = agents[id];
      if (!agent) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...agent }; } };
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || tamper === 'none' || !ctx.body?.id_token) return;
    const claims = decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (tamper === 'audience') claims.aud = 'un-autre-service';
    if (tamper === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
    ctx.body = {
      ...ctx.body,
      id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'cle-e2e' }).sign(signingKey),
    };
  });
  const server = createServer(provider.callback());
  await new Promise((resolve) => server.listen(providerPort, '127.0.0.1', resolve));
  return server;
}

function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiguillage-e2e-proconnect-'));
  const env = {
    ...process.env,
    AIGUILLAGE_PROCONNECT_ISSUER: issuer,
    AIGUILLAGE_PROCONNECT_CLIENT_ID: clientId,
    AIGUILLAGE_PROCONNECT_CLIENT_SECRET: clientSecret,
    RUST_LOG: 'info',
  };
  const server = spawn(binary, ['demo', '--port', String(port), '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const state = { output: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready after 180 s:\n${state.output}`)), 180_000);
    const onData = (chunk) => {
      state.output += chunk;
      if (state.output.includes('Arrêt : Ctrl-C.')) { clearTimeout(timer); resolve({ server, state }); }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', (chunk) => { state.output += chunk; });
    server.on('exit', (code) => reject(new Error(`demo exited (${code}):\n${state.output}`)));
  });
}

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
  if (result.violations.length > 0) {
    for (const violation of result.violations) {
      const targets = violation.nodes.map((node) => node.target.join(' ')).join(', ');
      fail(`${label} : axe ${violation.id} (${violation.impact}) — ${violation.help} — ${targets}`);
    }
  } else {
    ok(`axe ${label} : 0 violation`);
  }
}

async function shoot(page, name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

/** At the provider: the development login form (any password) and the consent, when asked. */
async function throughProvider(page, login) {
  for (let step = 0; step < 4; step += 1) {
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    if (url.origin !== issuer) return;
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count() > 0) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('peu-importe');
      await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').first().click()]);
      continue;
    }
    const submit = page.locator('button[type="submit"]').first();
    if (await submit.count() > 0) {
      await Promise.all([page.waitForNavigation(), submit.click()]);
    }
  }
}

/** Clicks the ProConnect button and goes through the provider as `login`. */
async function signInWithProConnect(page, login) {
  await page.goto(`${base}/connexion`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /S'identifier avec ProConnect/ }).click()]);
  await throughProvider(page, login);
  await page.waitForLoadState('load');
}

/** A new sign-in's `state`, started from this browser (its binding cookie set) but not sent on. */
async function startedState(page) {
  const response = await page.request.get(`${base}/connexion/proconnect`, { maxRedirects: 0 });
  return new URL(response.headers().location).searchParams.get('state');
}

async function expectRefused(page, label, url, expected) {
  const response = await page.goto(url.toString());
  const text = await page.locator('main').innerText();
  if (response.status() !== 400 || !text.includes(expected)) {
    fail(`${label} : attendu un refus (400, « ${expected} »), reçu ${response.status()} : ${text.slice(0, 200)}`);
  } else {
    ok(`${label} refusé : ${response.status()} « ${expected} »`);
  }
}

async function main() {
  const provider = await startProvider();
  const { server, state } = await startDemo();
  const accounts = accountsFrom(state.output);
  const manager = accounts.find((a) => a.email === 'responsable@demo.aiguillage.fr');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    // 1. The sign-in page, with the button as the DSFR draws it.
    const agent = await browser.newContext();
    const page = await agent.newPage();
    await page.goto(`${base}/connexion`);
    const button = page.getByRole('link', { name: /S'identifier avec ProConnect/ });
    if (await button.count() !== 1) fail('bouton ProConnect absent de la page de connexion');
    await checkAccessibility(page, 'connexion avec ProConnect');
    await shoot(page, 'proconnect-connexion.png');

    // 2. Léa, unknown here: her access request waits.
    await signInWithProConnect(page, 'lea-girard');
    const waiting = await page.locator('main').innerText();
    if (!waiting.includes('Votre demande d\'accès est enregistrée') || !waiting.includes('Léa Girard')) {
      fail(`demande d'accès non montrée : ${waiting.slice(0, 300)}`);
    } else {
      ok('première connexion ProConnect : demande d\'accès en attente');
    }
    await checkAccessibility(page, 'demande d\'accès en attente');
    await shoot(page, 'proconnect-demande-en-attente.png');

    // Paul's organisation is in no structure of the directory: nothing is kept.
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await signInWithProConnect(strangerPage, 'paul-inconnu');
    const unknown = await strangerPage.locator('main').innerText();
    if (!unknown.includes('n\'est pas dans l\'annuaire')) fail(`SIRET inconnu : ${unknown.slice(0, 200)}`);
    else ok('SIRET absent de l\'annuaire : rien n\'est enregistré');
    await stranger.close();

    // 3. The structure manager lets her in as mediator.
    const managerContext = await browser.newContext();
    const managerPage = await managerContext.newPage();
    await managerPage.goto(`${base}/connexion`);
    await managerPage.getByLabel('Adresse électronique').fill(manager.email);
    await managerPage.getByLabel('Mot de passe', { exact: true }).fill(manager.password);
    await Promise.all([managerPage.waitForNavigation(), managerPage.getByRole('button', { name: 'Se connecter' }).click()]);
    await managerPage.goto(`${base}/equipe`);
    const link = managerPage.getByRole('link', { name: /Demandes d'accès par ProConnect : 1 en attente/ });
    if (await link.count() !== 1) fail('lien des demandes d\'accès absent de la page Équipe');
    else ok('la page Équipe annonce « Demandes d\'accès par ProConnect : 1 en attente »');
    await Promise.all([managerPage.waitForNavigation(), link.first().click()]);
    const requests = await managerPage.locator('main').innerText();
    if (!requests.includes('Léa Girard') || !requests.includes('lea.girard@saumur.example')) fail(`demande absente de /equipe/demandes : ${requests.slice(0, 300)}`);
    await checkAccessibility(managerPage, 'demandes d\'accès');
    await shoot(managerPage, 'proconnect-demandes-acces.png');
    await managerPage.getByLabel('Rôle').selectOption('mediator');
    await Promise.all([managerPage.waitForNavigation(), managerPage.getByRole('button', { name: 'Ouvrir l\'accès' }).click()]);
    const approved = await managerPage.locator('main').innerText();
    if (!approved.includes('L\'accès est ouvert')) fail(`accès non ouvert : ${approved.slice(0, 200)}`);
    else ok('le responsable ouvre l\'accès avec le rôle médiateur');
    await managerContext.close();

    // 4. Léa signs in, then logs out at the provider.
    await signInWithProConnect(page, 'lea-girard');
    const header = await page.locator('header').innerText();
    if (new URL(page.url()).pathname === '/connexion' || !header.includes('Léa Girard')) {
      fail(`connexion après accord non ouverte : ${page.url()} ${header.slice(0, 200)}`);
    } else {
      ok('connexion ProConnect après accord : session ouverte au nom de Léa Girard');
    }
    await shoot(page, 'proconnect-connectee.png');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Se déconnecter' }).click()]);
    if (new URL(page.url()).origin !== issuer) fail(`déconnexion non envoyée au fournisseur : ${page.url()}`);
    else ok(`déconnexion envoyée au fournisseur (${new URL(page.url()).pathname})`);
    const confirm = page.locator('button[autofocus], button[type="submit"]').first();
    if (await confirm.count() > 0) await Promise.all([page.waitForNavigation(), confirm.click()]);
    await page.waitForURL(`${base}/connexion?deconnecte=1`, { timeout: 10_000 }).catch(() => {});
    const after = await page.locator('main').innerText();
    if (!after.includes('Vous êtes déconnecté')) fail(`retour de déconnexion : ${page.url()} ${after.slice(0, 200)}`);
    else ok('retour du fournisseur après déconnexion : « Vous êtes déconnecté »');
    const signedOut = await page.goto(`${base}/compte`);
    if (!new URL(page.url()).pathname.startsWith('/connexion')) fail(`session encore ouverte après déconnexion : ${signedOut.status()}`);
    await agent.close();

    // 5. The refusals, in a browser of their own.
    const attacker = await browser.newContext();
    const attack = await attacker.newPage();
    const returns = [];
    attack.on('request', (request) => {
      if (request.url().startsWith(`${base}/connexion/proconnect/retour`)) returns.push(new URL(request.url()));
    });
    await signInWithProConnect(attack, 'lea-girard');
    const first = returns.at(-1);
    if (!first || new URL(attack.url()).pathname === '/connexion') fail(`connexion de référence : ${attack.url()}`);
    const forged = new URL(first);
    forged.searchParams.set('state', 'etat-forge-0123456789abcdef0123456789abcdef');
    await expectRefused(attack, 'state forgé', forged, 'n\'est pas (ou plus) valide');
    await expectRefused(attack, 'retour rejoué (state déjà pris)', first, 'n\'est pas (ou plus) valide');
    await attacker.clearCookies({ name: 'aiguillage_session' });
    const replayed = new URL(`${base}/connexion/proconnect/retour`);
    replayed.searchParams.set('code', first.searchParams.get('code'));
    replayed.searchParams.set('state', await startedState(attack));
    await expectRefused(attack, 'code déjà échangé rejoué sous un state valide', replayed, 'refusée par sécurité');
    for (const [mode, label] of [['audience', 'jeton d\'identité pour une autre audience'], ['expired', 'jeton d\'identité expiré']]) {
      tamper = mode;
      await attacker.clearCookies({ name: 'aiguillage_session' });
      await signInWithProConnect(attack, 'lea-girard');
      const text = await attack.locator('main').innerText();
      if (!text.includes('refusée par sécurité') || new URL(attack.url()).pathname !== '/connexion/proconnect/retour') {
        fail(`${label} : attendu un refus, vu ${attack.url()} : ${text.slice(0, 200)}`);
      } else {
        ok(`${label} refusé : « La réponse de ProConnect a été refusée par sécurité »`);
      }
    }
    tamper = 'none';
    await checkAccessibility(attack, 'connexion ProConnect refusée');
    await shoot(attack, 'proconnect-refus.png');
    await attacker.close();

    writeFileSync(join(shots, 'proconnect-serveur.log'), state.output);
    for (const [reason, label] of [
      ['invalid_grant', 'le fournisseur refuse le code rejoué'],
      ['Invalid audiences', 'l\'audience du jeton est vérifiée'],
      ['ID token expired', 'l\'expiration du jeton est vérifiée'],
    ]) {
      if (!state.output.includes(reason)) fail(`raison « ${reason} » absente du journal du serveur`);
      else ok(`${label} (journal : « ${reason} »)`);
    }
    const events = (state.output.match(/proconnect_refused/g) ?? []).length;
    if (events < 5) fail(`événements de sécurité proconnect_refused : ${events}, attendu au moins 5`);
    else ok(`${events} événements de sécurité proconnect_refused journalisés`);
  } finally {
    await browser.close();
    server.kill('SIGINT');
    provider.close();
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} échec(s) du parcours ProConnect.`);
    process.exit(1);
  }
  console.log('\nParcours ProConnect réussi.');
  process.exit(0);
}

main().catch((error) => { console.error(error); process.exit(1); });
