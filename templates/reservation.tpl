{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/mypage">My bookings</a></p>
<h1>Reservation {{ID}}</h1>
<div class="reservation" data-status="{{STATUS}}">
<p class="status status-{{STATUS}}">{{#STATUS_REQUESTED}}Being booked…{{/STATUS_REQUESTED}}{{#STATUS_CONFIRMED}}Confirmed{{/STATUS_CONFIRMED}}{{#STATUS_REJECTED}}Not booked{{/STATUS_REJECTED}}{{#STATUS_FAILED}}Not booked{{/STATUS_FAILED}}{{#STATUS_CANCELLED}}Cancelled{{/STATUS_CANCELLED}}{{#STATUS_FORCE_CANCELLED}}Cancelled by the host{{/STATUS_FORCE_CANCELLED}}</p>
<dl class="facts">
{{#HAS_REFERENCE}}<dt>Booking reference</dt><dd><strong class="reference">{{REFERENCE}}</strong></dd>{{/HAS_REFERENCE}}
<dt>Room</dt><dd><a href="/rooms/{{ROOM_ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}</a></dd>
<dt>Stay</dt><dd>{{CHECK_IN}} to {{CHECK_OUT}} ({{NIGHTS}} nights)</dd>
<dt>Guests</dt><dd>{{GUESTS}}</dd>
<dt>Guest name</dt><dd>{{CUSTOMER}}</dd>
<dt>Amount</dt><dd>{{#HAS_AMOUNT}}{{AMOUNT:x-money}} {{CURRENCY}}{{/HAS_AMOUNT}}{{#NO_AMOUNT}}—{{/NO_AMOUNT}}</dd>
<dt>Payment</dt><dd><span class="payment-status">{{#HAS_PAYMENT_STATUS}}{{PAYMENT_STATUS}}{{/HAS_PAYMENT_STATUS}}{{#NO_PAYMENT_STATUS}}none{{/NO_PAYMENT_STATUS}}</span>{{#IF_HAS_RECEIPT}} · <a href="/payments/{{PAYMENT_ID}}/receipt">Receipt</a>{{#PAYMENT_STATUS_REFUNDED}} · <a href="/payments/{{PAYMENT_ID}}/refund-receipt">Refund receipt</a>{{/PAYMENT_STATUS_REFUNDED}}{{/IF_HAS_RECEIPT}}</dd>
<dt>Ticket</dt><dd>{{#HAS_TICKET_CODE}}<code class="ticket-code">{{TICKET_CODE}}</code> <span class="ticket-status">{{TICKET_STATUS}}</span>{{#HAS_TICKET_ID}} · <a href="/tickets/{{TICKET_ID}}">Ticket with QR code</a>{{/HAS_TICKET_ID}}{{/HAS_TICKET_CODE}}{{#NO_TICKET_CODE}}<span class="pending">not issued yet — reload in a moment</span>{{/NO_TICKET_CODE}}</dd>
{{#HAS_REASON}}<dt>Reason</dt><dd>{{REASON}}</dd>{{/HAS_REASON}}
</dl>
</div>
{{#IF_CAN_CANCEL}}<p><a class="button danger" href="/reservations/{{ID}}/cancel">Cancel this reservation</a></p>{{/IF_CAN_CANCEL}}
{{#IF_CAN_REVIEW}}<section aria-labelledby="review-h" class="panel">
<h2 id="review-h">How was your stay?</h2>
<form method="post" action="/rooms/{{ROOM_ID}}/reviews">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="/reservations/{{ID}}">
<input type="hidden" name="roomId" value="{{ROOM_ID}}">
<div class="field"><label for="rating">Rating from 1 to 5</label>
<input type="number" id="rating" name="rating" min="1" max="5" value="5"></div>
<div class="field"><label for="content">Your review</label>
<textarea id="content" name="content" rows="3"></textarea></div>
<button type="submit" class="primary">Send review</button>
</form>
</section>{{/IF_CAN_REVIEW}}
{{>FOOTER}}
