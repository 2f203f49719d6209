// Soak test (issue 23): virtual users (64 by default) each loop a professional's journey through the
// real HTML forms of a demo instance for a while (10 minutes by default): a prescriber searches the
// directory, enrols a person, diagnoses them and refers them to the demo mediator's library; the
// mediator accepts the referral, notes the first contact, records a session and opens the dashboard
// (/pilotage, open to mediators without a second factor). Each virtual user signs in once per role
// (its own cookie jar for each), reads the CSRF token from each form, and checks every answer.
// Every few seconds it samples the server: resident memory (VmRSS of /proc/PID/status), open files
// (/proc/PID/fd) and the database pool's connections (/metrics, read from loopback).
// The load runs the warm-up (a fifth of the duration, at most 60 s), pauses 10 s, then runs the rest; the
// server is also sampled at rest after the warm-up and after the end. It prints requests, errors,
// p50/p99 by step, resident memory, open files and connections; it exits non-zero on any error, on an
// RSS growth over 10 % from rest after the warm-up to rest at the end, or on more open files or database
// connections at the end than after the warm-up.
//
// Usage: node soak.mjs [--duration SECONDS] [--users N] [--warmup SECONDS] [--port PORT]
//   The server is the demo of AIGUILLAGE_BIN (default ../target/debug/aiguillage), started here on a
//   fresh data folder; or an already running one: --base http://127.0.0.1:PORT --pid PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}
const duration = Number(option('duration', 600));
const users = Number(option('users', 64));
const warmup = Number(option('warmup', Math.min(60, Math.round(duration / 5))));
const port = Number(option('port', process.env.AIGUILLAGE_SOAK_PORT ?? 8768));
const binary = process.env.AIGUILLAGE_BIN ?? join(here, '..', 'target', 'debug', 'aiguillage');
const SAMPLE_MS = 5000;
/** Allowed RSS growth between the end of the warm-up and the end. */
const RSS_GROWTH = 0.10;

const PRESCRIBER = { email: 'prescripteur@demo.aiguillage.fr', password: 'lierre-boussole-anjou-2026' };
const MEDIATOR = { email: 'mediateur@demo.aiguillage.fr', password: 'ardoise-tramway-loire-2026' };
/** The diagnostic's answers (the questionnaire's fields). */
const ANSWERS = [
  ['equipement', 'Un smartphone'], ['competence_appareil', "Avec de l'aide"], ['competence_recherche', 'Pas du tout'],
  ['competence_messagerie', "Avec de l'aide"], ['competence_demarche', 'Pas du tout'], ['competence_securite', 'Pas du tout'],
  ['lecture', "À l'aise"], ['ecriture', "À l'aise"], ['langues', 'Français'], ['deplacement', "Jusqu'à 15 km"], ['envie', 'Oui'],
];

function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiguillage-soak-'));
  const server = spawn(binary, ['demo', '--port', String(port), '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready after 300 s:\n${output}`)), 300_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Arrêt : Ctrl-C.')) { clearTimeout(timer); resolve({ server, dataDir, log: () => output }); }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`demo exited (${code}):\n${output}`)));
  });
}

// ---- measures -------------------------------------------------------------------------------------

const stats = new Map(); // step → { durations: [], errors: 0 }
let requests = 0;
let errors = 0;
const errorSamples = [];
let stopping = false;

