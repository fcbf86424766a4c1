// Bookings that must not happen: a declined card, a sold-out night, an invalid field.
// Each time the form comes back with the cause, keeps what was typed (not the card) and
// nothing is booked.
import { test } from 'node:test';
import {
  addDays, assert, book, calendarCell, CARD_DECLINED, CARD_OK, createRoom, held, open,
  reservationsOf, signUp, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

/** Fills the booking form of the room page and submits it. */
async function tryBooking(page, f) {
  const form = page.locator('form.booking');
  const field = (label) => form.getByLabel(label, { exact: true });
  await field('Check-in date').fill(f.checkIn);
  await field('Nights').fill(String(f.nights));
  await field('Guests').fill(String(f.guests));
  await field('Guest name').fill(f.customer);
  await field('Card number').fill(f.card);
  return submit(page, form.getByRole('button', { name: 'Book and pay', exact: true }));
}

/** The form came back with an error summary mentioning cause, keeping the values but the card. */
async function assertFormBack(page, r, status, cause, f) {
  assert.equal(r.post, status, `the form post answers ${status}`);
  assert.equal(r.status, status, `no redirect: the form comes back with ${status}`);
  const summary = page.locator('.error-summary');
  assert.equal(await summary.count(), 1, 'one .error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert', '.error-summary has role=alert');
  assert.match(await text(summary.locator('h2, h3, h1').first()), /^There is a problem$/, 'summary heading');
  assert.match(await text(summary), cause, `the summary mentions ${cause}`);
  const form = page.locator('form.booking');
  assert.equal(await form.count(), 1, 'form.booking is shown again');
  const value = (id) => form.locator(`#${id}`).inputValue();
  assert.equal(await value('checkIn'), f.checkIn, 'check-in kept');
  assert.equal(await value('nights'), String(f.nights), 'nights kept');
  assert.equal(await value('guests'), String(f.guests), 'guests kept');
  assert.equal(await value('customer'), f.customer, 'customer kept');
  assert.equal(await value('card'), '', 'the card number is not echoed back');
}

test('a declined card shows the error and books nothing', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Attic'), capacity: 2, price: 1200 });
  const f = { checkIn: addDays(today(), 4), nights: 2, guests: 1, customer: uniq('Dee'), card: CARD_DECLINED };
  await signUp(page, uniq('Dee'));
  await open(page, `/rooms/${room.id}`);
  const r = await tryBooking(page, f);
  await shot('declined');
  await assertFormBack(page, r, 402, /declined/i, f);
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

  const f = { checkIn: night, nights: 1, guests: 1, customer: uniq('late'), card: CARD_OK };
  const r = await tryBooking(page, f);
  await shot('sold-out-error');
  await assertFormBack(page, r, 409, /sold out/i, f);
  const mine = await reservationsOf({ customer: f.customer });
  assert.deepEqual(mine.filter((x) => x.status === 'confirmed'), [], 'no confirmed reservation for the late guest');
  const all = await reservationsOf({ roomId: String(room.id), status: 'confirmed' });
  assert.deepEqual(all.map((x) => x.id), [first.id], 'only the first booking stands');
  assert.equal(await held(room.id, night), 1, 'still exactly one place held');
}));

test('an invalid field is pointed out and books nothing', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Loft'), capacity: 2, price: 800 });
  const f = { checkIn: addDays(today(), 6), nights: 0, guests: 1, customer: uniq('ivy'), card: CARD_OK };
  await signUp(page, uniq('Ivy'));
  await open(page, `/rooms/${room.id}`);
  const r = await tryBooking(page, f);
  await shot('invalid-nights');
  await assertFormBack(page, r, 422, /nights/i, f);
  const link = page.locator('.error-summary a[href="#nights"]');
  assert.equal(await link.count(), 1, 'the summary links to #nights');
  assert.deepEqual(await reservationsOf({ customer: f.customer }), [], 'nothing stored for a 422');
}));
