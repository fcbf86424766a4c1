// Booking a room through its page, following it on mypage, cancelling it there.
import { test } from 'node:test';
import {
  addDays, api, assert, book, calendarCell, CARD_OK, createRoom, held, mypageRow, noHorizontalScroll, open,
  reloadUntil, signUp, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

test('book a room through the form and see it on mypage with its ticket', inBrowser(async ({ page, shot }) => {
  const name = uniq('Harbour loft');
  const room = await createRoom({ name, desc: 'Two beds, sea view', capacity: 3, price: 1500 });
  const me = await signUp(page, uniq('Ann'), { shot });
  const customer = uniq('Ann\'s mother');
  const night = addDays(today(), 2);

  assert.equal(await open(page, `/rooms/${room.id}`), 200);
  assert.equal(await text(page.locator('h1')), name, 'h1 is the room name');
  const cell = await calendarCell(page, night);
  assert.match(await cell.getAttribute('class'), /\bopen\b/, `td.open for ${night}`);
  assert.match(await text(cell), /\b3 left\b/, `"3 left" for ${night}`);
  await shot('room-page');

  const form = page.locator('form.stay');
  assert.equal(await form.count(), 1, 'one form.stay');
  const field = (label) => form.getByLabel(label, { exact: true });
  assert.equal(await field('Check-in date').getAttribute('type'), 'date', '#checkIn is type=date');
  assert.equal(await field('Check-out date').getAttribute('type'), 'date', '#checkOut is type=date');
  for (const [label, id] of [['Check-in date', 'checkIn'], ['Check-out date', 'checkOut'], ['Guests', 'guests'],
    ['Guest name', 'customer']]) {
    assert.equal(await field(label).getAttribute('id'), id, `field labelled "${label}" is #${id}`);
  }
  assert.equal(await field('Guest name').inputValue(), me.name, 'the guest name defaults to the account\'s name');
  // no past day is offered, and none is priced (booking.js)
  assert.equal(await field('Check-in date').getAttribute('min'), today(), 'check-in from today');
  assert.equal(await field('Check-out date').getAttribute('min'), addDays(today(), 1), 'check-out from tomorrow');
  await field('Check-in date').fill(addDays(today(), -3));
  assert.match(await text(page.locator('#quote .quote-live').first()), /^Check-in must be today \(.+\) or later\.$/,
    'no total for a past stay');
  assert.equal(await page.locator('#quote .quote-live strong.total').count(), 0, 'no price shown');
  await field('Check-in date').fill(night);
  await field('Check-out date').fill(addDays(night, 2));
  await field('Guests').fill('2');
  await field('Guest name').fill(customer);
  await shot('form-filled');
  const c = await submit(page, form.getByRole('button', { name: 'Continue', exact: true }));
  assert.equal(c.status, 200, 'Continue shows the answers to check');
  assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}/book`);
  const pay = page.locator('form.booking');
  await pay.getByLabel('Card number', { exact: true }).fill(CARD_OK);
  await shot('check-your-answers');
  const r = await submit(page, pay.getByRole('button', { name: 'Confirm and pay', exact: true }));
  await shot('after-booking');
  assert.equal(r.post, 303, 'a successful booking answers 303 See Other');
  const m = r.url.match(/^\/reservations\/(\d+)\/confirmation$/);
  assert.ok(m, `lands on /reservations/{id}/confirmation, got ${r.url}`);
  const id = Number(m[1]);
  assert.equal(await text(page.locator('.confirmation-panel h1')), 'Booking confirmed');
  // Back after paying: the summary comes again (here the room page: the booking took
  // the places), saying the stay is booked already and linking it, so that paying again
  // is not done unknowingly.
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}/book`);
  const warn = page.locator('.already-booked');
  assert.match(await text(warn), /You have already booked this stay\./);
  assert.equal(await warn.getByRole('link', { name: 'See your booking', exact: true }).getAttribute('href'),
    `/reservations/${id}`);
  await shot('back-after-paying');

  assert.equal(await open(page, `/reservations/${id}`), 200);
  const block = page.locator('[data-status]').first();
  assert.equal(await block.getAttribute('data-status'), 'confirmed', '[data-status] is confirmed');
  assert.match(await text(page.locator('.payment-status')), /approved/i, '.payment-status says approved');
  const code = await reloadUntil(page, async () => {
    const t = page.locator('.ticket-code');
    return (await t.count()) ? text(t.first()) : null;
  }, 'the .ticket-code');
  assert.ok(code.length >= 8, `a ticket code, got "${code}"`);
  await shot('reservation-with-ticket');

  const res = (await api('GET', `/reservations/${id}`)).json;
  assert.equal(res.customer, customer);
  assert.equal(res.checkIn, night);
  assert.equal(res.nights, 2);
  assert.equal(res.guests, 2);
  assert.equal(res.amount, 1500 * 2 * 2, 'amount = price x guests x nights');

  assert.equal(res.accountId, me.account.id, 'booked by the signed-in account');

  await Promise.all([page.waitForNavigation(), page.locator('header.site').getByRole('link', { name: 'My bookings', exact: true }).click()]);
  assert.equal(new URL(page.url()).pathname, '/mypage', '"My bookings" is /mypage, no email to type');
  const row = mypageRow(page, id);
  await reloadUntil(page, async () => (await row.count()) && (await text(row)).includes(code),
    `mypage row ${id} with ticket ${code}`);
  assert.equal(await row.getAttribute('data-status'), 'confirmed', 'mypage row data-status');
  assert.match(await text(row), /approved/i, 'mypage row shows the payment approved');
  await reloadUntil(page, async () => (await page.locator('.messages li').count()) > 0,
    'a confirmation message in .messages li');
  // each message and the ticket lead to their own pages from here
  assert.match(await page.locator('.messages li a').first().getAttribute('href'), /^\/messages\/\d+$/);
  assert.equal(await page.getByRole('link', { name: 'All your messages', exact: true }).getAttribute('href'), '/messages');
  assert.equal(await row.getByRole('link', { name: code, exact: true }).getAttribute('href'), `/tickets?reservationId=${id}`);
  await shot('mypage');

  // The messages page: each message's words link to it, and wrap on a phone.
  await page.setViewportSize({ width: 375, height: 800 });
  assert.equal(await open(page, '/messages'), 200);
  const message = page.locator('.inbox li').first();
  assert.equal(await text(message.locator('.subject strong')), 'Confirmation');
  assert.match(await text(message.locator('.text')), new RegExp(`Booking confirmed: ${name}`));
  assert.match(await message.locator('.text a').getAttribute('href'), /^\/messages\/\d+$/);
  assert.equal(await message.getByRole('link', { name: 'The booking', exact: true }).getAttribute('href'), `/reservations/${id}`);
  await noHorizontalScroll(page).then((w) => assert.deepEqual(w.wide, [], `the messages fit 375 px: ${JSON.stringify(w)}`));
  await shot('messages-375');

  // The payments page: a card per payment, named by the stay, that fits a phone.
  assert.equal(await open(page, '/payments'), 200);
  const paid = page.locator('.payments .booking-card').first();
  assert.equal(await text(paid.locator('h2')), name, 'the card is named by the room');
  assert.equal(await text(paid.locator('.payment-status')), 'Approved');
  await noHorizontalScroll(page).then((w) => assert.deepEqual(w.wide, [], `the payments fit 375 px: ${JSON.stringify(w)}`));
  await shot('payments-375');
  await Promise.all([page.waitForNavigation(), paid.locator('h2 a').click()]);
  assert.equal(await text(page.locator('h1')), `Payment for the stay at ${name}`);
}));

