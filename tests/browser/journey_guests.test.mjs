// More guests than a room takes (issue 8), at 1280 px and at 375 px: "Update total" and
// "Continue" say it in plain words at the field, and the booking itself refuses it (409)
// even when the summary's hidden fields are changed, with the room's page around.
import { test } from 'node:test';
import {
  addDays, api, assert, CARD_OK, createRoom, open, signUp, submit, text, today, uniq, inBrowser,
} from './lib.mjs';
import { assertError, assertRoomAround, field, fillStay, fits, WIDTHS } from './journey_lib.mjs';

for (const width of WIDTHS) {
  const viewport = { width, height: 900 };
  test(`${width} px: more guests than the room takes is said in plain words`,
    inBrowser(async ({ page, shot }) => {
      const room = await createRoom({ name: uniq('Garden studio'), capacity: 2, price: 5000 });
      const me = await signUp(page, uniq('Tom'));
      const checkIn = addDays(today(), 15);
      assert.equal(await open(page, `/rooms/${room.id}`), 200);
      assert.equal(await page.locator('#guests').getAttribute('max'), '2');
      await fillStay(page, { checkIn, checkOut: addDays(checkIn, 1), guests: 5 });
      let r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Update total', exact: true }));
      assert.equal(r.status, 400);
      const summary = await assertError(page, 'This room takes at most 2 guests');
      assert.equal(await summary.locator('a[href="#guests"]').count(), 1, 'the summary links to the field');
      // "Update total" leads to the total's box (#quote): it says what to correct, with links
      assert.equal(await page.locator('#quote a[href="#guests"]').count(), 1, 'the total box links to the field');
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'quote',
        'the box the button leads to has the focus');
      assert.match(await text(page.locator('#guests-error')), /This room takes at most 2 guests\./, 'said at the field too');
      assert.equal(await page.locator('#guests').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#guests').inputValue(), '5', 'what was typed is kept');
      await shot('too-many-guests');
      await fits(page, width, 'too many guests');
      r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(r.status, 422, 'Continue refuses it too');
      await assertError(page, 'This room takes at most 2 guests');
      await assertRoomAround(page, room);

      // The server holds the line even when the summary's hidden fields are changed.
      await fillStay(page, { guests: 2 });
      r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(r.status, 200);
      await page.evaluate(() => { document.querySelector('form.booking input[name=guests]').value = '5'; });
      await field(page.locator('form.booking'), 'Card number').fill(CARD_OK);
      r = await submit(page, page.locator('form.booking').getByRole('button', { name: 'Confirm and pay', exact: true }));
      assert.equal(r.post, 409);
      await assertError(page, 'This room takes at most 2 guests');
      await assertRoomAround(page, room);
      await shot('too-many-guests-refused');
      const mine = await api('GET', `/reservations?roomId=${room.id}&status=confirmed`, null, { token: me.token });
      assert.deepEqual(mine.json.items, [], 'nothing booked');
    }, { viewport }));
}
