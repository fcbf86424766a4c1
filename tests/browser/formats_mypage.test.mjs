// My bookings at 1280 and 375 px: upcoming and past stays as cards (dates, money and
// counts in words), the attempts that booked nothing folded away at the end, and
// messages that name the room.
import { test } from 'node:test';
import {
  addDays, api, assert, assertHumanText, book, CARD_DECLINED, CARD_OK, createRoom, humanDate as human, mypageRow,
  noHorizontalScroll, open, reloadUntil, signUp, sql, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

const WIDTHS = [1280, 375];
const viewport = (width) => ({ width, height: width > 500 ? 900 : 740 });

/** True when loc's box lies inside the viewport's width (visible without scrolling sideways). */
async function inView(page, loc) {
  const box = await loc.boundingBox();
  const width = page.viewportSize().width;
  return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
}

for (const width of WIDTHS) {
  test(`My bookings at ${width} px: upcoming and past as cards, failed attempts folded away, messages naming the room`,
    inBrowser(async ({ page, shot }) => {
      const roomName = uniq('Sea view room');
      const room = await createRoom({ name: roomName, desc: 'Balcony over the bay', capacity: 2, price: 12000 });
      const me = await signUp(page, uniq('Wanda'));
      const soon = addDays(today(), 3);
      const upcoming = await book({ roomId: room.id, checkIn: soon, nights: 2, guests: 2 }, me.token);
      const later = await book({ roomId: room.id, checkIn: addDays(today(), 9), nights: 1, guests: 1 }, me.token);
      const stayed = await book({ roomId: room.id, checkIn: addDays(today(), 20), nights: 1, guests: 1 }, me.token);
      const cancelled = await book({ roomId: room.id, checkIn: addDays(today(), 30), nights: 3, guests: 1 }, me.token);
      const c = await api('POST', `/reservations/${cancelled.id}/cancel`, null, { token: me.token });
      assert.equal(c.status, 200, `cancel: ${c.text}`);
      const declined = await api('POST', '/reservations', { roomId: room.id, checkIn: addDays(today(), 5), guests: 1, card: CARD_DECLINED },
        { token: me.token });
      assert.equal(declined.status, 402, `a declined card: ${declined.text}`);
      const soldOut = await api('POST', '/reservations', { roomId: room.id, checkIn: soon, guests: 1, card: CARD_OK },
        { token: me.token });
      assert.equal(soldOut.status, 409, `the night of the 2-guest booking is full: ${soldOut.text}`);

      // Every event applied (the ticket of the stay that is about to become past), then
      // move that stay into the past in each service that keeps its dates.
      await reloadUntil(page, async () => {
        const r = await api('GET', '/mypage?limit=100', null, { token: me.token });
        const rows = r.json.reservations;
        const row = (id) => rows.find((x) => x.reservationId === id);
        return row(stayed.id)?.ticketCode && row(cancelled.id)?.status === 'cancelled'
          && row(declined.json.reservation.id) && row(soldOut.json.reservation.id) && row(upcoming.id)?.ticketCode;
      }, 'every booking projected on mypage');
      const past = addDays(today(), -6);
      sql('reservations', `UPDATE reservation SET check_in='${past}', check_out='${addDays(past, 1)}' WHERE id=${stayed.id}`);
      sql('mypage', `UPDATE view_reservation SET check_in='${past}', check_out='${addDays(past, 1)}' WHERE reservation_id=${stayed.id}`);
      sql('rooms', `UPDATE hold SET check_in='${past}' WHERE reservation_id=${stayed.id}`);

      assert.equal(await open(page, '/mypage'), 200);
      await reloadUntil(page, async () => (await page.locator('.messages li').count()) >= 4, 'the messages on mypage');
      await shot(`mypage-${width}`);

      // Upcoming: the soonest first, as cards, each with its status and (here) Cancel in view.
      const upcomingIds = await page.locator('#upcoming-h ~ .bookings li[data-reservation-id]').evaluateAll(
        (rows) => rows.map((li) => Number(li.dataset.reservationId)));
      assert.deepEqual(upcomingIds, [upcoming.id, later.id], 'upcoming: the two stays to come, soonest first');
      assert.equal(await page.locator('main table').count(), 0, 'no table on My bookings: cards');
      const card = mypageRow(page, upcoming.id);
      assert.equal(await text(card.locator('h3')), roomName, 'the card is titled with the room');
      assert.equal(await text(card.locator('.stay')), `${human(soon)} to ${human(addDays(soon, 2))} 2 nights, 2 guests`);
      assert.match(await text(card), /Total 480\.00 EUR\b/, 'the total with its currency');
      assert.match(await text(card), /Payment Approved\b/, 'the payment in words');
      assert.match(await text(mypageRow(page, later.id).locator('.stay')), / 1 night, 1 guest$/, 'one night, one guest');
      const status = card.locator('.status');
      assert.equal(await text(status), 'Confirmed');
      const cancel = card.getByRole('link', { name: /^Cancel\b/ });
      assert.equal(await cancel.count(), 1, 'a Cancel link on the upcoming card');
      assert.ok(await inView(page, status) && await inView(page, cancel), `status and Cancel in view at ${width} px`);

      // Past and cancelled: the stay that is over and the cancelled one; no Cancel there.
      const pastIds = await page.locator('#past-h ~ .bookings li[data-reservation-id]').evaluateAll(
        (rows) => rows.map((li) => Number(li.dataset.reservationId)));
      assert.deepEqual(pastIds.sort(), [stayed.id, cancelled.id].sort(), 'past and cancelled');
      assert.equal(await text(mypageRow(page, cancelled.id).locator('.status')), 'Cancelled');
      assert.equal(await text(mypageRow(page, stayed.id).locator('.status')), 'Stayed', 'a stay over, in words');
      assert.equal(await page.locator('#past-h ~ .bookings').getByRole('link', { name: /^Cancel\b/ }).count(), 0,
        'nothing past or cancelled can be cancelled');

      // Not booked: folded away at the end, each attempt with its reason in words.
      const folded = page.locator('section.not-booked details');
      assert.equal(await folded.count(), 1, 'the failed attempts are in one <details>');
      assert.equal(await folded.evaluate((d) => d.open), false, 'closed at first');
      assert.equal(await text(folded.locator('summary')), '2 attempts that booked nothing');
      assert.equal(await mypageRow(page, declined.json.reservation.id).isVisible(), false, 'hidden until opened');
      await folded.locator('summary').click();
      assert.match(await text(mypageRow(page, declined.json.reservation.id)), new RegExp(`^${roomName}, ${human(addDays(today(), 5))} \\(1 night, 1 guest\\): Payment declined$`));
      assert.match(await text(mypageRow(page, soldOut.json.reservation.id)), /: Sold out$/);
      await shot(`mypage-not-booked-open-${width}`);

      // Messages name the room and the stay, in words.
      const messages = await text(page.locator('.messages'));
      assert.ok(messages.includes(`Booking confirmed: ${roomName}, ${human(soon)} to ${human(addDays(soon, 2))} (2 nights, 2 guests). 480.00 EUR paid.`),
        `the confirmation names the room and the stay: ${messages}`);
      assert.ok(messages.includes(`Booking cancelled: ${roomName}, ${human(addDays(today(), 30))}`), 'the cancellation too');
      assert.doesNotMatch(messages, /reservation \d+/i, 'no "reservation N"');
      assert.match(await text(page.locator('.messages .when').first()), /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3} \d{4}, \d{2}:\d{2}$/,
        'when, as "Tue 1 Dec 2026, 09:58"');
      await assertHumanText(page, 'mypage');
      const m = await noHorizontalScroll(page);
      assert.ok(m.scrollWidth <= width, `no sideways scroll at ${width} px: ${m.scrollWidth}; too wide: ${m.wide.join(', ')}`);

      // The reservation page of the declined attempt: the reason in words.
      assert.equal(await open(page, `/reservations/${declined.json.reservation.id}`), 200);
      assert.match(await text(page.locator('main .facts')), /Reason Payment declined/);
      assert.match(await text(page.locator('main .facts')), new RegExp(`Stay ${human(addDays(today(), 5))} to ${human(addDays(today(), 6))} \\(1 night\\)`));
      await assertHumanText(page, 'reservation page');
      await shot(`reservation-declined-${width}`);
    }, { viewport: viewport(width) }));
}
