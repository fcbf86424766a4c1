// Accounts in the browser (SPEC §6): sign up, sign in and back to where you were going,
// sign out; the booking's answers survive the detour through sign-in; wrong
// passwords and too many of them; changing the name, the password and the email; a
// forgotten password.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  addDays, api, apiAccount, assert, BASE, CARD_OK, createRoom, fillSignIn, mypageRow, open, PASSWORD,
  signedInAs, signOut, signUp, sql, submit, text, today, uniq,
  inBrowser,
} from './lib.mjs';
import { createHash, randomBytes } from 'node:crypto';

const path = (page) => new URL(page.url()).pathname;

test('sign up, book, find it on My bookings, sign out, and sign in again back to My bookings',
  inBrowser(async ({ page, context, shot }) => {
    const room = await createRoom({ name: uniq('Lake cabin'), capacity: 2, price: 1100 });
    assert.equal(await open(page, '/rooms'), 200);
    assert.equal(await signedInAs(page), null, 'signed out at first');
    const who = page.locator('header.site .who');
    assert.equal(await who.getByRole('link', { name: 'Sign in', exact: true }).count(), 1, 'the header offers "Sign in"');
    await shot('signed-out-header');
    await Promise.all([page.waitForNavigation(), who.getByRole('link', { name: 'Create an account', exact: true }).click()]);
    assert.equal(path(page), '/sign-up');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/rooms', 'next is the page the link was on');

    const name = uniq('Nora Nightingale');
    const me = await signUp(page, name, { shot, next: '/rooms' });
    await shot('signed-up');
    assert.equal(me.landed.url, '/rooms', 'back on /rooms, signed in');
    assert.equal(await signedInAs(page), name, 'the header names the account');
    assert.equal(await page.locator('header.site').getByRole('button', { name: 'Sign out', exact: true }).count(), 1,
      'and has a Sign out button');
    const session = (await context.cookies(BASE)).find((c) => c.name === 'rb_session');
    assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'an HttpOnly SameSite=Lax session cookie');

    // Book through the form: the guest name is the account's.
    await open(page, `/rooms/${room.id}`);
    const form = page.locator('form.stay');
    assert.equal(await form.getByLabel('Guest name', { exact: true }).inputValue(), name, 'Guest name defaults to mine');
    await form.getByLabel('Check-in date', { exact: true }).fill(addDays(today(), 3));
    await form.getByLabel('Check-out date', { exact: true }).fill(addDays(today(), 4));
    assert.equal((await submit(page, form.getByRole('button', { name: 'Continue', exact: true }))).status, 200);
    const pay = page.locator('form.booking');
    await pay.getByLabel('Card number', { exact: true }).fill(CARD_OK);
    const b = await submit(page, pay.getByRole('button', { name: 'Confirm and pay', exact: true }));
    assert.equal(b.post, 303, 'booked');
    const id = Number(b.url.match(/^\/reservations\/(\d+)\/confirmation$/)[1]);

    await open(page, '/mypage');
    assert.equal(await page.locator('main #customer, main input[type=email]').count(), 0, 'no email to type on My bookings');
    assert.equal(await mypageRow(page, id).count(), 1, 'my booking is on My bookings');
    assert.match(await text(page.locator('main')), new RegExp(name), 'My bookings greets me by name');
    await shot('mypage');

    const out = await signOut(page);
    await shot('signed-out');
    assert.equal(out.post, 303, 'Sign out answers 303');
    assert.equal(await signedInAs(page), null, 'the header is signed out again');
    assert.match(await text(page.locator('.flash')), /signed out/i, 'a flash says so');
    const first = (await context.cookies(BASE)).find((c) => c.name === 'rb_session');
    assert.ok(!first, 'the session cookie is gone');

    // A protected page sends me to sign in, and back.
    const res = await page.goto(`${BASE}/mypage`);
    assert.equal(path(page), '/sign-in', '/mypage signed out leads to /sign-in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/mypage', 'with next=/mypage');
    assert.equal(res.request().redirectedFrom() && (await res.request().redirectedFrom().response()).status(), 303);
    await shot('sign-in-page');
    const r = await fillSignIn(page, me.email, PASSWORD);
    await shot('back-on-mypage');
    assert.equal(r.post, 303, 'signing in answers 303');
    assert.equal(r.url, '/mypage', 'and leads back to /mypage');
    assert.equal(await signedInAs(page), name);
    assert.equal(await mypageRow(page, id).count(), 1, 'my booking is still there');
    const again = (await context.cookies(BASE)).find((c) => c.name === 'rb_session');
    assert.ok(again && again.value !== session.value, 'a new session id at sign-in');
  }));

