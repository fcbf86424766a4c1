{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/mypage">My bookings</a></p>
<h1>Payments</h1>
{{#NO_ITEMS}}<p>No payments yet. A booking is paid when it is confirmed.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<ul class="bookings payments">
{{#ITEMS}}<li class="booking-card" data-payment-id="{{ID}}" data-reservation-id="{{RESERVATION_ID}}" data-status="{{STATUS}}">
<h2><a href="/payments/{{ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Payment {{ID}}{{/NO_ROOM_NAME}}</a></h2>
{{#HAS_CHECK_IN}}<p class="stay">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}{{#HAS_GUESTS}}<br><small>{{NIGHTS:x-plural=night}}, {{GUESTS:x-plural=guest}}</small>{{/HAS_GUESTS}}</p>{{/HAS_CHECK_IN}}
<dl class="facts">
<dt>Amount</dt><dd class="nowrap">{{AMOUNT:x-money}}</dd>
<dt>Status</dt><dd class="payment-status">{{STATUS:x-words}}</dd>
{{#HAS_CARD_LAST4}}<dt>Card</dt><dd class="nowrap">ending in {{CARD_LAST4}}</dd>{{/HAS_CARD_LAST4}}{{#NO_CARD_LAST4}}<dt>Card</dt><dd class="nowrap">—</dd>{{/NO_CARD_LAST4}}
<dt>Date</dt><dd>{{CREATED_AT:x-datetime}}</dd>
<dt>Booking</dt><dd><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_REFERENCE}}{{REFERENCE}}{{/HAS_REFERENCE}}{{#NO_REFERENCE}}Booking {{RESERVATION_ID}}{{/NO_REFERENCE}}</a></dd>
</dl>
</li>{{/ITEMS}}
</ul>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
