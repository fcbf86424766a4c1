// Error pages titled "Error: ...", the navigation (aria-current, 24 px tap targets),
// 3:1 input borders and focus rings, and field errors on the sign-in form. At 1280
// and 375 px.
import { test } from 'node:test';
import {
  addDays, api, assert, assertHumanText, book, CARD_DECLINED, CARD_OK, createRoom, humanDate as human, mypageRow,
  noHorizontalScroll, open, reloadUntil, signUp, sql, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';

const WIDTHS = [1280, 375];
const viewport = (width) => ({ width, height: width > 500 ? 900 : 740 });

for (const width of WIDTHS) {
  test(`error pages and the navigation at ${width} px`, inBrowser(async ({ page, shot }) => {
    assert.equal(await open(page, '/rooms/987654321'), 404);
    assert.equal(await page.title(), 'Error: Not found · Roombook');
    assert.equal(await text(page.locator('h1')), 'Not found');
    assert.match(await text(page.locator('main .lead')), /^room 987654321 does not exist/i);
    await shot(`error-404-${width}`);
    assert.equal(await open(page, '/no/such/page'), 404);
    assert.equal(await page.title(), 'Error: Not found · Roombook', 'an address nobody serves too');
    await shot(`gateway-404-${width}`);

    assert.equal(await open(page, '/rooms'), 200);
    const nav = page.locator('header.site nav');
    assert.equal(await nav.locator('a[aria-current="page"]').count(), 1, 'one link is the current page');
    assert.equal(await text(nav.locator('a[aria-current="page"]')), 'Rooms');
    for (const a of await page.locator('header.site a, header.site button, .crumbs a').all()) {
      const box = await a.boundingBox();
      assert.ok(box.height >= 24, `tap target "${await text(a)}" is ${box.height} px high (at least 24)`);
    }
    // WCAG 1.4.11: what shows a field and the focus stands out 3:1 from what is around it.
    assert.equal(await open(page, '/sign-in'), 200);
    const contrast = await page.evaluate(() => {
      const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
      const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      const input = document.querySelector('#email');
      const around = getComputedStyle(input.closest('form')).backgroundColor;
      const page = getComputedStyle(document.documentElement).backgroundColor;
      input.focus();
      const cs = getComputedStyle(input);
      return { border: ratio(cs.borderTopColor, around), ring: Math.min(ratio(cs.outlineColor, around), ratio(cs.outlineColor, page)), width: parseFloat(cs.outlineWidth) };
    });
    assert.ok(contrast.border >= 3, `input border contrast ${contrast.border.toFixed(2)}:1`);
    assert.ok(contrast.ring >= 3 && contrast.width >= 2, `focus ring ${contrast.ring.toFixed(2)}:1, ${contrast.width} px`);
    await page.keyboard.press('Tab');
    await shot(`sign-in-focus-${width}`);
    const signIn = page.locator('main form[action="/sign-in"]');
    const r = await submit(page, signIn.getByRole('button', { name: 'Sign in', exact: true }));
    assert.equal(r.status, 422);
    assert.equal(await page.title(), 'Error: Sign in · Roombook');
    const email = page.locator('#email');
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.equal(await email.getAttribute('aria-describedby'), 'email-error');
    assert.equal(await text(page.locator('#email-error')), 'Error: Email is required', 'marked as an error for screen readers too');
    await shot(`sign-in-field-errors-${width}`);

    // The availability page's dates: a range the wrong way round comes back in the form,
    // the mistake beside its field; corrected, the nights show.
    const room = await createRoom({ name: uniq('Calendar'), capacity: 3 });
    assert.equal(await open(page, `/rooms/${room.id}/availability?from=2027-01-10&to=2027-01-01`), 400);
    assert.match(await page.title(), /^Error: /);
    assert.equal(await page.locator('.error-summary a[href="#to"]').count(), 1, 'the summary links to #to');
    assert.equal(await page.locator('#to').getAttribute('aria-invalid'), 'true');
    assert.match(await text(page.locator('#to-error')), /To must be on or after the first night/);
    assert.equal(await page.locator('#from').inputValue(), '2027-01-10', 'what was chosen stays');
    await noHorizontalScroll(page).then((w) => assert.deepEqual(w.wide, [], `nothing sticks out: ${JSON.stringify(w)}`));
    await shot(`availability-errors-${width}`);
    await page.locator('#to').fill('2027-01-12');
    const shown = await submit(page, page.getByRole('button', { name: 'Show', exact: true }));
    assert.equal(shown.status, 200);
    assert.equal(await page.locator('table.availability tbody tr').count(), 3);
    assert.equal(await page.locator('.error-summary').count(), 0);
    assert.equal(await page.locator('#to').inputValue(), '2027-01-12');

    // The search with a mistake in one field and none in another: on one row (1280 px)
    // the labels line up and so do the inputs; on a phone the fields stack.
    assert.equal(await open(page, '/rooms?checkIn=2020-01-01&checkOut=2027-02-30&guests=2'), 400);
    assert.equal(await page.locator('.search .field-error').count(), 2, 'two fields say what is wrong');
    const tops = async (sel) => Promise.all((await page.locator(sel).all()).map(async (e) => Math.round((await e.boundingBox()).y)));
    const labels = await tops('form.search label'), inputs = await tops('form.search input');
    if (width > 500) {
      assert.equal(new Set(labels).size, 1, `the labels line up: ${labels}`);
      assert.equal(new Set(inputs).size, 1, `the inputs line up: ${inputs}`);
      const heights = await Promise.all((await page.locator('form.search input').all()).map(async (e) => Math.round((await e.boundingBox()).height)));
      assert.equal(new Set(heights).size, 1, `the inputs are as high as each other: ${heights}`);
    } else {
      assert.ok(inputs[0] < labels[1] && inputs[1] < labels[2], `the fields stack: labels ${labels}, inputs ${inputs}`);
    }
    await noHorizontalScroll(page).then((w) => assert.deepEqual(w.wide, [], `nothing sticks out: ${JSON.stringify(w)}`));
    await shot(`search-errors-${width}`);
  }, { viewport: viewport(width) }));
}
