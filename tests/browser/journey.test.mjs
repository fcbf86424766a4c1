// The guest's journey (issue 8), at 1280 px and at 375 px, without the pages' script (they
// need none): search by dates and guests → a room with its one booking form and total →
// "check your answers" → pay → the confirmation page. And with it, the room page's small
// external script keeps the total in step as the guest types.
import { test } from 'node:test';
import {
  addDays, api, assert, book, CARD_OK, createRoom, open, signUp, submit, text, today, uniq, inBrowser,
} from './lib.mjs';
import { fact, field, fillStay, fits, money, onResults, search, words, WIDTHS } from './journey_lib.mjs';

for (const width of WIDTHS) {
  const viewport = { width, height: 900 };
  test(`${width} px: search, choose a room, one form with its total, check your answers, pay, confirmation`,
    inBrowser(async ({ page, context, shot }) => {
      // The pages' own script is kept away: every step works on the server alone.
      // (Not javaScriptEnabled: false, which would leave the accessibility check no way in.)
      await context.route('**/static/booking.js*', (route) => route.abort());
      const room = await createRoom({ name: uniq('Orchard house'), desc: 'Three rooms under apple trees', capacity: 4, price: 4500 });
      const small = await createRoom({ name: uniq('Box room'), capacity: 1, price: 2000 });
      const me = await signUp(page, uniq('Greta'));
      const checkIn = addDays(today(), 10);
      const checkOut = addDays(today(), 12);

      // 1. The home page asks when and for how many.
      await open(page, '/');
      await shot('home');
      await fits(page, width, 'home');
      let r = await search(page, { checkIn, checkOut, guests: 2 });
      assert.equal(r.status, 200);
      assert.match(r.url, /^\/\?checkIn=/, 'a plain GET form on /');
      assert.ok((await text(page.locator('#results-h'))).includes(words(checkIn)), 'the results say the dates in words');
      const card = await onResults(page, `li.match[data-room-id="${room.id}"]`);
      assert.ok((await text(card)).includes(money(4500 * 2 * 2)), 'the total for 2 guests × 2 nights');
      const other = await onResults(page, `ul.unavailable li[data-room-id="${small.id}"]`);
      assert.match(await text(other), /This room takes at most 1 guest\b/, 'a room too small says why');
      await shot('results');
      await fits(page, width, 'results');

      // 2. The room: the form keeps the stay, the total is for what is in the form.
      await Promise.all([page.waitForNavigation(), card.locator('h3 a').click()]);
      assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}`);
      const form = page.locator('form.stay');
      assert.equal(await page.locator('main form').count(), 1, 'one form on the room page');
      assert.equal(await form.locator('#checkIn').inputValue(), checkIn, 'check-in kept from the search');
      assert.equal(await form.locator('#checkOut').inputValue(), checkOut, 'check-out shown and kept');
      assert.equal(await form.locator('#guests').inputValue(), '2', 'guests kept');
      assert.equal(await form.locator('#guests').getAttribute('max'), '4', 'guests at most the capacity');
      for (const id of ['checkIn', 'checkOut', 'guests']) {
        assert.equal(await form.locator(`#${id}`).getAttribute('required'), '', `#${id} is required`);
        assert.equal(await form.locator(`label[for=${id}].required`).count(), 1, `#${id} is marked as required`);
      }
      assert.equal(await form.locator('input[name=nights]').count(), 0, 'no second Nights field');
      let quote = await text(page.locator('#quote'));
      assert.ok(quote.includes(`${money(18000)}`) && quote.includes(words(checkIn)) && quote.includes(words(checkOut)),
        `the total for the stay: "${quote}"`);
      assert.match(await page.locator(`table.calendar td[data-date="${checkIn}"]`).getAttribute('class'), /\bchosen\b/,
        'the stay is marked on the calendar');
      await shot('room-with-stay');
      await fits(page, width, 'room');

      // The server recomputes the total on a plain submit.
      await fillStay(page, { guests: 3 });
      r = await submit(page, form.getByRole('button', { name: 'Update total', exact: true }));
      assert.equal(r.status, 200);
      assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}`);
      quote = await text(page.locator('#quote'));
      assert.ok(quote.includes(money(4500 * 3 * 2)) && /3 guests × 2 nights/.test(quote), `total for 3 guests: "${quote}"`);
      await shot('total-updated');

      // 3. Check your answers.
      r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(r.status, 200);
      assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}/book`);
      assert.equal(await text(page.locator('main h1')), 'Check your answers before paying');
      assert.equal(await fact(page, 'check-in'), words(checkIn));
      assert.equal(await fact(page, 'check-out'), words(checkOut));
      assert.equal(await fact(page, 'nights'), '2 nights');
      assert.equal(await fact(page, 'guests'), '3 guests');
      assert.equal(await fact(page, 'customer'), me.name);
      assert.equal(await fact(page, 'total'), money(27000));
      await shot('check-your-answers');
      await fits(page, width, 'check your answers');

      // "Change" goes back to the form with the values kept.
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Change number of guests', exact: true }).click()]);
      assert.equal(new URL(page.url()).pathname, `/rooms/${room.id}`);
      assert.equal(await page.locator('#guests').inputValue(), '3', 'guests kept');
      assert.equal(await page.locator('#checkIn').inputValue(), checkIn, 'check-in kept');
      assert.equal(await page.locator('#checkOut').inputValue(), checkOut, 'check-out kept');
      await fillStay(page, { guests: 2 });
      r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(await fact(page, 'guests'), '2 guests');
      assert.equal(await fact(page, 'total'), money(18000));

      // 4. Pay.
      const pay = page.locator('form.booking');
      await field(pay, 'Card number').fill(CARD_OK);
      r = await submit(page, pay.getByRole('button', { name: 'Confirm and pay', exact: true }));
      assert.equal(r.post, 303, 'paying answers 303');
      const m = r.url.match(/^\/reservations\/(\d+)\/confirmation$/);
      assert.ok(m, `lands on the confirmation page, got ${r.url}`);
      const id = Number(m[1]);

      // 5. The confirmation.
      const res = (await api('GET', `/reservations/${id}`, null, { token: me.token })).json;
      assert.equal(res.status, 'confirmed');
      assert.deepEqual([res.roomId, res.checkIn, res.checkOut, res.guests, res.amount, res.customer],
        [room.id, checkIn, checkOut, 2, 18000, me.name]);
      assert.equal(await page.title(), 'Booking confirmed · Roombook');
      const panel = page.locator('.confirmation-panel');
      assert.equal(await text(panel.locator('h1')), 'Booking confirmed');
      assert.equal(await text(panel.locator('.reference')), res.reference || String(id),
        'the booking reference (the id until reservations have one)');
      assert.equal(await fact(page, 'check-in'), words(checkIn));
      assert.equal(await fact(page, 'check-out'), words(checkOut));
      assert.equal(await fact(page, 'nights'), '2 nights');
      assert.equal(await fact(page, 'guests'), '2 guests');
      assert.equal(await fact(page, 'total'), money(18000));
      const terms = await text(page.locator('main .terms'));
      assert.ok(terms.includes(`free of charge until the end of your check-in day, ${words(checkIn)}`), `terms: "${terms}"`);
      assert.match(await text(page.locator('main .next-steps')), /ticket.*confirmation with these details is under Messages/s, 'what happens next (this stack sends no e-mail)');
      // the ticket's own page once it is issued, until then the booking's tickets ("not yet")
      assert.match(await page.getByRole('link', { name: 'Your ticket', exact: true }).getAttribute('href'),
        new RegExp(`^/tickets(/\\d+|\\?reservationId=${id})$`));
      assert.equal(await page.locator('main ul.actions').getByRole('link', { name: 'My bookings', exact: true }).getAttribute('href'), '/mypage');
      await shot('confirmation');
      await fits(page, width, 'confirmation');
    }, { viewport }));
}

