{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/mypage">My bookings</a></p>
<div class="booking-outcome" data-status="{{STATUS}}" data-reservation-id="{{ID}}">
{{#STATUS_CONFIRMED}}<div class="confirmation-panel">
<h1>Booking confirmed</h1>
<p>Your booking reference<br><strong class="reference">{{BOOKING_REFERENCE}}</strong></p>
</div>
<p class="lead">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}} is booked{{#UNLESS_FREE}} and paid{{/UNLESS_FREE}} for {{CUSTOMER}}. Quote the reference if you contact the host or us about it.</p>{{/STATUS_CONFIRMED}}
{{#STATUS_CANCELLED}}<h1>Booking {{BOOKING_REFERENCE}} is cancelled</h1>
<p class="lead">The payment is refunded in full.</p>{{/STATUS_CANCELLED}}
{{#STATUS_FORCE_CANCELLED}}<h1>Booking {{BOOKING_REFERENCE}} was cancelled by the host</h1>
<p class="lead">The room was withdrawn; the payment is refunded in full.</p>{{/STATUS_FORCE_CANCELLED}}
{{#STATUS_REJECTED}}<h1>Booking {{BOOKING_REFERENCE}} did not go through</h1>
<p class="lead">Nothing is booked and you were not charged.</p>{{/STATUS_REJECTED}}
{{#STATUS_FAILED}}<h1>Booking {{BOOKING_REFERENCE}} did not go through</h1>
<p class="lead">Nothing is booked; any payment is refunded.</p>{{/STATUS_FAILED}}
{{#STATUS_REQUESTED}}<h1>Booking {{BOOKING_REFERENCE}} is being completed</h1>
<p class="lead">Reload this page in a moment.</p>{{/STATUS_REQUESTED}}

<h2>Your stay</h2>
<dl class="summary-list two">
<dt>Room</dt><dd>{{#UNLESS_ROOM_DELETED}}<a href="/rooms/{{ROOM_ID}}">{{/UNLESS_ROOM_DELETED}}{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}{{#UNLESS_ROOM_DELETED}}</a>{{/UNLESS_ROOM_DELETED}}{{#IF_ROOM_DELETED}}<br><small>No longer offered by its host</small>{{/IF_ROOM_DELETED}}</dd>
<dt>Check-in</dt><dd class="check-in">{{CHECK_IN:x-date}}</dd>
<dt>Check-out</dt><dd class="check-out">{{CHECK_OUT:x-date}}</dd>
<dt>Nights</dt><dd class="nights">{{NIGHTS:x-plural=night}}</dd>
<dt>Guests</dt><dd class="guests">{{GUESTS:x-plural=guest}}</dd>
<dt>Guest name</dt><dd class="customer">{{CUSTOMER}}</dd>
<dt>Total{{#STATUS_CONFIRMED}}{{#UNLESS_FREE}} paid{{/UNLESS_FREE}}{{/STATUS_CONFIRMED}}</dt><dd class="total">{{#HAS_AMOUNT}}{{AMOUNT:x-money}}{{/HAS_AMOUNT}}{{#NO_AMOUNT}}—{{/NO_AMOUNT}}</dd>
</dl>

{{#STATUS_CONFIRMED}}<h2>Cancellation</h2>
<p class="terms">You can cancel {{#UNLESS_FREE}}free of charge {{/UNLESS_FREE}}until the end of your check-in day, {{CHECK_IN:x-date}}{{#UNLESS_FREE}}: the full {{AMOUNT:x-money}} goes back to your card{{/UNLESS_FREE}}. From the day after, the booking can no longer be cancelled.</p>
{{#IF_CAN_CANCEL}}<p><a href="/reservations/{{ID}}/cancel">Cancel this booking</a></p>{{/IF_CAN_CANCEL}}

<h2>What happens next</h2>
<ul class="next-steps">
<li>Your ticket is issued in a moment{{#HAS_TICKET_CODE}} (code <code class="ticket-code">{{TICKET_CODE}}</code>){{/HAS_TICKET_CODE}}: show it when you arrive on {{CHECK_IN:x-date}}.</li>
<li>{{#IF_EMAIL_ON}}A confirmation with these details is on its way to your e-mail address; you also find it under <a href="/messages">Messages</a>.{{/IF_EMAIL_ON}}{{#UNLESS_EMAIL_ON}}A confirmation with these details is under <a href="/messages">Messages</a>.{{/UNLESS_EMAIL_ON}}</li>
<li>The booking stays on <a href="/mypage">My bookings</a>, where you can cancel it.</li>
</ul>{{/STATUS_CONFIRMED}}
</div>
<ul class="actions">
<li>{{#HAS_TICKET_ID}}<a href="/tickets/{{TICKET_ID}}">Your ticket</a>{{/HAS_TICKET_ID}}{{#NO_TICKET_ID}}<a href="/tickets?reservationId={{ID}}">Your ticket</a>{{/NO_TICKET_ID}}</li>
<li><a href="/reservations/{{ID}}">Booking details and payment</a></li>
<li><a href="/mypage">My bookings</a></li>
</ul>
{{>FOOTER}}
