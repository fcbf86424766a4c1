// The host types the price in currency units on the room form (the JSON API keeps
// minor units); wrong values are pointed out at the field, tied to it for screen
// readers, and in the error summary. At 1280 and 375 px.
import { test } from 'node:test';
import {
  addDays, api, assert, assertHumanText, book, CARD_DECLINED, CARD_OK, createRoom, humanDate as human, mypageRow,
  noHorizontalScroll, open, reloadUntil, signUp, sql, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

const WIDTHS = [1280, 375];
const viewport = (width) => ({ width, height: width > 500 ? 900 : 740 });

for (const width of WIDTHS) {
  test(`the host types the price in EUR at ${width} px; a wrong one is pointed out at the field`,
    inBrowser(async ({ page, shot }) => {
      await signUp(page, uniq('Hugo Host'));
      assert.equal(await open(page, '/rooms/new'), 200);
      const field = (label) => page.getByLabel(label, { exact: true });
      const price = field('Price per guest per night, in EUR');
      assert.equal(await price.inputValue(), '0.00', 'a new room starts at 0.00');
      const name = uniq('Garden suite');
      await field('Name').fill(name);
      await field('Places per night').fill('2');
      await price.fill('12.345');
      let r = await submit(page, 'Create room');
      assert.equal(r.status, 422, 'three decimals: the form comes back');
      assert.equal(await page.title(), 'Error: Host a room · Roombook', 'the title starts "Error: "');
      assert.equal(await price.getAttribute('aria-invalid'), 'true', 'the price field is marked invalid');
      const described = (await price.getAttribute('aria-describedby')).split(/\s+/);
      assert.ok(described.includes('price-error') && described.includes('price-hint'), `aria-describedby: ${described}`);
      assert.equal(await text(page.locator('#price-error')), 'Error: Price must have at most 2 decimals, such as 120 or 120.50');
      assert.equal(await field('Name').getAttribute('aria-invalid'), null, 'a right field is not marked');
      assert.equal(await price.inputValue(), '12.345', 'what was typed is kept');
      const link = page.locator('.error-summary a[href="#price"]');
      assert.equal(await text(link), 'Price must have at most 2 decimals, such as 120 or 120.50', 'the summary says the same');
      await shot(`room-form-price-error-${width}`);
      await link.click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'price', 'the summary link takes you to the field');

      await price.fill('-5');
      r = await submit(page, 'Create room');
      assert.equal(await text(page.locator('#price-error')), 'Error: Price must not be negative');
      await field('Name').fill('');
      await price.fill('120.5');
      r = await submit(page, 'Create room');
      assert.equal(await text(page.locator('#name-error')), 'Error: Enter a name or a description for the room',
        'a plain-language message, not "give a name or a desc"');
      assert.equal(await page.locator('#name').getAttribute('aria-describedby'), 'name-error');
      await shot(`room-form-name-error-${width}`);

      await field('Name').fill(name);
      r = await submit(page, 'Create room');
      assert.equal(r.post, 303, 'created');
      const id = Number(r.url.match(/^\/rooms\/(\d+)$/)[1]);
      assert.match(await text(page.locator('main .facts')), /Price 120\.50 EUR per guest per night/);
      assert.match(await text(page.locator('main .facts')), /Capacity 2 places per night/);
      const json = await api('GET', `/rooms/${id}`, null, { token: null });
      assert.equal(json.json.price, 12050, 'the JSON API keeps minor units');
      assert.equal(await page.locator('header.site nav a[aria-current="page"]').count(), 0, 'a room page is none of the nav\'s');
      await shot(`room-created-${width}`);

      assert.equal(await open(page, `/rooms/${id}/edit`), 200);
      assert.equal(await price.inputValue(), '120.50', 'the edit form shows the price in units');
      await price.fill('99');
      r = await submit(page, 'Save changes');
      assert.equal(r.post, 303);
      assert.equal((await api('GET', `/rooms/${id}`, null, { token: null })).json.price, 9900);
      await shot(`room-edited-${width}`);
    }, { viewport: viewport(width) }));
}
