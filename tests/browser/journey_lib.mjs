// tests/browser/journey_lib.mjs — what the guest's-journey tests (journey*.test.mjs) share:
// the widths they run at, dates and money as the pages write them, and the steps of the
// search, the booking form and the checks of a page that refuses a booking.
import { assert, open, submit, text } from './lib.mjs';

export const WIDTHS = [1280, 375];

/** A date as the pages write it: "Thu 10 Dec 2026". */
export function words(date) {
  const d = new Date(`${date}T12:00:00Z`);
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${wd} ${d.getUTCDate()} ${mon} ${d.getUTCFullYear()}`;
}

/** Minor units as the pages write them: "120.00 EUR". */
export const money = (minor) => `${(minor / 100).toFixed(2)} EUR`;

export const field = (scope, label) => scope.getByLabel(label, { exact: true });

/** The page is no wider than the window (nothing to scroll sideways). */
export async function fits(page, width, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `${what}: the page is ${w} px wide in a ${width} px window`);
}

/** Searches from the home page; returns submit()'s result. */
export async function search(page, { checkIn, checkOut, guests }) {
  assert.equal(await open(page, '/'), 200);
  const form = page.locator('form.search');
  await field(form, 'Check-in date').fill(checkIn);
  await field(form, 'Check-out date').fill(checkOut);
  await field(form, 'Guests').fill(String(guests));
  return submit(page, form.getByRole('button', { name: 'Search', exact: true }));
}

/** The element selector names on the results, following "Next page" until it shows. */
export async function onResults(page, selector) {
  for (let i = 0; i < 50; i += 1) {
    const loc = page.locator(selector);
    if (await loc.count()) return loc;
    const next = page.locator('main a[rel=next]');
    assert.ok(await next.count(), `${selector} is on no page of the results (last: ${page.url()})`);
    await Promise.all([page.waitForNavigation(), next.click()]);
  }
  return assert.fail(`${selector}: too many pages`);
}

/** Fills the room page's booking form (only what is given). */
export async function fillStay(page, f) {
  const form = page.locator('form.stay');
  if (f.checkIn) await field(form, 'Check-in date').fill(f.checkIn);
  if (f.checkOut) await field(form, 'Check-out date').fill(f.checkOut);
  if (f.guests !== undefined) await field(form, 'Guests').fill(String(f.guests));
  if (f.customer) await field(form, 'Guest name').fill(f.customer);
  return form;
}

/** The title says "Error: " first, and the error summary is there and says `cause`. */
export async function assertError(page, cause) {
  assert.match(await page.title(), /^Error: /, 'the title starts with "Error: "');
  const summary = page.locator('.error-summary');
  assert.equal(await summary.count(), 1, 'one .error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.match(await text(summary.locator('h2')), /^There is a problem$/);
  const said = await text(summary);
  assert.ok(said.includes(cause), `the summary says "${cause}"; it says "${said}"`);
  return summary;
}

/** The room's own page is around the form: name, price, calendar. */
export async function assertRoomAround(page, room) {
  assert.equal(await text(page.locator('main h1')), room.name, 'h1 is the room name');
  assert.match(await text(page.locator('main .facts')), new RegExp(`${money(room.price).replace('.', '\\.')} per guest per night`),
    'the price');
  assert.equal(await page.locator('table.calendar').count(), 1, 'the calendar');
  assert.equal(await page.locator('form.stay').count(), 1, 'the one booking form');
}

/** The confirmation page's facts by class. */
export const fact = async (page, cls) => text(page.locator(`dl.summary-list dd.${cls}`));