function record(step, ms, ok, detail) {
  let s = stats.get(step);
  if (!s) stats.set(step, (s = { durations: [], errors: 0 }));
  s.durations.push(ms);
  if (!ok) {
    s.errors += 1;
    errors += 1;
    if (s.errors <= 3 && errorSamples.length < 20) errorSamples.push(`${step}: ${detail}`);
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- a virtual user's browser ------------------------------------------------------------------------

class Browser {
  constructor(base) { this.base = base; this.cookies = new Map(); }

  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }

  keep(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /max-age=0\b/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  /** One request (no redirect followed): { status, location, text }. */
  async send(method, path, form) {
    const headers = { cookie: this.cookieHeader() };
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    requests += 1;
    const response = await fetch(new URL(path, this.base), { method, headers, body, redirect: 'manual' });
    this.keep(response);
    const text = await response.text();
    return { status: response.status, location: response.headers.get('location'), text };
  }

  /** A timed step: `expect` says whether the answer is the one wanted (a string explains why not). */
  async step(name, method, path, form, expect) {
    const started = performance.now();
    let answer;
    try {
      answer = await this.send(method, path, form);
    } catch (error) {
      record(name, performance.now() - started, false, `${method} ${path}: ${error.message}`);
      return null;
    }
    const verdict = expect(answer);
    const ok = verdict === true;
    record(name, performance.now() - started, ok,
      ok ? '' : `${method} ${path} → ${answer.status} ${answer.location ?? ''} ${typeof verdict === 'string' ? verdict : ''} ${pageError(answer.text)}`);
    return ok ? answer : null;
  }

  async signIn(account) {
    const form = await this.step('connexion (formulaire)', 'GET', '/connexion', null, (a) => a.status === 200);
    const csrf = form && csrfOf(form.text);
    if (!csrf) return false;
    const done = await this.step('connexion', 'POST', '/connexion',
      { csrf_token: csrf, suivant: '/', email: account.email, password: account.password },
      (a) => (a.status === 303 && this.cookies.has('aiguillage_session')) || 'no session');
    return Boolean(done);
  }
}

const csrfOf = (html) => html.match(/name="csrf_token" value="([^"]*)"/)?.[1];
const redirectTo = (pattern) => (a) => (a.status === 303 && pattern.test(a.location ?? '')) || `expected a redirection to ${pattern}`;
const page = (a) => a.status === 200 || 'expected 200';
function pageError(html) {
  const alert = html.match(/fr-alert--error[\s\S]{0,400}/)?.[0] ?? html.match(/<h1[^>]*>([^<]*)/)?.[1] ?? '';
  return alert.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 200);
}

// ---- the journey ---------------------------------------------------------------------------------

let people = 0;
const letters = 'abcdefghijklmnopqrstuvwxyz';
/** A name nobody else got: no possible duplicate asked to be confirmed. */
function lettered(n) {
  let name = '';
  do { name += letters[n % 26]; n = Math.floor(n / 26); } while (n > 0);
  return name;
}
const uniqueName = (user) => `Soak${lettered(++people * 1000 + user)}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 10_000));
const parisToday = () => new Intl.DateTimeFormat('fr-CA', { timeZone: 'Europe/Paris' }).format(new Date());

async function journey(user, prescriber, mediator, offer) {
  const search = await prescriber.step('recherche', 'GET', '/annuaire?commune=Angers&rayon=10', null,
    (a) => (a.status === 200 && a.text.includes('Médiathèque Toussaint')) || 'the library is not found');
  if (!search) return;

  const enrolForm = await prescriber.step('inscription (formulaire)', 'GET', '/personnes/inscrire', null, page);
  if (!enrolForm) return;
  const digits = String(10_000_000 + ((people * 7919 + user) % 89_999_999)).slice(0, 8);
  const enrolled = await prescriber.step('inscription', 'POST', '/personnes/inscrire', {
    csrf_token: csrfOf(enrolForm.text), prenom: uniqueName(user), nom: `Endurance-${lettered(user)}`,
    telephone: `06${digits}`, courriel: '', commune_recherche: 'Angers', consentement: 'oui',
  }, redirectTo(/^\/personnes\/\d+\/diagnostic$/));
  if (!enrolled) return;
  const person = enrolled.location.match(/\/personnes\/(\d+)\//)[1];

  const questionnaire = await prescriber.step('diagnostic (formulaire)', 'GET', enrolled.location, null, page);
  if (!questionnaire) return;
  const diagnosed = await prescriber.step('diagnostic', 'POST', enrolled.location,
    [['csrf_token', csrfOf(questionnaire.text)], ...ANSWERS], (a) => a.status === 303 || 'expected 303');
  if (!diagnosed) return;

  const choice = await prescriber.step('orientation (formulaire)', 'GET', `/personnes/${person}/orientation?offre=${offer}`, null,
    (a) => (a.status === 200 && a.text.includes('name="offre"')) || 'no confirmation form');
  if (!choice) return;
  const sent = await prescriber.step('orientation', 'POST', `/personnes/${person}/orientation`, {
    csrf_token: csrfOf(choice.text), offre: String(offer), consentement: 'oui', message: '', rendez_vous: '',
  }, redirectTo(/^\/orientations\/\d+/));
  if (!sent) return;
  const referral = sent.location.match(/^\/orientations\/\d+/)[0];

  for (const [action, name] of [['accepter', 'acceptation'], ['premier_contact', 'premier contact']]) {
    const view = await mediator.step(`${name} (page)`, 'GET', referral, null,
      (a) => (a.status === 200 && a.text.includes(`value="${action}"`)) || `no ${action} button`);
    if (!view) return;
    const version = view.text.match(/name="version" value="(\d+)"/)?.[1];
    const done = await mediator.step(name, 'POST', referral,
      { csrf_token: csrfOf(view.text), version, action, commentaire: '' }, (a) => a.status === 303 || 'expected 303');
    if (!done) return;
  }
  const view = await mediator.step('séance (page)', 'GET', referral, null,
    (a) => (a.status === 200 && a.text.includes('formulaire-seance')) || 'no session form');
  if (!view) return;
  const recorded = await mediator.step('séance', 'POST', `${referral}/seances`, {
    csrf_token: csrfOf(view.text), date: parisToday(), duree: '45', duree_autre: '', lieu: 'lieu_activite',
    materiel: 'telephone', thematiques: 'email', demarches: 'logement', autonomie: 'partiellement_autonome',
    notes: 'Séance de test d’endurance.',
  }, (a) => a.status === 303 || 'expected 303');
  if (!recorded) return;

  await mediator.step('pilotage', 'GET', '/pilotage', null,
    (a) => (a.status === 200 && a.text.includes('<h1')) || 'no dashboard');
}

// ---- the server's resources --------------------------------------------------------------------------

/** /metrics on a connection of its own, closed by the server after the answer: the sampler leaves no
 * idle socket behind to be counted among the server's open files. */
function metricsText(base) {
  return new Promise((resolve, reject) => {
    get(new URL('/metrics', base), { agent: false, headers: { connection: 'close' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

function sample(pid, base) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(status.match(/VmRSS:\s+(\d+)/)[1]);
  const names = readdirSync(`/proc/${pid}/fd`);
  const fds = names.length;
  const targets = names.map((name) => { try { return readlinkSync(`/proc/${pid}/fd/${name}`); } catch { return '?'; } });
  return metricsText(base).then((text) => {
    const metric = (name) => {
      const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
      return line ? Number(line.trim().split(/\s+/).pop()) : NaN;
    };
    return { at: Date.now(), rssKb, fds, targets, connections: metric('db_pool_connections'), idle: metric('db_pool_idle_connections') };
  });
}

// ---- run ---------------------------------------------------------------------------------------------

const external = option('base', null);
let demo = null;
let base = external;
let pid = Number(option('pid', 0));
if (!external) {
  demo = await startDemo();
  base = `http://127.0.0.1:${port}`;
  pid = demo.server.pid;
}
const cleanup = () => {
  if (demo) { demo.server.kill('SIGINT'); try { rmSync(demo.dataDir, { recursive: true, force: true }); } catch { /* gone */ } }
};
process.on('SIGINT', () => { cleanup(); process.exit(130); });