test('cancel from mypage and see the capacity come back on the calendar', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Garden room'), capacity: 3, price: 900 });
  const me = await signUp(page, uniq('Bob'));
  const night = addDays(today(), 3);
  const older = await book({ roomId: room.id, checkIn: addDays(night, 7), guests: 1 }, me.token);
  const r1 = await book({ roomId: room.id, checkIn: night, nights: 1, guests: 2 }, me.token);

  await open(page, `/rooms/${room.id}`);
  assert.match(await text(await calendarCell(page, night)), /\b1 left\b/, `"1 left" on ${night} after booking 2 of 3`);
  await shot('room-before-cancel');

  await open(page, '/mypage');
  await reloadUntil(page, async () => (await mypageRow(page, r1.id).count()) && (await mypageRow(page, older.id).count()),
    'both reservations on mypage');
  const ids = await page.locator('#upcoming-h ~ .bookings li[data-reservation-id]').evaluateAll(
    (rows) => rows.map((li) => Number(li.dataset.reservationId)));
  assert.deepEqual(ids, [r1.id, older.id], 'upcoming stays on mypage, the soonest first');
  await shot('mypage-before-cancel');

  const cancel = mypageRow(page, r1.id).getByRole('link', { name: /^Cancel\b/ });
  assert.equal(await cancel.getAttribute('href'), `/reservations/${r1.id}/cancel`, 'the Cancel link');
  const [confirmPage] = await Promise.all([page.waitForNavigation(), cancel.click()]);
  assert.equal(confirmPage.status(), 200, 'the cancel confirm page');
  await shot('confirm-cancel');
  const r = await submit(page, 'Yes, cancel it');
  await shot('after-cancel');
  assert.equal(r.post, 303, '"Yes, cancel it" answers 303');
  assert.equal(r.url, '/mypage', 'and leads to /mypage');
  assert.match(await text(page.locator('.flash')), /cancelled/i, '.flash says cancelled');

  const row = mypageRow(page, r1.id);
  await reloadUntil(page, async () => (await row.getAttribute('data-status')) === 'cancelled', 'row status cancelled');
  await reloadUntil(page, async () => /refunded/i.test(await text(row)), 'payment refunded on the row');
  assert.equal(await row.getByRole('link', { name: /^Cancel\b/ }).count(), 0, 'no Cancel link once cancelled');
  assert.equal(await mypageRow(page, older.id).getAttribute('data-status'), 'confirmed', 'the other booking is untouched');
  await reloadUntil(page, async () => /cancel/i.test(await text(page.locator('.messages'))),
    'a cancellation message in .messages');
  await shot('mypage-after-cancel');

  await open(page, `/rooms/${room.id}`);
  await reloadUntil(page, async () => /\b3 left\b/.test(await text(await calendarCell(page, night))),
    `"3 left" again on ${night}`);
  assert.equal(await held(room.id, night), 0, 'nothing held any more');
  await shot('room-after-cancel');
}));