test('a wrong password shows the sign-in form again, keeps next and the email, never the password',
  inBrowser(async ({ page, shot }) => {
    const who = await apiAccount(uniq('Walter'));
    await page.goto(`${BASE}/mypage`);
    assert.equal(path(page), '/sign-in');
    const wrong = 'not my password at all';
    const r = await fillSignIn(page, who.email, wrong);
    await shot('wrong-password');
    assert.equal(r.post, 401, 'a wrong password answers 401');
    const summary = page.locator('.error-summary');
    assert.equal(await summary.count(), 1, 'an error summary');
    assert.match(await text(summary), /email or the password is not right/i, 'saying what is wrong');
    assert.equal(await page.locator('#email').inputValue(), who.email, 'the email is kept');
    assert.equal(await page.locator('#password').inputValue(), '', 'the password is not');
    assert.ok(!(await page.content()).includes(wrong), 'the password is nowhere in the page');
    const r2 = await fillSignIn(page, who.email, PASSWORD);
    assert.equal(r2.url, '/mypage', 'the next sign-in still leads back to /mypage');
  }));

test('too many failed sign-ins show a friendly message (429)', inBrowser(async ({ page, shot }) => {
  const email = `${uniq('nobody')}@example.com`;
  await open(page, '/sign-in');
  let r = null;
  for (let i = 0; i < 12; i += 1) {
    r = await fillSignIn(page, email, `wrong password ${i}`);
    if (r.post === 429) break;
    assert.equal(r.post, 401, `attempt ${i + 1} answers 401 until the limit`);
  }
  await shot('too-many');
  assert.equal(r.post, 429, 'sign-in is paused after too many failures');
  const summary = page.locator('.error-summary');
  assert.match(await text(summary), /too many failed sign-ins.*wait \d+ (second|minute)s? and try again/i,
    'the summary says to wait');
  assert.equal(await page.locator('form[action="/sign-in"]').count(), 1, 'the form is still there');
}));

