{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/mypage">My bookings</a></p>
<h1>Messages</h1>
{{#NO_ITEMS}}<p>No messages yet. You get one when a booking is confirmed or cancelled.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<ul class="messages inbox">
{{#ITEMS}}<li data-message-id="{{ID}}" class="kind-{{KIND}}">
<p class="subject"><strong>{{#KIND_CONFIRMATION}}Confirmation{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}Cancellation{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}Cancelled by the host{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}Booking not completed{{/KIND_BOOKING_FAILED}}</strong> <span class="when">{{CREATED_AT:x-datetime}}</span></p>
<p class="text"><a href="/messages/{{ID}}">{{TEXT}}</a></p>
<p class="meta"><a href="/reservations/{{RESERVATION_ID}}">The booking</a> · to {{CUSTOMER}}</p>
</li>{{/ITEMS}}
</ul>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
