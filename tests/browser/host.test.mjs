// A host creates, edits and deletes a room; the guest who had booked it sees the
// booking force-cancelled on their mypage.
import { test } from 'node:test';
import {
  addDays, assert, book, fillSignUp, mypageRow, noHorizontalScroll, open, reloadUntil, signUp, submit, text, today,
  uniq, inBrowser,
} from './lib.mjs';

test('create, edit and delete a room as a host; the guest sees the forced cancellation', { timeout: 180000 },
  inBrowser(async ({ page, context, shot, newPage }) => {
    const name = uniq('Exhibition hall');
    await open(page, '/rooms');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Host a room', exact: true }).click()]);
    // Signed out: the sign-in page first, then (a new account) back to the host form.
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out, "Host a room" leads to sign-in first');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/rooms/new', 'with next=/rooms/new');
    await shot('sign-in-first');
    await Promise.all([page.waitForNavigation(), page.locator('main').getByRole('link', { name: 'Create an account', exact: true }).click()]);
    assert.equal(new URL(page.url()).pathname, '/sign-up');
    const host = await fillSignUp(page, uniq('Hester Host'));
    assert.equal(host.landed.url, '/rooms/new', 'after signing up, "Host a room" is where the host lands');
    const field = (label) => page.getByLabel(label, { exact: true });
    for (const [label, id] of [['Name', 'name'], ['Description', 'desc'], ['Places per night', 'capacity'],
      ['Price per guest per night, in EUR', 'price']]) {
      assert.equal(await field(label).getAttribute('id'), id, `field labelled "${label}" is #${id}`);
    }
    await field('Name').fill(name);
    await field('Description').fill('Bright, 200 m², wheelchair access');
    await field('Places per night').fill('4');
    await field('Price per guest per night, in EUR').fill('25');
    await shot('new-room-form');
    let r = await submit(page, 'Create room');
    await shot('created');
    assert.equal(r.post, 303, '"Create room" answers 303');
    const m = r.url.match(/^\/rooms\/(\d+)$/);
    assert.ok(m, `lands on /rooms/{id}, got ${r.url}`);
    const roomId = Number(m[1]);
    assert.equal(await text(page.locator('h1')), name, 'h1 is the new room name');

    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Edit this room', exact: true }).click()]);
    assert.equal(new URL(page.url()).pathname, `/rooms/${roomId}/edit`);
    assert.equal(await field('Name').inputValue(), name, 'the edit form is filled in');
    assert.equal(await field('Places per night').inputValue(), '4');
    assert.equal(await field('Price per guest per night, in EUR').inputValue(), '25.00', 'the price in units');
    const renamed = `${name} (renovated)`;
    await field('Name').fill(renamed);
    await field('Places per night').fill('6');
    await shot('edit-form');
    r = await submit(page, 'Save changes');
    await shot('edited');
    assert.equal(r.post, 303, '"Save changes" answers 303');
    assert.equal(r.url, `/rooms/${roomId}`, 'and leads back to the room');
    assert.equal(await text(page.locator('h1')), renamed, 'h1 shows the new name');
    assert.match(await text(page.locator('table.calendar')), /\b6 left\b/, 'the calendar uses the new capacity');

    // The same room edited in two tabs: the second save would undo the first unseen.
    const tab = await context.newPage();
    await open(tab, `/rooms/${roomId}/edit`);
    await open(page, `/rooms/${roomId}/edit`);
    await tab.getByLabel('Description', { exact: true }).fill('Bright, 200 m², wheelchair access, a piano');
    assert.equal((await submit(tab, 'Save changes')).post, 303, 'the first tab saves');
    await tab.close();
    await field('Price per guest per night, in EUR').fill('30');
    r = await submit(page, 'Save changes');
    await shot('edit-conflict');
    assert.equal(r.post, 409, 'the second tab is told, with 409');
    assert.match(await text(page.locator('.error-summary')), /Someone changed this room after you opened this form\. Nothing was saved\./);
    assert.equal(await field('Price per guest per night, in EUR').inputValue(), '30', 'what was typed is kept');
    assert.equal(await field('Description').inputValue(), 'Bright, 200 m², wheelchair access',
      'as typed in this tab: saving again is a choice made knowing');
    r = await submit(page, 'Save changes');
    assert.equal(r.post, 303, 'saving again saves');
    assert.equal(await text(page.locator('.flash')), 'Changes saved.');

    const hostLinks = ['Edit this room', 'Its reservations', 'Availability table', 'Delete it'];
    for (const l of hostLinks) {
      assert.equal(await page.locator('main').getByRole('link', { name: l, exact: true }).count(), 1, `the host sees "${l}"`);
    }

    // A guest books it (in their own browser, their own account): no host links for them.
    const guest = await newPage();
    const gus = await signUp(guest, uniq('Gus'));
    await open(guest, `/rooms/${roomId}`);
    await shot('room-as-guest', guest);
    for (const l of hostLinks) {
      assert.equal(await guest.locator('main').getByRole('link', { name: l, exact: true }).count(), 0, `a guest does not see "${l}"`);
    }
    assert.equal(await open(guest, `/rooms/${roomId}/edit`), 403, 'and editing it is refused');
    const resv = await book({ roomId, checkIn: addDays(today(), 3), guests: 2 }, gus.token);
    await open(guest, '/mypage');
    await reloadUntil(guest, async () => (await mypageRow(guest, resv.id).getAttribute('data-status').catch(() => null)) === 'confirmed',
      'the guest\'s confirmed row');
    await shot('guest-mypage-before', guest);

    // The host sees the booking among the room's, named, on a computer and on a phone.
    await Promise.all([page.waitForNavigation(), page.locator('main').getByRole('link', { name: 'Its reservations', exact: true }).click()]);
    assert.equal(await text(page.locator('h1')), `Bookings of ${renamed}`);
    assert.equal(await page.locator('.crumbs').getByRole('link', { name: renamed, exact: true }).getAttribute('href'), `/rooms/${roomId}`);
    const card = page.locator(`li.booking-card[data-reservation-id="${resv.id}"]`);
    assert.equal(await card.getByRole('link', { name: resv.reference, exact: true }).getAttribute('href'), `/reservations/${resv.id}`);
    assert.match(await text(card), new RegExp(`Status Confirmed Guest ${gus.name}`), 'its status and its guest');
    for (const width of [1024, 375]) {
      await page.setViewportSize({ width, height: 800 });
      await noHorizontalScroll(page).then((w) => assert.deepEqual(w.wide, [], `the room's bookings fit ${width} px: ${JSON.stringify(w)}`));
      await shot(`room-bookings-${width}`);
    }
    await page.setViewportSize({ width: 1024, height: 800 });
    await open(page, `/rooms/${roomId}`);

    // The host deletes the room.
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Delete it', exact: true }).click()]);
    assert.equal(new URL(page.url()).pathname, `/rooms/${roomId}/delete`);
    assert.match(await text(page.locator('.stays-ahead')), /^1 booking of it, current or upcoming, will be cancelled and refunded/,
      'the confirmation counts the guest\'s booking');
    await shot('confirm-delete');
    r = await submit(page, 'Yes, delete this room');
    await shot('deleted');
    assert.equal(r.post, 303, '"Yes, delete this room" answers 303');
    assert.equal(r.url, '/rooms', 'and leads to /rooms');
    assert.equal(await text(page.locator('.flash')),
      'The room was deleted. Its one booking is being cancelled and refunded; the guest is told.', 'the .flash says what happens');
    assert.ok(!(await text(page.locator('main'))).includes(renamed), 'the room is gone from the list');
    assert.equal(await open(page, `/rooms/${roomId}`), 404, 'its page is 404');

    await guest.reload();
    const row = mypageRow(guest, resv.id);
    await reloadUntil(guest, async () => (await row.getAttribute('data-status')) === 'force_cancelled',
      'data-status="force_cancelled" on the guest\'s mypage');
    await reloadUntil(guest, async () => /refunded/i.test(await text(row)), 'the payment refunded on the row');
    assert.equal(await row.getByRole('link', { name: /^Cancel\b/ }).count(), 0, 'no Cancel link');
    await shot('guest-mypage-force-cancelled', guest);
  }));
