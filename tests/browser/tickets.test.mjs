// The guest's ticket in the browser: the booking reference on the reservation page and
// finding a booking by it, the ticket with its QR code (read back from the screenshot
// with zbarimg), and the printed ticket — at 1280 px and at 375 px. (Receipts:
// receipts.test.mjs.)
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  addDays, assert, book, createRoom, open, reloadUntil, signUp, submit, text, today, uniq,
  inBrowser, SHOTS,
} from './lib.mjs';

const WIDTHS = [1280, 375];
const CODE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;
const REFERENCE = /^RB-[2-9A-HJKMNP-Z]{6}$/;

/** Reads the QR code in the picture of loc with zbarimg (zbar-tools), as a phone would. */
async function readQr(loc, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await loc.screenshot({ path: file });
  return execFileSync('zbarimg', ['-q', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** How many lines el's text takes (a code that breaks takes two). */
const lines = (loc) => loc.evaluate((el) => {
  const r = document.createRange();
  r.selectNodeContents(el);
  return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
});

/** No part of the page sticks out to the right (nothing to scroll sideways). */
const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 0.5);

test('the ticket: reference, short code, a QR code that reads back, and a printable page', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Lighthouse room'), capacity: 4, price: 6000 });
  const me = await signUp(page, uniq('Tess'));
  const checkIn = addDays(today(), 9);
  const res = await book({ roomId: room.id, checkIn, nights: 2, guests: 2 }, me.token);
  assert.match(res.reference, REFERENCE, 'the booking has a reference such as RB-7K3Q9F');

  assert.equal(await open(page, `/reservations/${res.id}`), 200);
  assert.equal(await text(page.locator('.reservation .reference')), res.reference, 'the reservation page shows the reference');
  const link = page.getByRole('link', { name: 'Ticket with QR code', exact: true });
  await reloadUntil(page, async () => (await link.count()) > 0, 'the link to the ticket');
  await Promise.all([page.waitForNavigation(), link.click()]);
  const ticketPath = new URL(page.url()).pathname;
  assert.match(ticketPath, /^\/tickets\/\d+$/, 'the link leads to the ticket page');

  const code = await text(page.locator('.ticket-sheet code.ticket-code'));
  assert.match(code, CODE, `a short ticket code in groups, got "${code}"`);
  assert.equal(await text(page.locator('.ticket-sheet .reference')), res.reference);
  const facts = await text(page.locator('.ticket-sheet .facts'));
  const weekday = (d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][t.getUTCDay()]} ${t.getUTCDate()} ${
      ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][t.getUTCMonth()]} ${t.getUTCFullYear()}`;
  };
  for (const d of [checkIn, addDays(checkIn, 2)]) assert.ok(facts.includes(weekday(d)), `"${weekday(d)}" on the ticket: ${facts}`);
  assert.match(facts, /Guests 2\b/, 'the guests');
  assert.equal(await text(page.locator('.ticket-sheet h1')), room.name, 'the room is the heading');
  const qr = page.locator('.ticket-qr .qr');
  assert.equal(await qr.getAttribute('role'), 'img');
  assert.equal(await qr.getAttribute('aria-label'), `QR code of the ticket code ${code}`);

  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const box = await page.locator('.ticket-qr svg').boundingBox();
    assert.ok(box.width >= 150 && Math.abs(box.width - box.height) < 1, `a square QR code at least 150 px wide at ${width} px, got ${JSON.stringify(box)}`);
    assert.equal(await lines(page.locator('.ticket-sheet code.ticket-code')), 1, `the code stays on one line at ${width} px`);
    assert.equal(await lines(page.locator('.ticket-sheet .reference')), 1, `the reference stays on one line at ${width} px`);
    assert.ok(await fitsWidth(page), `nothing sticks out sideways at ${width} px`);
    assert.equal(await readQr(page.locator('.ticket-qr svg'), `tickets-qr-${width}`), code, `the QR code on screen reads ${code} at ${width} px`);
    await shot(`ticket-${width}`);

    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => ({
      header: getComputedStyle(document.querySelector('header.site')).display,
      footer: getComputedStyle(document.querySelector('footer.site')).display,
      hints: [...document.querySelectorAll('.no-print')].map((e) => getComputedStyle(e).display),
      background: getComputedStyle(document.body).backgroundColor,
      ink: getComputedStyle(document.querySelector('.ticket-sheet h1')).color,
      qr: document.querySelector('.ticket-qr svg').getBoundingClientRect().width,
    }));
    assert.equal(printed.header, 'none', 'no navigation on paper');
    assert.equal(printed.footer, 'none', 'no footer on paper');
    assert.ok(printed.hints.every((d) => d === 'none'), 'no screen-only hints on paper');
    assert.match(printed.background, /^rgba?\(255, 255, 255/, 'white paper');
    assert.equal(printed.ink, 'rgb(0, 0, 0)', 'black ink');
    assert.ok(printed.qr >= 250, `a large QR code on paper (8 cm), got ${printed.qr} px`);
    assert.equal(await readQr(page.locator('.ticket-qr svg'), `tickets-qr-print-${width}`), code, 'the printed QR code reads the code');
    await shot(`ticket-printed-${width}`);
    await page.emulateMedia({ media: 'screen' });
  }

  // The guest's tickets: each names its room, stay and booking, and fits a phone.
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    assert.equal(await open(page, '/tickets'), 200);
    const row = page.locator(`.booking-card[data-reservation-id="${res.id}"]`);
    assert.equal(await row.getByRole('link', { name: room.name, exact: true }).getAttribute('href'), ticketPath);
    assert.equal(await row.getByRole('link', { name: res.reference, exact: true }).getAttribute('href'), `/reservations/${res.id}`);
    assert.equal(await text(row.locator('code.ticket-code')), code);
    assert.ok(await fitsWidth(page), `the tickets list fits ${width} px`);
    await shot(`tickets-list-${width}`);
  }

  // The reference finds the booking from the reservations page (typed any old way).
  await page.setViewportSize({ width: 375, height: 900 });
  assert.equal(await open(page, '/reservations'), 200);
  await page.getByLabel('Find a booking by its reference', { exact: true }).fill(res.reference.toLowerCase().replace('-', ' '));
  await shot('find-by-reference');
  const found = await submit(page, 'Find');
  assert.equal(found.url, `/reservations/${res.id}`, 'lands on the booking');
  assert.equal(await text(page.locator('.reservation .reference')), res.reference);
}));
