// Bookings that must not happen: a declined card, a sold-out night, an invalid field.
// Each time the form comes back with the cause, keeps what was typed (not the card) and
// nothing is booked. (journey*.test.mjs follow the same at both widths, with the room's
// page around the form.)
import { test } from 'node:test';
import {
  addDays, assert, book, calendarCell, CARD_DECLINED, createRoom, held, open,
  reservationsOf, signUp, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

/** Fills the booking form of the room page and goes on to "check your answers"; returns
 * submit()'s result of Continue. */
async function continueWith(page, f) {
  const form = page.locator('form.stay');
  const field = (label) => form.getByLabel(label, { exact: true });
  await field('Check-in date').fill(f.checkIn);
  await field('Check-out date').fill(f.checkOut);
  await field('Guests').fill(String(f.guests));
  await field('Guest name').fill(f.customer);
  return submit(page, form.getByRole('button', { name: 'Continue', exact: true }));
}

/** Pays on "check your answers" with card; returns submit()'s result. */
async function pay(page, card) {
  const form = page.locator('form.booking');
  await form.getByLabel('Card number', { exact: true }).fill(card);
  return submit(page, form.getByRole('button', { name: 'Confirm and pay', exact: true }));
}

/** The page came back (no redirect) with an error summary mentioning cause, and the form
 * in scope keeps the stay (as fields or as the summary's hidden fields), never the card. */
async function assertFormBack(page, r, status, cause, f, scope) {
  assert.equal(r.post, status, `the answer is ${status}`);
  assert.equal(r.status, status, `no redirect: the form comes back with ${status}`);
  assert.match(await page.title(), /^Error: /, 'the title starts with "Error: "');
  const summary = page.locator('.error-summary');
  assert.equal(await summary.count(), 1, 'one .error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert', '.error-summary has role=alert');
  assert.match(await text(summary.locator('h2, h3, h1').first()), /^There is a problem$/, 'summary heading');
  assert.match(await text(summary), cause, `the summary mentions ${cause}`);
  const form = page.locator(scope);
  assert.equal(await form.count(), 1, `${scope} is shown again`);
  const value = (name) => form.locator(`[name=${name}]`).inputValue();
  assert.equal(await value('checkIn'), f.checkIn, 'check-in kept');
  assert.equal(await value('checkOut'), f.checkOut, 'check-out kept');
  assert.equal(await value('guests'), String(f.guests), 'guests kept');
  assert.equal(await value('customer'), f.customer, 'customer kept');
  assert.equal(await page.locator('#card').count() ? await page.locator('#card').inputValue() : '', '',
    'the card number is not echoed back');
}

test('a declined card shows the error and books nothing', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Attic'), capacity: 2, price: 1200 });
  const checkIn = addDays(today(), 4);
  const f = { checkIn, checkOut: addDays(checkIn, 2), guests: 1, customer: uniq('Dee') };
  await signUp(page, uniq('Dee'));
  await open(page, `/rooms/${room.id}`);
  assert.equal((await continueWith(page, f)).status, 200);
  const r = await pay(page, CARD_DECLINED);
  await shot('declined');
  await assertFormBack(page, r, 402, /declined — you were not charged/i, f, 'form.booking');
  const mine = await reservationsOf({ customer: f.customer });
  assert.deepEqual(mine.filter((x) => x.status === 'confirmed'), [], 'no confirmed reservation');
  assert.equal(await held(room.id, f.checkIn), 0, 'no capacity held');

  await open(page, `/rooms/${room.id}`);
  assert.match(await text(await calendarCell(page, f.checkIn)), /\b2 left\b/, 'the calendar still shows 2 left');
  await shot('room-unchanged');
}));

test('a sold-out night cannot be booked', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Hut'), capacity: 1, price: 500 });
  const night = addDays(today(), 5);
  const first = await book({ roomId: room.id, checkIn: night, customer: uniq('early') });

  await signUp(page, uniq('Late'));
  await open(page, `/rooms/${room.id}`);
  const cell = await calendarCell(page, night);
  assert.match(await cell.getAttribute('class'), /\bsold-out\b/, `td.sold-out for ${night}`);
  assert.match(await text(cell), /Sold out/, '"Sold out" in the cell');
  await shot('room-sold-out');

  const f = { checkIn: night, checkOut: addDays(night, 1), guests: 1, customer: uniq('late') };
  const r = await continueWith(page, f);
  await shot('sold-out-error');
  await assertFormBack(page, r, 409, /fully booked on/i, f, 'form.stay');
  const mine = await reservationsOf({ customer: f.customer });
  assert.deepEqual(mine.filter((x) => x.status === 'confirmed'), [], 'no confirmed reservation for the late guest');
  const all = await reservationsOf({ roomId: String(room.id), status: 'confirmed' });
  assert.deepEqual(all.map((x) => x.id), [first.id], 'only the first booking stands');
  assert.equal(await held(room.id, night), 1, 'still exactly one place held');
}));

test('an invalid field is pointed out and books nothing', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Loft'), capacity: 2, price: 800 });
  const checkIn = addDays(today(), 6);
  const f = { checkIn, checkOut: addDays(checkIn, -1), guests: 1, customer: uniq('ivy') };
  await signUp(page, uniq('Ivy'));
  await open(page, `/rooms/${room.id}`);
  let r = await continueWith(page, f);
  await shot('invalid-check-out');
  await assertFormBack(page, r, 422, /check-out date must be after the check-in date/i, f, 'form.stay');
  assert.equal(await page.locator('.error-summary a[href="#checkOut"]').count(), 1, 'the summary links to #checkOut');

  // A card number that is not one: the answers come back to be paid again.
  f.checkOut = addDays(checkIn, 1);
  r = await continueWith(page, f);
  assert.equal(r.status, 200);
  r = await pay(page, '4242 42ab');
  await shot('invalid-card');
  await assertFormBack(page, r, 422, /card number must be 12 to 19 digits/i, f, 'form.booking');
  assert.equal(await page.locator('.error-summary a[href="#card"]').count(), 1, 'the summary links to #card');
  assert.deepEqual(await reservationsOf({ customer: f.customer }), [], 'nothing stored for a 422');
}));