test('a booking form continued signed out comes back after sign-in with its values, ready to pay',
  inBrowser(async ({ page, shot }) => {
    const room = await createRoom({ name: uniq('Mill house'), capacity: 4, price: 900 });
    const who = await apiAccount(uniq('Dora'));
    const f = { checkIn: addDays(today(), 9), checkOut: addDays(today(), 12), guests: '2', customer: 'Dora’s grandmother & co' };
    await open(page, `/rooms/${room.id}`);
    const form = page.locator('form.stay');
    assert.equal(await page.locator('main #card').count(), 0, 'the room page asks no card');
    await form.getByLabel('Check-in date', { exact: true }).fill(f.checkIn);
    await form.getByLabel('Check-out date', { exact: true }).fill(f.checkOut);
    await form.getByLabel('Guests', { exact: true }).fill(f.guests);
    await form.getByLabel('Guest name', { exact: true }).fill(f.customer);
    await shot('filled-signed-out');
    const d = await submit(page, form.getByRole('button', { name: 'Continue', exact: true }));
    assert.equal(d.post, 303, 'Continue answers 303 to sign-in');
    assert.equal(path(page), '/sign-in', 'sign in first');
    const next = new URL(page.url()).searchParams.get('next');
    assert.match(next, new RegExp(`^/rooms/${room.id}/book\\?`), 'next is "check your answers" with the form values');
    await shot('detour-sign-in');
    // The sign-up link keeps it too.
    const up = new URL(await page.locator('main').getByRole('link', { name: 'Create an account', exact: true }).getAttribute('href'), BASE);
    assert.equal(up.searchParams.get('next'), next, 'so does "Create an account"');

    const r = await fillSignIn(page, who.email, PASSWORD);
    await shot('back-on-check-your-answers');
    assert.equal(r.post, 303);
    assert.equal(path(page), `/rooms/${room.id}/book`, 'back on "check your answers"');
    const pay = page.locator('form.booking');
    const value = (n) => pay.locator(`[name=${n}]`).inputValue();
    assert.equal(await value('checkIn'), f.checkIn, 'check-in kept');
    assert.equal(await value('checkOut'), f.checkOut, 'check-out kept');
    assert.equal(await value('guests'), f.guests, 'guests kept');
    assert.equal(await value('customer'), f.customer, 'guest name kept');
    assert.equal(await text(page.locator('dl.summary-list dd.customer')), f.customer, 'and shown');
    assert.equal(await value('card'), '', 'the card is asked now');
    await pay.getByLabel('Card number', { exact: true }).fill(CARD_OK);
    const b = await submit(page, pay.getByRole('button', { name: 'Confirm and pay', exact: true }));
    assert.equal(b.post, 303, 'and booking works');
    assert.match(b.url, /^\/reservations\/\d+\/confirmation$/);
    assert.match(await text(page.locator('main')), /Dora’s grandmother & co/, 'for the guest named');
  }));

test('the account page makes an API token, shows it once, and revokes it', inBrowser(async ({ page, shot }) => {
  const me = await signUp(page, uniq('Tess'));
  await Promise.all([page.waitForNavigation(), page.locator('header.site .who .account').click()]);
  assert.equal(path(page), '/account', 'the name in the header leads to the account page');
  assert.match(await text(page.locator('main .facts')), new RegExp(me.email.replace(/[.]/g, '\\.')), 'it shows my email');
  await shot('account');
  const form = page.locator('main form[action="/account/tokens"]');
  const unnamed = await submit(page, form.getByRole('button', { name: 'Create token', exact: true }));
  await shot('token-unnamed');
  assert.equal(unnamed.post, 422, 'a token needs a name');
  assert.match(await page.title(), /^Error: Your account/, 'the page says what it is');
  assert.match(await text(page.locator('main .facts')), new RegExp(me.email.replace(/[.]/g, '\\.')),
    'the account page comes back whole, not just the form');
  assert.equal(await form.getByLabel('Token name', { exact: true }).getAttribute('aria-invalid'), 'true');
  await form.getByLabel('Token name', { exact: true }).fill('nightly script');
  const r = await submit(page, form.getByRole('button', { name: 'Create token', exact: true }));
  await shot('token-shown');
  assert.equal(r.post, 201, 'the token page is the answer itself (no redirect could carry the secret)');
  const token = await text(page.locator('code.token'));
  assert.match(token, /^rbt_[0-9a-f]{64}$/, 'the token is shown');
  const a = await api('GET', '/account', null, { token });
  assert.equal(a.status, 200, 'the token works');
  assert.equal(a.json.email, me.email, 'as my account');

  await open(page, '/account');
  assert.ok(!(await page.content()).includes(token), 'the account page never shows the secret again');
  const revoke = page.locator('main .tokens li', { hasText: 'nightly script' }).getByRole('button', { name: /^Revoke/ });
  const v = await submit(page, revoke);
  await shot('token-revoked');
  assert.equal(v.post, 303, 'revoking answers 303');
  assert.equal(v.url, '/account', 'back to the account page');
  assert.equal((await api('GET', '/account', null, { token })).status, 401, 'the revoked token is dead');
}));

