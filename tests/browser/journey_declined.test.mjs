// A declined card (issue 8), at 1280 px and at 375 px: "check your answers" comes back
// saying the card was declined and nothing was charged; another card then books.
import { test } from 'node:test';
import {
  addDays, api, assert, CARD_DECLINED, CARD_OK, createRoom, held, open, signUp, submit, text, today, uniq, inBrowser,
} from './lib.mjs';
import { assertError, fact, field, fits, money, words, WIDTHS } from './journey_lib.mjs';

for (const width of WIDTHS) {
  const viewport = { width, height: 900 };
  test(`${width} px: a declined card says you were not charged, and a good one books`,
    inBrowser(async ({ page, shot }) => {
      const room = await createRoom({ name: uniq('Lighthouse flat'), capacity: 3, price: 2500 });
      const me = await signUp(page, uniq('Dana'));
      const checkIn = addDays(today(), 30);
      const checkOut = addDays(checkIn, 2);
      assert.equal(await open(page, `/rooms/${room.id}/book?checkIn=${checkIn}&checkOut=${checkOut}&guests=1`), 200);
      const pay = page.locator('form.booking');
      await field(pay, 'Card number').fill(CARD_DECLINED);
      let r = await submit(page, pay.getByRole('button', { name: 'Confirm and pay', exact: true }));
      await shot('declined');
      assert.equal(r.post, 402);
      assert.equal(r.status, 402, 'no redirect');
      const summary = await assertError(page, 'Your card was declined — you were not charged.');
      assert.equal(await summary.locator('a[href="#card"]').count(), 1, 'the summary links to the card');
      assert.equal(await text(page.locator('main h1')), 'Check your answers before paying');
      assert.ok((await text(page.locator('main .crumbs'))).includes(room.name), 'the room is named');
      assert.equal(await fact(page, 'check-in'), words(checkIn));
      assert.equal(await fact(page, 'total'), money(2500 * 2));
      assert.equal(await page.locator('#card').inputValue(), '', 'the card number is not echoed back');
      await fits(page, width, 'declined');
      const payments = await api('GET', '/payments', null, { token: me.token });
      assert.deepEqual(payments.json.items.map((p) => p.status), ['declined'], 'one payment, declined: nothing charged');
      assert.equal(await held(room.id, checkIn), 0, 'nothing held');
      // Reloading that answer sends the same form again: its answer is replayed, as the same
      // page (not a bare error page), and nothing is tried or charged again
      const again = await page.reload();
      assert.equal(again.status(), 402);
      await assertError(page, 'Your card was declined — you were not charged.');
      assert.equal(await text(page.locator('main h1')), 'Check your answers before paying', 'the same page');
      const after = await api('GET', '/payments', null, { token: me.token });
      assert.deepEqual(after.json.items.map((p) => p.status), ['declined'], 'no second attempt');

      await field(page.locator('form.booking'), 'Card number').fill(CARD_OK);
      r = await submit(page, page.locator('form.booking').getByRole('button', { name: 'Confirm and pay', exact: true }));
      assert.equal(r.post, 303);
      assert.match(r.url, /^\/reservations\/\d+\/confirmation$/);
      assert.equal(await text(page.locator('.confirmation-panel h1')), 'Booking confirmed');
      await shot('then-booked');
    }, { viewport }));
}
