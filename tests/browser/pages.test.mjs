// Pages on a narrow phone, and the review form after a stay.
import { test } from 'node:test';
import {
  addDays, api, assert, book, createRoom, mypageRow, noHorizontalScroll, open, reloadUntil, signUp, sql, submit, text,
  today, uniq,
  inBrowser,
} from './lib.mjs';

test('the room page, sign-in, account, mypage, availability and a ticket fit a 320 px wide phone', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({
    name: uniq('Seaside apartment with a rather long name for a small screen'),
    desc: 'A description long enough to wrap over several lines on a narrow phone screen. '.repeat(3),
    capacity: 5, price: 123456,
  });
  const problems = [];
  const fits = async (what) => {
    const m = await noHorizontalScroll(page);
    if (m.scrollWidth > 320) problems.push(`${what} scrollWidth ${m.scrollWidth} > 320; too wide: ${m.wide.join(', ')}`);
  };
  assert.equal(await open(page, `/rooms/${room.id}`), 200);
  await shot('room-320-signed-out');
  await fits('room page (signed out)');
  assert.equal(await open(page, '/sign-in'), 200);
  await shot('sign-in-320');
  await fits('sign-in page');

  const me = await signUp(page, 'Maximiliane Alexandra Wolkenstein-Trostburg von Hohenlohe');
  await shot('signed-up-320');
  await fits('page after sign-up');
  const r = await book({ roomId: room.id, checkIn: addDays(today(), 1), nights: 3, guests: 2 }, me.token);

  assert.equal(await open(page, `/rooms/${room.id}`), 200);
  await shot('room-320');
  await fits('room page');
  assert.equal(await open(page, '/account'), 200);
  await shot('account-320');
  await fits('account page');

  await open(page, '/mypage');
  const row = mypageRow(page, r.id);
  await reloadUntil(page, async () => (await row.count()) && /\bValid\b/.test(await text(row))
    && (await page.locator('.messages li').count()) > 0, 'the row with its ticket, and a message, on mypage');
  await shot('mypage-320');
  await fits('mypage');
  assert.equal(await open(page, `/rooms/${room.id}/availability`), 200);
  await shot('availability-320');
  await fits('availability page');
  const tickets = await api('GET', `/tickets?reservationId=${r.id}`, null, { token: me.token });
  assert.equal(await open(page, `/tickets/${tickets.json.items[0].id}`), 200);
  await shot('ticket-320');
  await fits('ticket page');
  assert.deepEqual(problems, [], 'no horizontal scroll at 320 px');
}, { viewport: { width: 320, height: 640 } }));

test('after the stay the reservation page offers a review form', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Cabin'), capacity: 2, price: 700 });
  const me = await signUp(page, uniq('Rita'));
  const r = await book({ roomId: room.id, checkIn: addDays(today(), 1), nights: 2 }, me.token);
  const reviewForm = page.locator(`form[action="/rooms/${room.id}/reviews"]`);

  assert.equal(await open(page, `/reservations/${r.id}`), 200);
  assert.equal(await reviewForm.count(), 0, 'no review form before the stay');

  // Move the stay into the past (the reservations service's own database, and the
  // rooms service's hold, which says who stayed when and so who may review).
  const checkIn = addDays(today(), -4);
  sql('reservations', `UPDATE reservation SET check_in='${checkIn}', check_out='${addDays(checkIn, 2)}' WHERE id=${r.id}`);
  sql('rooms', `UPDATE hold SET check_in='${checkIn}' WHERE reservation_id=${r.id}`);
  await page.reload();
  await shot('reservation-after-stay');
  assert.equal(await reviewForm.count(), 1, 'a review form once the stay is over');
  const content = `Lovely and quiet ${uniq('r')}`;
  await reviewForm.locator('[name=rating][value="5"]').check();
  await reviewForm.locator('[name=content]').fill(content);
  const s = await submit(page, reviewForm.locator('button[type=submit], input[type=submit]').first());
  await shot('after-review');
  assert.equal(s.post, 303, 'the review post answers 303');
  await open(page, `/rooms/${room.id}`);
  assert.ok((await text(page.locator('main'))).includes(content), 'the review shows on the room page');
  const facts = await text(page.locator('main .facts, main').first());
  assert.match(facts, /\b5(\.0)? \/ 5 \(1 review\)/, `rating 5 / 5 from 1 review in "${facts}"`);
  await shot('room-with-review');
}));
