// Signed-in pages under load (issue 23): starts the release demo and a trivial axum handler, signs
// each needed demo account in over HTTP (CSRF, password, TOTP for the coordinator), then runs
// `wrk -t2 -c64 -d<seconds>s --latency` on the trivial handler, the static stylesheet (anonymous and
// with a session cookie) and the six signed-in pages of the target, one after the other in the same
// run, and prints each one's requests per second, its share of the trivial handler's and its latency
// percentiles. Usage (after `cargo build --release -p aiguillage -p aiguillage-web --examples`):
//   node scripts/bench/pages.mjs [seconds=5]
// It needs `wrk` (Debian package). Figures go to BENCHMARKS.md by hand; this measures, it asserts nothing.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 5);
const root = new URL('../../', import.meta.url).pathname;
const demoPort = 8781;
const trivialPort = 8782;
const base = `http://127.0.0.1:${demoPort}`;

function start(command, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, RUST_LOG: 'warn' } });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (ready(output)) resolve({ child, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  });
}

function accountsFrom(output) {
  const accounts = new Map();
  for (const line of output.split('\n')) {
    const match = line.match(/^\s+(.+?)\s{2,}(\S+@demo\.aiguillage\.fr)\s+(\S+)\s*$/);
    if (match) accounts.set(match[2], { email: match[2], password: match[3] });
    const key = line.match(/clé TOTP \((\S+@demo\.aiguillage\.fr)\) : ([A-Z2-7 ]+)$/);
    if (key && accounts.has(key[1])) accounts.get(key[1]).totpKey = key[2].replace(/ /g, '');
  }
  return accounts;
}

function totp(key, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of key) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A cookie jar of one client: the `name=value` pairs the server set. */
function absorb(jar, response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const [name, value] = pair.split('=');
    jar.set(name.trim(), value);
  }
}
const cookieHeader = (jar) => [...jar].map(([n, v]) => `${n}=${v}`).join('; ');

async function post(jar, path, fields) {
  const response = await fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams(fields).toString(),
  });
  absorb(jar, response);
  return response;
}

async function csrfOf(jar, path) {
  const response = await fetch(base + path, { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
  absorb(jar, response);
  const html = await response.text();
  return html.match(/name="csrf_token" value="([^"]+)"/)?.[1] ?? '';
}

/** Signs an account in and returns its session cookie header. */
async function signIn(account) {
  const jar = new Map();
  const token = await csrfOf(jar, '/connexion');
  const answer = await post(jar, '/connexion', { csrf_token: token, suivant: '', email: account.email, password: account.password });
  if (answer.headers.get('location')?.startsWith('/connexion/code')) {
    const codeToken = await csrfOf(jar, '/connexion/code');
    const code = totp(account.totpKey, Math.floor(Date.now() / 30_000));
    await post(jar, '/connexion/code', { csrf_token: codeToken, suivant: '', code });
  }
  const check = await fetch(`${base}/compte`, { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
  if (check.status !== 200) throw new Error(`${account.email}: sign-in failed (${check.status})`);
  return cookieHeader(jar);
}

/** One wrk run: requests per second and latency percentiles (ms). */
function wrk(url, cookie) {
  const args = ['-t2', '-c64', `-d${seconds}s`, '--latency'];
  if (cookie) args.push('-H', `Cookie: ${cookie}`);
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const ms = (label) => {
    const m = out.match(new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  return { rps, p50: ms('50'), p99: ms('99'), non2xx };
}

const work = mkdtempSync(join(tmpdir(), 'aiguillage-bench-pages-'));
const demo = await start(join(root, 'target/release/aiguillage'),
  ['demo', '--port', String(demoPort), '--data-dir', work], (out) => out.includes('Arrêt : Ctrl-C.'));
const trivial = await start(join(root, 'target/release/examples/trivial_handler'), [String(trivialPort)],
  (out) => out.includes('listening'));
try {
  const accounts = accountsFrom(demo.output());
  const mediator = await signIn(accounts.get('mediateur@demo.aiguillage.fr'));
  const coordinator = await signIn(accounts.get('coordinateur@demo.aiguillage.fr'));
  // Wait until the indicator records are loaded (readiness), so the dashboard is measured warm.
  for (let i = 0; i < 120; i++) {
    if ((await fetch(`${base}/readyz`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const referral = (await (await fetch(`${base}/orientations`, { headers: { cookie: mediator } })).text())
    .match(/href="\/orientations\/(\d+)"/)?.[1];
  const runs = [
    ['trivial axum handler', `http://127.0.0.1:${trivialPort}/`, null],
    ['stylesheet (app.css), anonymous', `${base}/static/app.css`, null],
    ['stylesheet (app.css), with a session', `${base}/static/app.css`, mediator],
    ['home (mediator)', `${base}/`, mediator],
    ['directory search (mediator)', `${base}/annuaire?commune=Saumur&rayon=20`, mediator],
    ['people list (mediator)', `${base}/personnes`, mediator],
    ['referral list (mediator)', `${base}/orientations`, mediator],
    [`referral detail (mediator, n° ${referral})`, `${base}/orientations/${referral}`, mediator],
    ['dashboard of the département (coordinator)', `${base}/pilotage`, coordinator],
  ];
  const rows = [];
  let ceiling = 0;
  for (const [label, url, cookie] of runs) {
    const result = wrk(url, cookie);
    if (!ceiling) ceiling = result.rps;
    rows.push({ label, ...result });
    console.log(`${label.padEnd(48)} ${result.rps.toFixed(0).padStart(7)} req/s  ${(100 * result.rps / ceiling).toFixed(1).padStart(5)} %  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${result.non2xx ? `  non-2xx ${result.non2xx}` : ''}`);
  }
} finally {
  demo.child.kill();
  trivial.child.kill();
  rmSync(work, { recursive: true, force: true });
}