test('the account page changes my name and my password; other sessions end, this one stays',
  inBrowser(async ({ page, shot }) => {
    const me = await signUp(page, uniq('Rowan'));
    await open(page, '/account');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Change your name', exact: true }).click()]);
    assert.equal(path(page), '/account/edit');
    const nameForm = page.locator('main form[action="/account/edit"]');
    assert.equal(await nameForm.getByLabel('Name', { exact: true }).inputValue(), me.name, 'the form holds my name');
    await nameForm.getByLabel('Name', { exact: true }).fill('');
    const empty = await submit(page, nameForm.getByRole('button', { name: 'Save name', exact: true }));
    assert.equal(empty.post, 422, 'a name is required');
    assert.match(await text(page.locator('.error-summary')), /Name is required/);
    const renamed = uniq('Rowan Ash');
    await nameForm.getByLabel('Name', { exact: true }).fill(renamed);
    const saved = await submit(page, nameForm.getByRole('button', { name: 'Save name', exact: true }));
    assert.equal(saved.post, 303, 'saving answers 303');
    assert.equal(saved.url, '/account', 'back to the account page');
    assert.match(await text(page.locator('.flash')), /Your name was changed/);
    assert.equal(await signedInAs(page), renamed, 'the header names me by the new name at once');

    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Change your password', exact: true }).click()]);
    assert.equal(path(page), '/account/password');
    await shot('password-form');
    const form = page.locator('main form[action="/account/password"]');
    await form.getByLabel('Current password', { exact: true }).fill('not my password at all');
    await form.getByLabel('New password', { exact: true }).fill('lighthouse keeper at dawn');
    const wrong = await submit(page, form.getByRole('button', { name: 'Change password', exact: true }));
    await shot('password-wrong');
    assert.equal(wrong.post, 422, 'a wrong current password is refused');
    assert.match(await text(page.locator('.error-summary')), /Current password is not right/);
    assert.equal(await form.getByLabel('Current password', { exact: true }).inputValue(), '', 'no password is filled in again');
    assert.equal(await form.getByLabel('New password', { exact: true }).inputValue(), '');
    await form.getByLabel('Current password', { exact: true }).fill(me.password);
    await form.getByLabel('New password', { exact: true }).fill('lighthouse keeper at dawn');
    const done = await submit(page, form.getByRole('button', { name: 'Change password', exact: true }));
    await shot('password-changed');
    assert.equal(done.post, 303, 'changing answers 303');
    assert.equal(done.url, '/account');
    assert.match(await text(page.locator('.flash')), /Your password was changed, and 1 other session .* was signed out/);
    assert.equal(await signedInAs(page), renamed, 'this browser is still signed in');
    assert.equal((await api('GET', '/account', null, { token: me.token })).status, 401, 'the other session ended');
    const old = await api('POST', '/sessions', { email: me.email, password: me.password }, { token: null });
    assert.equal(old.status, 401, 'the old password no longer signs in');
    const fresh = await api('POST', '/sessions', { email: me.email, password: 'lighthouse keeper at dawn' }, { token: null });
    assert.equal(fresh.status, 201, 'the new one does');
  }));

