// static/booking.js — optional: keeps the total on a room page in step with its booking
// form while the guest types. The page works without it ("Update total" asks the server,
// which also checks that every night is available); this only does the arithmetic the server
// does (price × guests × nights), moves check-out along when check-in passes it, and offers
// Continue again once the guest changes a stay the server found it could not take.
// Loaded from 'self' (the pages' Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  var form = document.querySelector('form.stay');
  var quote = document.getElementById('quote');
  if (!form || !quote || !form.checkIn || !form.checkOut || !form.guests) return;
  var price = parseInt(form.getAttribute('data-price'), 10);
  var currency = form.getAttribute('data-currency') || '';
  var decimals = parseInt(form.getAttribute('data-decimals'), 10);
  var maxGuests = parseInt(form.guests.getAttribute('max'), 10) || 10000;
  var DAY = 86400000;
  var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  if (isNaN(price) || isNaN(decimals)) return;

  function parse(v) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
    var d = new Date(v + 'T12:00:00Z');
    return isNaN(d.getTime()) ? null : d;
  }
  function iso(d) { return d.toISOString().slice(0, 10); }
  function words(d) {
    return DAYS[d.getUTCDay()] + ' ' + d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }
  function count(n, noun) { return n + ' ' + noun + (n === 1 ? '' : 's'); }
  // As the pages write money (lib/human.c human_money): "1,234.50 EUR", the currency's decimals.
  function money(minor) {
    var scale = Math.pow(10, decimals), whole = String(Math.floor(minor / scale));
    var frac = String(minor % scale);
    while (frac.length < decimals) frac = '0' + frac;
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (decimals ? '.' + frac : '') + ' ' + currency;
  }

  // What the server said stays until the form changes; then this line replaces it.
  var live = document.createElement('p');
  live.className = 'quote-live';
  live.hidden = true;
  quote.insertBefore(live, quote.firstChild);
  var note = document.createElement('p');
  note.className = 'hint quote-live';
  note.hidden = true;
  note.textContent = 'Whether every night is available is checked when you update the total or continue.';
  quote.insertBefore(note, live.nextSibling);
  // Screen readers hear the new total once the guest pauses, and only when it changed:
  // not the whole box on every key press.
  var announcer = document.createElement('span');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('aria-live', 'polite');
  announcer.setAttribute('aria-atomic', 'true');
  quote.appendChild(announcer);
  var announceTimer = null;
  function announce() {
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      if (announcer.textContent !== live.textContent) announcer.textContent = live.textContent;
    }, 600);
  }
  var lastIn = parse(form.checkIn.value);

  function update(event) {
    var checkIn = parse(form.checkIn.value), checkOut = parse(form.checkOut.value);
    if (event && event.target === form.checkIn && checkIn) { // keep the number of nights
      var nights0 = lastIn && checkOut ? Math.round((checkOut - lastIn) / DAY) : 1;
      if (!checkOut || checkOut <= checkIn) {
        checkOut = new Date(checkIn.getTime() + Math.max(1, nights0) * DAY);
        form.checkOut.value = iso(checkOut);
      }
      lastIn = checkIn;
    }
    var guests = /^\d+$/.test(form.guests.value) ? parseInt(form.guests.value, 10) : NaN;
    var nights = checkIn && checkOut ? Math.round((checkOut - checkIn) / DAY) : NaN;
    var children = quote.querySelectorAll('p:not(.quote-live), ul.quote-errors');
    for (var i = 0; i < children.length; i++) children[i].hidden = true;
    // a stay the server found it cannot take hid Continue; another stay may go on
    var next = form.querySelector('.next'), stuck = form.querySelector('.unbookable');
    if (next) next.hidden = false;
    if (stuck) stuck.hidden = true;
    while (live.firstChild) live.removeChild(live.firstChild);
    live.hidden = false;
    announce();
    var today = parse(form.checkIn.getAttribute('min') || ''); // the server's today (its time zone)
    if (checkIn && today && checkIn < today) { // no price for a stay that cannot be booked
      note.hidden = true;
      live.appendChild(document.createTextNode('Check-in must be today (' + words(today) + ') or later.'));
      return;
    }
    if (!(nights >= 1 && nights <= 30 && guests >= 1 && guests <= maxGuests)) {
      note.hidden = true;
      live.appendChild(document.createTextNode('Enter check-in and check-out (1 to 30 nights) and 1 to ' +
        maxGuests + ' guests to see the total.'));
      return;
    }
    live.appendChild(document.createTextNode('Total for ' + count(guests, 'guest') + ' × ' + count(nights, 'night') +
      ', ' + words(checkIn) + ' to ' + words(checkOut) + ': '));
    var total = document.createElement('strong');
    total.className = 'total';
    total.textContent = price > 0 ? money(price * guests * nights) : 'Free';
    live.appendChild(total);
    note.hidden = false;
    // outline the stay on the calendar
    var cells = document.querySelectorAll('table.calendar td[data-date]');
    var from = iso(checkIn), to = iso(checkOut);
    for (var j = 0; j < cells.length; j++) {
      var date = cells[j].getAttribute('data-date'), inStay = date >= from && date < to;
      cells[j].classList.toggle('chosen', inStay);
      // what the outline shows, said to screen readers too (room.tpl's .stay-night)
      var said = cells[j].querySelector('.stay-night');
      if (inStay && !said) {
        said = document.createElement('span');
        said.className = 'stay-night visually-hidden';
        cells[j].appendChild(said);
      }
      if (inStay) { // the server's "without enough places" was for the stay it checked
        said.textContent = ', a night of your stay';
      } else if (said) {
        said.parentNode.removeChild(said);
      }
    }
  }

  ['checkIn', 'checkOut', 'guests'].forEach(function (name) {
    form[name].addEventListener('input', update);
    form[name].addEventListener('change', update);
  });
})();
