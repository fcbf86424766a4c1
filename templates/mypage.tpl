{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>My bookings</h1>
{{#HAS_CUSTOMER}}<p class="lead">Hello, {{CUSTOMER}}. Your stays, their tickets and your messages.</p>{{/HAS_CUSTOMER}}
{{>ERROR_SUMMARY}}
{{#IF_OLDER_PAGE}}<p><a href="/mypage">Back to your upcoming stays</a></p>{{/IF_OLDER_PAGE}}
{{#GROUPS}}<section aria-labelledby="{{KEY}}-h" class="booking-group">
<h2 id="{{KEY}}-h">{{HEADING}}</h2>
{{#NO_ITEMS}}<p>{{EMPTY}}{{#KEY_UPCOMING}} <a href="/rooms">Find a room</a>.{{/KEY_UPCOMING}}</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<ul class="bookings">
{{#ITEMS}}<li class="booking-card" data-reservation-id="{{RESERVATION_ID}}" data-status="{{STATUS}}">
<h3><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}</a></h3>
<p class="stay">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}<br><small>{{NIGHTS:x-plural=night}}, {{GUESTS:x-plural=guest}}</small></p>
<dl class="facts">
<dt>Status</dt><dd><span class="status status-{{STATUS}}">{{#IF_STAYED}}Stayed{{/IF_STAYED}}{{#UNLESS_STAYED}}{{STATUS:x-words}}{{/UNLESS_STAYED}}</span></dd>
{{#HAS_REFERENCE}}<dt>Reference</dt><dd class="reference">{{REFERENCE}}</dd>{{/HAS_REFERENCE}}
<dt>Total</dt><dd>{{#HAS_AMOUNT}}{{AMOUNT:x-money}}{{/HAS_AMOUNT}}{{#NO_AMOUNT}}—{{/NO_AMOUNT}}</dd>
<dt>Payment</dt><dd class="payment-status">{{#HAS_PAYMENT_STATUS}}{{PAYMENT_STATUS:x-words}}{{/HAS_PAYMENT_STATUS}}{{#NO_PAYMENT_STATUS}}None yet{{/NO_PAYMENT_STATUS}}</dd>
<dt>Ticket</dt><dd class="ticket">{{#HAS_TICKET_CODE}}<a href="/tickets?reservationId={{RESERVATION_ID}}"><code class="ticket-code">{{TICKET_CODE}}</code></a> <small class="ticket-status">{{#IF_TICKET_VOIDING}}Being voided{{/IF_TICKET_VOIDING}}{{#UNLESS_TICKET_VOIDING}}{{TICKET_STATUS:x-words}}{{/UNLESS_TICKET_VOIDING}}</small>{{/HAS_TICKET_CODE}}{{#NO_TICKET_CODE}}{{#STATUS_CONFIRMED}}Coming in a moment{{/STATUS_CONFIRMED}}{{#STATUS_CANCELLED}}—{{/STATUS_CANCELLED}}{{#STATUS_FORCE_CANCELLED}}—{{/STATUS_FORCE_CANCELLED}}{{/NO_TICKET_CODE}}</dd>
</dl>
{{#IF_CAN_REVIEW}}<p class="card-actions"><a class="button" href="/reservations/{{RESERVATION_ID}}#review-h">Review this stay</a></p>{{/IF_CAN_REVIEW}}
{{#HAS_REVIEW_ID}}<p class="card-actions"><a href="/reviews/{{REVIEW_ID}}">Your review</a></p>{{/HAS_REVIEW_ID}}
{{#IF_CAN_CANCEL}}<p class="card-actions"><a class="button danger" href="/reservations/{{RESERVATION_ID}}/cancel">Cancel<span class="visually-hidden"> the booking at {{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}room {{ROOM_ID}}{{/NO_ROOM_NAME}} from {{CHECK_IN:x-date}}</span></a></p>{{/IF_CAN_CANCEL}}
</li>
{{/ITEMS}}</ul>{{/HAS_ITEMS}}
</section>
{{/GROUPS}}
{{#HAS_NEXT_CURSOR}}<p class="pager"><a rel="next" href="/mypage?cursor={{NEXT_CURSOR}}">Older bookings</a></p>{{/HAS_NEXT_CURSOR}}
{{#HAS_NOT_BOOKED}}<section aria-labelledby="not-booked-h" class="not-booked">
<h2 id="not-booked-h">Not booked</h2>
<details>
<summary>{{NOT_BOOKED_COUNT:x-plural=attempt}} that booked nothing</summary>
<p class="hint">Nothing was charged for these, or it was refunded.</p>
<ul>{{#NOT_BOOKED}}<li data-reservation-id="{{RESERVATION_ID}}" data-status="{{STATUS}}"><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}, {{CHECK_IN:x-date}}</a> <small>({{NIGHTS:x-plural=night}}, {{GUESTS:x-plural=guest}})</small>: <span class="status status-{{STATUS}}">{{#HAS_REASON}}{{REASON:x-words}}{{/HAS_REASON}}{{#NO_REASON}}{{STATUS:x-words}}{{/NO_REASON}}</span></li>{{/NOT_BOOKED}}</ul>
</details>
</section>{{/HAS_NOT_BOOKED}}
<section aria-labelledby="msg-h">
<h2 id="msg-h">Messages</h2>
{{#NO_MESSAGES}}<p>No messages.</p>{{/NO_MESSAGES}}
{{#HAS_MESSAGES}}<ul class="messages">{{#MESSAGES}}<li class="kind-{{KIND}}"><span class="when">{{CREATED_AT:x-datetime}}</span> <a href="/messages/{{ID}}">{{TEXT}}</a></li>{{/MESSAGES}}</ul>
<p><a href="/messages">All your messages</a></p>{{/HAS_MESSAGES}}
</section>
{{>FOOTER}}
