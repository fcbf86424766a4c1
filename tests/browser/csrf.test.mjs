// Forms are protected by a double-submit CSRF token: a post without the _csrf field
// equal to the csrf cookie is refused with 403 and changes nothing; so is a post that
// says it comes from another site (Origin, Sec-Fetch-Site), even with the session cookie.
import { test } from 'node:test';
import {
  addDays, api, assert, BASE, CARD_OK, createRoom, open, reservationsOf, signUp, submit, today, uniq,
  inBrowser,
} from './lib.mjs';

async function roomNamed(name) {
  const r = await api('GET', '/rooms?limit=100');
  assert.equal(r.status, 200);
  return r.json.items.filter((x) => x.name === name);
}

test('a form posted without its CSRF token is refused', inBrowser(async ({ page, context, shot }) => {
  // 1. The host form with its hidden _csrf input removed.
  const name = uniq('Forged room');
  await signUp(page, uniq('Carla'));
  assert.equal(await open(page, '/rooms/new'), 200);
  const cookies = await context.cookies(BASE);
  assert.ok(cookies.some((c) => c.name === 'csrf'), 'an HTML page sets the csrf cookie');
  const hidden = page.locator('main form input[type=hidden][name=_csrf]');
  assert.equal(await hidden.count(), 1, 'the form carries a hidden _csrf');
  assert.equal(await hidden.inputValue(), cookies.find((c) => c.name === 'csrf').value, '_csrf equals the csrf cookie');
  await page.evaluate(() => document.querySelectorAll('main input[name=_csrf]').forEach((e) => e.remove()));
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Places per night', { exact: true }).fill('2');
  const r = await submit(page, page.locator('main form button[type=submit]').last()); // (its label is checked by host.test)
  await shot('no-token-room');
  assert.equal(r.post, 403, 'posting without _csrf answers 403');
  assert.equal(r.status, 403, 'and shows a 403 page, no redirect');
  assert.deepEqual(await roomNamed(name), [], 'no room created');

  // 2. The booking form ("check your answers", then pay) with a wrong token (same shape,
  // different value).
  const room = await createRoom({ name: uniq('Target'), capacity: 2, price: 1000 }); // a price: the card is asked for
  const customer = uniq('Victim');
  assert.equal(await open(page, `/rooms/${room.id}/book?checkIn=${addDays(today(), 2)}&checkOut=${addDays(today(), 3)}`
    + `&guests=1&customer=${encodeURIComponent(customer)}`), 200);
  await page.evaluate(() => { document.querySelector('form.booking input[name=_csrf]').value = '0'.repeat(32); });
  const form = page.locator('form.booking');
  await form.getByLabel('Card number', { exact: true }).fill(CARD_OK);
  const b = await submit(page, form.getByRole('button', { name: 'Confirm and pay', exact: true }));
  await shot('wrong-token-booking');
  assert.equal(b.post, 403, 'a wrong _csrf answers 403');
  assert.deepEqual(await reservationsOf({ customer }), [], 'nothing booked');

  // 3. A cross-site style post: the browser's cookies go along, the field does not.
  const name2 = uniq('Scripted room');
  const resp = await page.request.post(`${BASE}/rooms`, {
    form: { name: name2, capacity: '1', price: '0' },
    headers: { Accept: 'text/html' },
    maxRedirects: 0,
  });
  assert.equal(resp.status(), 403, 'a form body without _csrf answers 403');
  assert.match(resp.headers()['content-type'] || '', /text\/html/, 'as a page for a browser');
  assert.deepEqual(await roomNamed(name2), [], 'no room created');

  // 4. Even with the right token, a post another site's page makes is refused: the
  // browser says where it comes from (Origin, Sec-Fetch-Site).
  const csrf = (await context.cookies(BASE)).find((c) => c.name === 'csrf').value;
  for (const [what, headers] of [['a foreign Origin', { Origin: 'http://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }]]) {
    const name3 = uniq('Cross-site room');
    const x = await page.request.post(`${BASE}/rooms`, {
      form: { name: name3, capacity: '1', price: '0', _csrf: csrf },
      headers: { Accept: 'text/html', ...headers },
      maxRedirects: 0,
    });
    assert.equal(x.status(), 403, `${what} answers 403`);
    assert.deepEqual(await roomNamed(name3), [], `no room created (${what})`);
  }
  // The same post from the site itself works (the checks above refused the origin, not the form).
  const name4 = uniq('Own room');
  const ok = await page.request.post(`${BASE}/rooms`, {
    form: { name: name4, capacity: '1', price: '0', _csrf: csrf },
    headers: { Accept: 'text/html', Origin: BASE },
    maxRedirects: 0,
  });
  assert.equal(ok.status(), 303, 'a same-origin form post with the token answers 303');
  assert.equal((await roomNamed(name4)).length, 1, 'and creates the room');
}));

test('signing out ends the session: a form post with the old cookie is not signed in', inBrowser(async ({ page, context }) => {
  await signUp(page, uniq('Otto'));
  const session = (await context.cookies(BASE)).find((c) => c.name === 'rb_session');
  assert.ok(session, 'the session cookie rb_session');
  assert.ok(session.httpOnly, 'rb_session is HttpOnly');
  assert.equal(session.sameSite, 'Lax', 'rb_session is SameSite=Lax');
  assert.equal(session.path, '/', 'rb_session has Path=/');
  const r = await submit(page, page.locator('header.site form.who').getByRole('button', { name: 'Sign out', exact: true }));
  assert.equal(r.post, 303, 'Sign out answers 303');
  assert.ok(!(await context.cookies(BASE)).some((c) => c.name === 'rb_session'), 'the cookie is gone');
  const old = await api('GET', '/account', null, { token: null, headers: { Cookie: `rb_session=${session.value}` } });
  assert.equal(old.status, 401, 'the signed-out session is dead (401)');
}));