let exitCode = 0;
try {
  console.log(`Endurance : ${users} utilisateurs virtuels, ${duration} s (échauffement ${warmup} s), serveur ${base} (PID ${pid})`);
  // Each virtual user signs in once as the prescriber and once as the mediator, one after the other
  // (sign-ins are rare and slow on purpose: argon2), then keeps its two sessions.
  const pairs = [];
  for (let user = 0; user < users; user += 1) {
    const prescriber = new Browser(base);
    const mediator = new Browser(base);
    if (!(await prescriber.signIn(PRESCRIBER)) || !(await mediator.signIn(MEDIATOR))) throw new Error(`sign-in of user ${user} failed: ${errorSamples.join('\n')}`);
    pairs.push([prescriber, mediator]);
  }
  const me = JSON.parse((await pairs[0][1].send('GET', '/api/v1/moi')).text);
  const place = JSON.parse((await pairs[0][1].send('GET', `/api/v1/lieux/${me.structure_id}`)).text);
  const offer = place.offers[0].id;

  // The load runs in two parts: the warm-up, then the rest of the duration. Between them and after the
  // end, the server is sampled at rest (the virtual users' idle keep-alive sockets closed: undici
  // closes them after 4 s): the pool and the caches are warm at both, so open files, connections and
  // memory must be back where they were after the warm-up.
  const quietBefore = await sample(pid, base);
  const samples = [quietBefore];
  const started = Date.now();
  const sampler = setInterval(() => { sample(pid, base).then((s) => samples.push(s)).catch(() => {}); }, SAMPLE_MS);
  let journeys = 0;
  const progress = setInterval(() => {
    const last = samples[samples.length - 1];
    console.log(`  ${Math.round((Date.now() - started) / 1000)} s : ${requests} requêtes, ${journeys} parcours, ${errors} erreurs, RSS ${Math.round(last.rssKb / 1024)} Mio, ${last.fds} fichiers, ${last.connections} connexions`);
  }, 30_000);
  const load = (seconds) => {
    const deadline = Date.now() + seconds * 1000;
    return Promise.all(pairs.map(async ([prescriber, mediator], user) => {
      while (Date.now() < deadline) {
        const before = errors;
        await journey(user, prescriber, mediator, offer);
        journeys += 1;
        // After a failure, a pause: the error is counted, the loop does not spin on it.
        if (errors > before) await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }));
  };
  await load(warmup);
  const warmLoaded = samples[samples.length - 1];
  await settle();
  const quietWarm = await sample(pid, base);
  await load(duration - warmup);
  const loaded = samples[samples.length - 1];
  await settle();
  const quietEnd = await sample(pid, base);
  clearInterval(sampler);
  clearInterval(progress);

  // ---- summary ----
  const growth = (quietEnd.rssKb - quietWarm.rssKb) / quietWarm.rssKb;
  const peakRss = Math.max(...samples.map((s) => s.rssKb));
  const peakFds = Math.max(...samples.map((s) => s.fds));
  console.log(`\nDurée ${duration} s (échauffement ${warmup} s), ${users} utilisateurs, ${journeys} parcours, ${requests} requêtes, ${errors} erreurs`);
  console.log('étape                         n      p50 ms   p99 ms   erreurs');
  for (const [step, s] of stats) {
    const sorted = [...s.durations].sort((a, b) => a - b);
    console.log(`${step.padEnd(28)} ${String(sorted.length).padStart(6)} ${percentile(sorted, 50).toFixed(1).padStart(9)} ${percentile(sorted, 99).toFixed(1).padStart(8)} ${String(s.errors).padStart(8)}`);
  }
  const mib = (kb) => `${(kb / 1024).toFixed(1)} Mio`;
  console.log(`RSS : avant ${mib(quietBefore.rssKb)} ; au repos après l'échauffement ${mib(quietWarm.rssKb)}, au repos à la fin ${mib(quietEnd.rssKb)} (${(growth * 100).toFixed(1)} %) ; sous charge ${mib(warmLoaded.rssKb)} puis ${mib(loaded.rssKb)}, pic ${mib(peakRss)}`);
  console.log(`Fichiers ouverts : avant ${quietBefore.fds} ; au repos après l'échauffement ${quietWarm.fds}, au repos à la fin ${quietEnd.fds} ; sous charge ${warmLoaded.fds} puis ${loaded.fds}, pic ${peakFds}`);
  console.log(`Connexions à la base : avant ${quietBefore.connections} ; au repos après l'échauffement ${quietWarm.connections}, au repos à la fin ${quietEnd.connections} ; sous charge ${warmLoaded.connections} puis ${loaded.connections}`);
  if (errorSamples.length > 0) console.log(`Premières erreurs :\n  ${errorSamples.join('\n  ')}`);

  const failures = [];
  if (errors > 0) failures.push(`${errors} erreurs`);
  if (growth > RSS_GROWTH) failures.push(`RSS +${(growth * 100).toFixed(1)} % après l'échauffement`);
  if (quietEnd.fds > quietWarm.fds) {
    const kinds = (targets) => targets.map((t) => t.replace(/\d+/g, 'N'));
    const before = kinds(quietWarm.targets);
    const more = kinds(quietEnd.targets).filter((t) => { const at = before.indexOf(t); if (at < 0) return true; before.splice(at, 1); return false; });
    failures.push(`fichiers ouverts au repos ${quietWarm.fds} → ${quietEnd.fds} (en plus : ${more.join(', ')})`);
  }
  if (quietEnd.connections > quietWarm.connections) failures.push(`connexions au repos ${quietWarm.connections} → ${quietEnd.connections}`);
  if (loaded.connections > warmLoaded.connections) failures.push(`connexions sous charge ${warmLoaded.connections} → ${loaded.connections}`);
  if (failures.length > 0) { console.error(`ÉCHEC : ${failures.join(', ')}`); exitCode = 1; } else console.log('Endurance tenue.');
} catch (error) {
  console.error(`ÉCHEC : ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  cleanup();
}
process.exit(exitCode);
