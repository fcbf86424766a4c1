{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/mypage">My bookings</a></p>
<h1>Your tickets</h1>
{{#NO_ITEMS}}{{#HAS_RESERVATION_ID}}<p class="pending">No ticket for <a href="/reservations/{{RESERVATION_ID}}">this booking</a> yet. A confirmed booking's ticket is issued a moment after it is confirmed: reload this page in a moment.</p>{{/HAS_RESERVATION_ID}}{{#NO_RESERVATION_ID}}<p>No tickets yet. A ticket is issued for every confirmed booking.</p>{{/NO_RESERVATION_ID}}{{/NO_ITEMS}}
{{#HAS_ITEMS}}<ul class="bookings tickets">
{{#ITEMS}}<li class="booking-card" data-ticket-id="{{ID}}" data-reservation-id="{{RESERVATION_ID}}" data-status="{{STATUS}}">
<h2><a href="/tickets/{{ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Ticket {{ID}}{{/NO_ROOM_NAME}}</a></h2>
{{#HAS_CHECK_IN}}<p class="stay">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}{{#HAS_GUESTS}}<br><small>{{NIGHTS:x-plural=night}}, {{GUESTS:x-plural=guest}}</small>{{/HAS_GUESTS}}</p>{{/HAS_CHECK_IN}}
<dl class="facts">
{{#HAS_CODE}}<dt>Ticket code</dt><dd><code class="ticket-code">{{CODE}}</code></dd>{{/HAS_CODE}}
<dt>Status</dt><dd>{{STATUS:x-words}}</dd>
<dt>Booking</dt><dd><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_REFERENCE}}{{REFERENCE}}{{/HAS_REFERENCE}}{{#NO_REFERENCE}}Booking {{RESERVATION_ID}}{{/NO_REFERENCE}}</a></dd>
</dl>
</li>{{/ITEMS}}
</ul>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