test('a free room is booked without a card', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Village hall'), capacity: 2, price: 0 });
  await signUp(page, uniq('Bo'), { shot });
  const night = addDays(today(), 4);
  await page.setViewportSize({ width: 375, height: 800 });
  // the room page reads "Free", not "0.00 EUR", and so does the total the script keeps
  assert.equal(await open(page, `/rooms/${room.id}?checkIn=${night}&checkOut=${addDays(night, 1)}&guests=1`), 200);
  assert.equal(await text(page.locator('dl.facts dd').first()), 'Free');
  assert.equal(await text(page.locator('#quote strong.total').first()), 'Free');
  await page.getByLabel('Guests').fill('2');
  assert.equal(await text(page.locator('#quote .quote-live strong.total')), 'Free');
  assert.equal(await text(page.locator('form.stay p.hint').last()),
    'Next you check your answers, then confirm: there is nothing to pay.');
  await shot('room-free-375');
  assert.equal(await open(page, `/rooms/${room.id}/book?checkIn=${night}&checkOut=${addDays(night, 1)}&guests=1`), 200);
  assert.equal(await text(page.locator('h1')), 'Check your answers');
  const form = page.locator('form.booking');
  assert.equal(await text(form.locator('h2')), 'Nothing to pay');
  assert.equal(await form.getByLabel('Card number').count(), 0, 'no card field');
  await noHorizontalScroll(page);
  await shot('check-your-answers-free-375');
  const r = await submit(page, form.getByRole('button', { name: 'Confirm booking', exact: true }));
  assert.equal(r.post, 303, 'booked');
  assert.match(r.url, /^\/reservations\/\d+\/confirmation$/);
  assert.equal(await text(page.locator('.confirmation-panel h1')), 'Booking confirmed');
  await shot('confirmed-free-375');
}));
