// tests/browser/lib.mjs — what every browser test shares: one headless Chromium per
// test file (Debian's /usr/bin/chromium driven by playwright-core), a fresh browser
// context per test, numbered screenshots of each step, an accessibility check (axe-core)
// of every page state a test opens, submits or photographs, the JSON API for set-up and
// checks, and small waits. tests/run.py starts the stack and sets ROOMBOOK_URL.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BASE = (process.env.ROOMBOOK_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const VAR = process.env.ROOMBOOK_VAR || path.join(ROOT, 'var');
export const SHOTS = process.env.ROOMBOOK_SCREENSHOTS || path.join(ROOT, 'tests', 'out', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CARD_OK = '4242424242424242';
export const CARD_DECLINED = '4000000000000002';
// The machine has no internet: without these Chromium floods refused connections.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser = null;
before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});
after(async () => { if (browser) await browser.close(); });

export const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** A unique tag so that tests sharing one stack never see each other's data. */
export const uniq = (p) => `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * inBrowser(fn, opts) — the body of a node:test test, run in a fresh browser context
 * (own cookies) and page:  test('a person does X', inBrowser(async ({ page, shot }) => …)).
 * fn({ page, context, shot, newPage }): shot(step[, page]) saves
 * tests/out/screenshots/<test>-<NN>-<step>.png; a failing test also saves "-failure";
 * newPage() opens a page in another, separate browser context (a second person).
 * (The test() call stays in the test file so that reports name the file.)
 */
export function inBrowser(fn, { viewport = { width: 1024, height: 800 } } = {}) {
  return async (t) => {
    const contexts = [];
    const newContext = async (opts = {}) => {
      const ctx = await browser.newContext({ viewport, ...opts });
      ctx.setDefaultTimeout(8000);
      await ctx.addInitScript({ content: AXE_SOURCE }); // compiled once, cached: ~0 ms a page
      contexts.push(ctx);
      return ctx;
    };
    const context = await newContext();
    const page = await context.newPage();
    const tag = slug(t.name);
    let n = 0;
    const shot = async (step, p = page) => {
      n += 1;
      const file = path.join(SHOTS, `${tag}-${String(n).padStart(2, '0')}-${slug(step)}.png`);
      await p.screenshot({ path: file, fullPage: true }).catch(() => {});
      if (step !== 'failure') await checkA11y(p, `${tag} ${step}`);
    };
    const newPage = async (opts = {}) => (await newContext(opts)).newPage();
    try {
      await fn({ page, context, shot, newPage });
    } catch (err) {
      await shot('failure');
      err.message += `\n    (page was ${page.url()}; screenshots ${path.join(SHOTS, tag)}-*.png)`;
      throw err;
    } finally {
      for (const ctx of contexts) await ctx.close().catch(() => {});
    }
  };
}

// -- accessibility ---------------------------------------------------------------------
// axe-core (node_modules/axe-core, pinned in package-lock.json) runs on every page state
// the tests visit: each screenshot, each open() and each submit(). Any violation fails
// the test. The pages' CSP forbids inline scripts, so axe is not added as a <script>:
// every test context gets it as an init script (run through the DevTools protocol, which
// the CSP does not govern; the pages keep their real CSP), which Chromium compiles once
// and caches, where evaluating its 650 kB source on each page took seconds. target-size
// (WCAG 2.2, 24 px) is off in axe by default and switched on here. The page's <title> is checked too:
// "Page · Roombook" (or "Error: Page · Roombook"), never an empty start.
const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const AXE_OPTIONS = { rules: { 'target-size': { enabled: true } }, resultTypes: ['violations'] };
const lastChecked = new WeakMap(); // page -> the state (URL and markup) checked last

/** Runs axe-core on the page as it is now; fails on any violation, naming the state. */
export async function checkA11y(page, name = '') {
  if (page.isClosed()) return;
  const state = await page.evaluate(() => `${location.href}\n${document.documentElement.outerHTML}`);
  if (lastChecked.get(page) === state) return;
  lastChecked.set(page, state);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate((opts) => window.axe.run(document, opts).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((x) => `${x.target.join(' ')}: ${(x.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300)}`),
  }))), AXE_OPTIONS);
  const title = await page.title();
  const problems = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.join('\n      ')}`);
  if (!/^(Error: )?[^\s·].* · Roombook$|^Roombook$/.test(title)) problems.push(`<title> "${title}" is not "Page · Roombook"`);
  if (problems.length) {
    assert.fail(`accessibility: ${problems.length} problem(s) on ${name || 'a page'} (${page.url()}):\n    ${problems.join('\n    ')}`);
  }
}