test('with scripts on, the total follows the form as it is typed; the server still has the last word',
  inBrowser(async ({ page, shot }) => {
    const room = await createRoom({ name: uniq('Dune cottage'), capacity: 5, price: 3300 });
    const night = addDays(today(), 40);
    await book({ roomId: room.id, checkIn: addDays(night, 3), guests: 4 });
    await signUp(page, uniq('Lev'));
    assert.equal(await open(page, `/rooms/${room.id}?checkIn=${night}&checkOut=${addDays(night, 1)}&guests=1`), 200);
    const quote = page.locator('#quote');
    assert.ok((await text(quote)).includes(money(3300)), 'the server\'s total first');
    await fillStay(page, { guests: 3 });
    await page.waitForFunction((t) => document.getElementById('quote').innerText.includes(t), money(3300 * 3));
    // Moving check-in past check-out keeps the number of nights.
    await fillStay(page, { checkIn: addDays(night, 2) });
    assert.equal(await page.locator('#checkOut').inputValue(), addDays(night, 3), 'check-out moved along');
    await fillStay(page, { checkOut: addDays(night, 5) });
    await page.waitForFunction((t) => document.getElementById('quote').innerText.includes(t), money(3300 * 3 * 3));
    assert.ok((await text(quote)).includes(`${words(addDays(night, 2))} to ${words(addDays(night, 5))}`));
    // A screen reader hears the new total once, after the typing, not the whole box each key
    assert.equal(await quote.getAttribute('aria-live'), null, 'the box itself is not live');
    await page.waitForFunction((t) => document.querySelector('#quote [aria-live="polite"]').textContent.includes(t),
      money(3300 * 3 * 3));
    await shot('live-total');
    // Only the server knows that a night is short: "Update total" says so.
    const r = await submit(page, page.locator('form.stay').getByRole('button', { name: 'Update total', exact: true }));
    assert.equal(r.status, 200);
    assert.ok((await text(quote)).includes(`Only 1 place left on ${words(addDays(night, 3))}`), await text(quote));
    await shot('server-checked');
  }, { viewport: { width: 1280, height: 900 } }));