test('a forgotten password: the page says to ask the operator here, whose link chooses a new one and signs me in',
  inBrowser(async ({ page, shot }) => {
    const me = await signUp(page, uniq('Quinn'));
    await signOut(page);
    await open(page, '/sign-in');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Forgotten your password?', exact: true }).click()]);
    assert.equal(path(page), '/password-reset');
    await shot('reset-no-e-mail');
    assert.match(await text(page.locator('main')), /This site sends no e-mail/, 'this stack sends no e-mail, and says so');
    assert.equal(await page.locator('main form[action="/password-reset"]').count(), 0, 'so no form promises one');

    // What an operator hands over (operations.md): the same kind of link an e-mail carries.
    const out = execFileSync(join(process.env.BIN, 'accounts'), ['password-reset-link', me.email],
      { env: process.env, encoding: 'utf8' });
    const link = out.match(/(\/password-reset\/new\?token=rbr_[0-9a-f]{64})/)[1];
    assert.equal(await open(page, link), 200);
    await shot('reset-choose');
    assert.equal(await signedInAs(page), null, 'signed out while choosing');
    const form = page.locator('main form[action="/password-reset/new"]');
    await form.getByLabel('New password', { exact: true }).fill('short');
    const weak = await submit(page, form.getByRole('button', { name: 'Save password', exact: true }));
    await shot('reset-weak');
    assert.equal(weak.post, 422, 'a weak password is refused');
    assert.match(await text(page.locator('.error-summary')), /New password must be at least 10 characters/);
    assert.equal(await form.getByLabel('New password', { exact: true }).inputValue(), '', 'not filled in again');
    await form.getByLabel('New password', { exact: true }).fill('harbour lights at midnight');
    const done = await submit(page, form.getByRole('button', { name: 'Save password', exact: true }));
    await shot('reset-done');
    assert.equal(done.post, 303);
    assert.equal(done.url, '/account', 'on my account page');
    assert.equal(await signedInAs(page), me.name, 'signed in by the link');
    assert.match(await text(page.locator('.flash')), /Your password was changed, and you are signed in/);
    assert.equal((await api('GET', '/account', null, { token: me.token })).status, 401, 'my other session ended');

    assert.equal(await open(page, link), 404, 'the link works once');
    await shot('reset-link-used');
    assert.match(await text(page.locator('main')), /This link does not work/);
  }));

test('a new email: the page says to ask the operator here; the link e-mailed to the new address confirms it once',
  inBrowser(async ({ page, shot }) => {
    const me = await signUp(page, uniq('Elliot'));
    await open(page, '/account');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Change your email', exact: true }).click()]);
    assert.equal(path(page), '/account/email');
    await shot('email-no-e-mail');
    assert.match(await text(page.locator('main')), new RegExp(`Your account's email is ${me.email.replace(/[.]/g, '\\.')}`));
    assert.match(await text(page.locator('main')), /This site sends no e-mail/, 'this stack sends no e-mail, and says so');
    assert.equal(await page.locator('main form[action="/account/email"]').count(), 0, 'so no form promises a link');

    // The link a site with e-mail sends to the new address (POST /account/email makes it
    // so: only the secret's hash is kept).
    const token = `rbe_${randomBytes(32).toString('hex')}`;
    const fresh = `${uniq('elliot-new')}@example.com`;
    sql('accounts', `INSERT INTO email_change(account_id, new_email, new_key, hash, created_s, expires_s) VALUES (${me.account.id}, '${fresh}', '${fresh}', '${createHash('sha256').update(token).digest('hex')}', strftime('%s','now'), strftime('%s','now') + 3600)`);
    const link = `/account/email/confirm?token=${token}`;
    assert.equal(await open(page, link), 200);
    await shot('email-confirm');
    assert.match(await text(page.locator('main')), new RegExp(`Make ${fresh.replace(/[.]/g, '\\.')} your account's email`));
    assert.equal((await api('GET', '/account', null, { token: me.token })).json.email, me.email, 'opening it changes nothing');
    const done = await submit(page, page.getByRole('button', { name: 'Confirm the new email', exact: true }));
    await shot('email-confirmed');
    assert.equal(done.post, 303);
    assert.equal(done.url, '/account', 'on my account page');
    assert.match(await text(page.locator('.flash')), new RegExp(`Confirmed: ${fresh.replace(/[.]/g, '\\.')} is now the email of the account`));
    assert.match(await text(page.locator('dl.facts')), new RegExp(fresh.replace(/[.]/g, '\\.')));
    const signIn = await api('POST', '/sessions', { email: fresh, password: me.password }, { token: null });
    assert.equal(signIn.status, 201, 'the new email signs in');

    assert.equal(await open(page, link), 404, 'the link works once');
    await shot('email-link-used');
    assert.match(await text(page.locator('main')), /This link does not work/);
  }));