// -- the JSON API (set-up and checks behind the pages) ---------------------------------
// Every API call carries a bearer token: by default that of one account made for the
// set-up ("the API account", who therefore hosts the rooms createRoom makes); pass
// { token } (another account's) or { token: null } (anonymous) in headers' place.
export const PASSWORD = 'correct horse battery staple';
let apiToken = null;

async function rawApi(method, p, body, headers = {}) {
  const res = await fetch(BASE + p, {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    redirect: 'manual',
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

/** Signs up an account over the API and signs it in: { account, token, email, password, name }. */
export async function apiAccount(name) {
  const email = `${uniq(slug(name).slice(0, 40) || 'someone')}@example.com`; // a local part has at most 64 characters
  const a = await rawApi('POST', '/accounts', { email, password: PASSWORD, name });
  assert.equal(a.status, 201, `POST /accounts: ${a.text}`);
  const s = await rawApi('POST', '/sessions', { email, password: PASSWORD });
  assert.equal(s.status, 201, `POST /sessions: ${s.text}`);
  return { account: s.json.account, token: s.json.token, email, password: PASSWORD, name };
}

/** A JSON API call; opts.token: whose (default the API account's; null: anonymous). */
export async function api(method, p, body, { token, headers = {} } = {}) {
  if (token === undefined) {
    if (!apiToken) apiToken = (await apiAccount('API host')).token;
    token = apiToken;
  }
  return rawApi(method, p, body, token ? { Authorization: `Bearer ${token}`, ...headers } : headers);
}

export async function createRoom(fields) {
  const r = await api('POST', '/rooms', fields);
  assert.equal(r.status, 201, `POST /rooms: ${r.text}`);
  return r.json;
}

/** Books over the API, as the account of token (default: the API account). */
export async function book(fields, token) {
  const r = await api('POST', '/reservations', { card: CARD_OK, ...fields }, { token });
  assert.equal(r.status, 201, `POST /reservations: ${r.text}`);
  return r.json;
}

export async function reservationsOf(query) {
  const r = await api('GET', `/reservations?${new URLSearchParams({ limit: '100', ...query })}`);
  assert.equal(r.status, 200, `GET /reservations: ${r.text}`);
  return r.json.items;
}

export async function held(roomId, date) {
  const r = await api('GET', `/rooms/${roomId}/availability?from=${date}&to=${date}`);
  assert.equal(r.status, 200, `availability: ${r.text}`);
  return r.json.days[0].held;
}

/** Runs SQL on a service's database ($ROOMBOOK_VAR/db/<service>.db) with sqlite3. */
export function sql(service, statement) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(VAR, 'db', `${service}.db`), statement],
    { encoding: 'utf8' });
}

// -- dates ---------------------------------------------------------------------------
export const today = () => new Date().toISOString().slice(0, 10); // the stack runs in UTC
export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// -- page helpers --------------------------------------------------------------------
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Reloads page until check() returns truthy (the event worker runs a moment later). */
export async function reloadUntil(page, check, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out (${timeout} ms) waiting for ${what} on ${page.url()}`);
    await sleep(250);
    await page.reload();
  }
}

/** Opens a path; returns the main response's status. */
export async function open(page, p) {
  const res = await page.goto(BASE + p);
  await checkA11y(page, `GET ${p}`);
  return res ? res.status() : 0;
}

/**
 * Clicks a submit button and waits for the page that follows. Returns
 * { post: status of the form post (303 when redirected), status: of the final page, url }.
 */
export async function submit(page, button) {
  const loc = typeof button === 'string' ? page.getByRole('button', { name: button, exact: true }) : button;
  assert.equal(await loc.count(), 1, `one button ${typeof button === 'string' ? `"${button}"` : String(button)} on ${page.url()}`);
  const [res] = await Promise.all([page.waitForNavigation(), loc.click()]);
  assert.ok(res, 'the form post led to no page');
  const first = res.request().redirectedFrom();
  const post = first ? (await first.response()).status() : res.status();
  await checkA11y(page, `after submitting ${typeof button === 'string' ? `"${button}"` : 'a form'}`);
  return { post, status: res.status(), url: new URL(page.url()).pathname + new URL(page.url()).search };
}

/** The document's scrollWidth, and the outermost elements that stick out to the right
 * (not counting what sits inside a container that scrolls or clips horizontally). */
export const noHorizontalScroll = (page) => page.evaluate(() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const out = (cs) => cs.position === 'absolute' || cs.position === 'fixed';
  const clipped = (e) => { // an overflow ancestor clips e unless e escapes it by absolute positioning
    let escaping = out(getComputedStyle(e));
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (escaping && cs.position !== 'static') escaping = false; // reached the containing block
      if (!escaping && ['auto', 'scroll', 'hidden', 'clip'].includes(cs.overflowX)) return true;
      if (out(cs)) escaping = true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > limit && !clipped(e));
  const outermost = wide.filter((e) => !wide.includes(e.parentElement));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    wide: outermost.slice(0, 6).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} (${Math.round(e.getBoundingClientRect().width)} px)`),
  };
});

