// A sold-out night (issue 8), at 1280 px and at 375 px: found by the search, on the room
// page, and when paying after someone else took the place meanwhile. The room's page stays
// around the form and says which night, how many places are left, and what to do.
import { test } from 'node:test';
import {
  addDays, api, assert, book, CARD_OK, createRoom, held, open, signUp, submit, text, today, uniq, inBrowser,
} from './lib.mjs';
import {
  assertError, assertRoomAround, field, fillStay, fits, onResults, search, words, WIDTHS,
} from './journey_lib.mjs';

for (const width of WIDTHS) {
  const viewport = { width, height: 900 };
  test(`${width} px: a sold-out night says which night and how many places are left`,
    inBrowser(async ({ page, shot }) => {
      const room = await createRoom({ name: uniq('Shepherd hut'), capacity: 2, price: 3000 });
      const night = addDays(today(), 20);
      await book({ roomId: room.id, checkIn: night, guests: 1 });
      const me = await signUp(page, uniq('Sol'));

      // The search says why the room cannot take 2 guests around that night.
      let r = await search(page, { checkIn: addDays(night, -1), checkOut: addDays(night, 1), guests: 2 });
      const row = await onResults(page, `ul.unavailable li[data-room-id="${room.id}"]`);
      assert.ok((await text(row)).includes(`Only 1 place left on ${words(night)}`), `why: "${await text(row)}"`);
      await shot('search-says-why');

      // The room page says it next to the total, and offers no Continue that would only be
      // refused: it asks for other dates instead.
      await Promise.all([page.waitForNavigation(), row.locator('a').click()]);
      assert.ok((await text(page.locator('#quote'))).includes(`Only 1 place left on ${words(night)}`));
      assert.match(await page.locator(`table.calendar td[data-date="${night}"]`).getAttribute('class'), /\bconflict\b/,
        'the full night is marked on the calendar');
      const stay = page.locator('form.stay');
      assert.equal(await stay.getByRole('button', { name: 'Continue', exact: true }).count(), 0, 'no Continue');
      assert.ok(await stay.locator('.unbookable').isVisible(), 'it says to choose other dates');
      await assertRoomAround(page, room);
      await shot('no-continue-when-full');

      // Free when checked, full when paid: someone else took a place in between. Changing
      // the stay brings Continue back (booking.js; without it, "Update total" does).
      const later = addDays(night, 2);
      await fillStay(page, { checkIn: addDays(later, -1), checkOut: addDays(later, 1), guests: 2 });
      assert.ok(!(await stay.locator('.unbookable').isVisible()), 'the old advice goes with the old stay');
      r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(r.status, 200, 'two places free on both nights when checking the answers');
      await book({ roomId: room.id, checkIn: later, guests: 1 });
      await field(page.locator('form.booking'), 'Card number').fill(CARD_OK);
      r = await submit(page, page.locator('form.booking').getByRole('button', { name: 'Confirm and pay', exact: true }));
      await shot('sold-out-when-paying');
      assert.equal(r.post, 409, 'the booking answers 409');
      assert.equal(r.status, 409, 'no redirect: the page comes back');
      await assertError(page, `Only 1 place left on ${words(later)}. Choose fewer guests or other dates.`);
      await assertRoomAround(page, room);
      assert.match(await page.locator(`table.calendar td[data-date="${later}"]`).getAttribute('class'), /\bconflict\b/);
      assert.equal(await page.locator('#checkIn').inputValue(), addDays(later, -1), 'check-in kept');
      assert.equal(await page.locator('#checkOut').inputValue(), addDays(later, 1), 'check-out kept');
      assert.equal(await page.locator('#guests').inputValue(), '2', 'guests kept');
      await fits(page, width, 'sold-out page');
      const mine = await api('GET', `/reservations?roomId=${room.id}&status=confirmed`, null, { token: me.token });
      assert.deepEqual(mine.json.items, [], 'nothing booked for me');
      assert.equal(await held(room.id, later), 1, 'only the other guest\'s place is held');
    }, { viewport }));
}

test('a stay full on two nights names and marks both', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Bothy'), capacity: 1, price: 2500 });
  const first = addDays(today(), 30), second = addDays(first, 1);
  await book({ roomId: room.id, checkIn: first, guests: 1 });
  await book({ roomId: room.id, checkIn: second, guests: 1 });
  await signUp(page, uniq('Noor'));
  assert.equal(await open(page, `/rooms/${room.id}?checkIn=${addDays(first, -1)}&checkOut=${addDays(second, 2)}&guests=1`), 200);
  const why = `This room is fully booked on ${words(first)} and ${words(second)}. Choose other dates.`;
  assert.ok((await text(page.locator('#quote'))).includes(why), `why: "${await text(page.locator('#quote'))}"`);
  for (const night of [first, second])
    assert.match(await page.locator(`table.calendar td[data-date="${night}"]`).getAttribute('class'), /\bconflict\b/,
      `${night} is marked`);
  assert.doesNotMatch(await page.locator(`table.calendar td[data-date="${addDays(first, -1)}"]`).getAttribute('class'),
    /\bconflict\b/, 'a free night of the stay is not');
  await shot('two-full-nights');
}));
