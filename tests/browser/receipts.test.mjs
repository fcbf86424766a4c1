// The receipts of a charge and of its refund in the browser, on screen and on paper, at
// 1280 px and at 375 px; the room's host finds none.
import { test } from 'node:test';
import {
  addDays, api, assert, book, createRoom, open, reloadUntil, signUp, text, today, uniq,
  inBrowser,
} from './lib.mjs';

const WIDTHS = [1280, 375];

/** How many lines el's text takes. */
const lines = (loc) => loc.evaluate((el) => {
  const r = document.createRange();
  r.selectNodeContents(el);
  return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
});

/** No part of the page sticks out to the right (nothing to scroll sideways). */
const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 0.5);

test('the receipts of a payment and of its refund, on screen and on paper', inBrowser(async ({ page, shot }) => {
  const room = await createRoom({ name: uniq('Garden suite'), capacity: 3, price: 6000 });
  const me = await signUp(page, uniq('Rui'));
  const res = await book({ roomId: room.id, checkIn: addDays(today(), 12), nights: 2, guests: 1, card: '5555444433331111' }, me.token);

  assert.equal(await open(page, `/reservations/${res.id}`), 200);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Receipt', exact: true }).click()]);
  assert.equal(new URL(page.url()).pathname, `/payments/${res.paymentId}/receipt`);
  const receipt = page.locator('article.receipt');
  assert.equal(await text(receipt.locator('h1')), 'Receipt');
  const all = await text(receipt);
  for (const want of [`P-${String(res.paymentId).padStart(6, '0')}`, res.reference, room.name, '120.00 EUR',
    'card ending in 1111', 'Paid', 'Total paid']) {
    assert.ok(all.includes(want), `the receipt shows "${want}": ${all}`);
  }
  assert.ok(!all.includes('5555'), 'never more of the card than its last four digits');
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    assert.ok(await fitsWidth(page), `the receipt fits ${width} px`);
    assert.equal(await lines(receipt.locator('.amount')), 1, 'the amount stays on one line');
    await shot(`receipt-${width}`);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.site').evaluate((e) => getComputedStyle(e).display), 'none');
    await shot(`receipt-printed-${width}`);
    await page.emulateMedia({ media: 'screen' });
  }

  // Cancelled: the refund has its receipt too, and the first one says it was refunded.
  const cancel = await api('POST', `/reservations/${res.id}/cancel`, null, { token: me.token });
  assert.equal(cancel.status, 200, cancel.text);
  await open(page, `/reservations/${res.id}`);
  const refundLink = page.getByRole('link', { name: 'Refund receipt', exact: true });
  await reloadUntil(page, async () => (await refundLink.count()) > 0, 'the refund receipt link');
  await Promise.all([page.waitForNavigation(), refundLink.click()]);
  assert.equal(new URL(page.url()).pathname, `/payments/${res.paymentId}/refund-receipt`);
  const refund = await text(page.locator('article.receipt'));
  for (const want of ['Refund receipt', `RF-${String(res.paymentId).padStart(6, '0')}`, 'Refunded in full', 'Total refunded', '120.00 EUR', 'card ending in 1111']) {
    assert.ok(refund.includes(want), `the refund receipt shows "${want}": ${refund}`);
  }
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await shot(`refund-receipt-${width}`);
  }

  // Someone else — the room's host included — finds no receipt there.
  const host = await api('GET', `/payments/${res.paymentId}/receipt`);
  assert.equal(host.status, 404, 'the host (the API account) gets 404');
}));