/** The text a person sees in loc (innerText, whitespace collapsed). */
export const text = async (loc) => ((await loc.innerText()) || '').replace(/\s+/g, ' ').trim();

/** The calendar cell of a date on the room page (td[data-date] if present, else by its MM-DD label). */
export async function calendarCell(page, date) {
  const byAttr = page.locator(`table.calendar td[data-date="${date}"]`);
  if (await byAttr.count()) return byAttr;
  const cell = page.locator('table.calendar td').filter({
    has: page.locator('.date', { hasText: new RegExp(`^\\s*${date.slice(5)}\\s*$`) }),
  });
  assert.equal(await cell.count(), 1, `one calendar cell for ${date} (label ${date.slice(5)})`);
  return cell;
}

// -- what pages show people (lib/human.c on the server side) -------------------------
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2026-12-10" as the pages show it: "Thu 10 Dec 2026". */
export const humanDate = (date) => {
  const d = new Date(`${date}T12:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

/** Fails when main shows what people should never read: machine dates and times, "(s)"
 * plurals, "1 nights", codes with underscores. */
export async function assertHumanText(page, what) {
  const body = await text(page.locator('main'));
  assert.doesNotMatch(body, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, `${what}: no RFC 3339 timestamp`);
  assert.doesNotMatch(body, /\b\d{4}-\d{2}-\d{2}\b/, `${what}: no YYYY-MM-DD date`);
  assert.doesNotMatch(body, /\w\(s\)/, `${what}: no "(s)" plural`);
  assert.doesNotMatch(body, /\b1 (nights|guests|places|reviews|attempts)\b/, `${what}: "1 night", never "1 nights"`);
  assert.doesNotMatch(body, /\b[a-z]+_[a-z_]+\b/, `${what}: no code_with_underscores`);
}

// -- accounts in the browser ---------------------------------------------------------

/** The header's signed-in part (form.who with the account link and Sign out), or null. */
export const signedInAs = async (page) => {
  const who = page.locator('header.site form.who .account');
  return (await who.count()) ? text(who) : null;
};

/**
 * Signs up through the real form (/sign-up) as name, from wherever page is; lands signed
 * in. Returns { name, email, password, token } — token: a bearer token of the same
 * account (a second sign-in over the API), for set-up and checks.
 */
export async function signUp(page, name, { shot, next } = {}) {
  await open(page, next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up');
  return fillSignUp(page, name, { shot });
}

/** Like signUp, on the sign-up page page is already on; also returns .landed (submit()'s result). */
export async function fillSignUp(page, name, { shot } = {}) {
  const email = `${uniq(slug(name).slice(0, 40) || 'someone')}@example.com`; // a local part has at most 64 characters
  const form = page.locator('main form[action="/sign-up"]');
  await form.getByLabel('Your name', { exact: true }).fill(name);
  await form.getByLabel('Email', { exact: true }).fill(email);
  await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
  if (shot) await shot('sign-up-form');
  const r = await submit(page, form.getByRole('button', { name: 'Create account', exact: true }));
  assert.equal(r.post, 303, `"Create account" answers 303 (then ${r.status} at ${r.url})`);
  assert.equal(await signedInAs(page), name, 'the header shows the new account signed in');
  const s = await api('POST', '/sessions', { email, password: PASSWORD }, { token: null });
  assert.equal(s.status, 201, `POST /sessions: ${s.text}`);
  return { name, email, password: PASSWORD, token: s.json.token, account: s.json.account, landed: r };
}

/** Fills and submits the sign-in form page is on; returns submit()'s result. */
export async function fillSignIn(page, email, password) {
  const form = page.locator('main form[action="/sign-in"]');
  await form.getByLabel('Email', { exact: true }).fill(email);
  await form.getByLabel('Password', { exact: true }).fill(password);
  return submit(page, form.getByRole('button', { name: 'Sign in', exact: true }));
}

/** Signs out with the header's button; returns submit()'s result. */
export async function signOut(page) {
  return submit(page, page.locator('header.site form.who').getByRole('button', { name: 'Sign out', exact: true }));
}

/** The card of a reservation on mypage (upcoming, past or cancelled; or its line under "Not booked"). */
export const mypageRow = (page, id) => page.locator(`main li[data-reservation-id="${id}"]`);

export { assert };
