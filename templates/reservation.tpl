{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs">{{#IF_IS_GUEST}}<a href="/mypage">My bookings</a>{{/IF_IS_GUEST}}{{#UNLESS_IS_GUEST}}<a href="/reservations?roomId={{ROOM_ID}}">Bookings of {{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}room {{ROOM_ID}}{{/NO_ROOM_NAME}}</a>{{/UNLESS_IS_GUEST}}</p>
<h1>{{HEADING}}</h1>
<div class="reservation" data-status="{{STATUS}}">
<p class="status status-{{STATUS}}">{{#IF_STAYED}}Stayed{{/IF_STAYED}}{{#UNLESS_STAYED}}{{STATUS:x-words}}{{/UNLESS_STAYED}}</p>
<dl class="facts">
{{#HAS_REFERENCE}}<dt>Booking reference</dt><dd><strong class="reference">{{REFERENCE}}</strong></dd>{{/HAS_REFERENCE}}
<dt>Room</dt><dd>{{#UNLESS_ROOM_DELETED}}<a href="/rooms/{{ROOM_ID}}">{{/UNLESS_ROOM_DELETED}}{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}{{#UNLESS_ROOM_DELETED}}</a>{{/UNLESS_ROOM_DELETED}}{{#IF_ROOM_DELETED}}<br><small>No longer offered by its host</small>{{/IF_ROOM_DELETED}}</dd>
<dt>Stay</dt><dd>{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}} ({{NIGHTS:x-plural=night}})</dd>
<dt>Guests</dt><dd>{{GUESTS:x-plural=guest}}</dd>
<dt>Guest name</dt><dd>{{CUSTOMER}}</dd>
<dt>Amount</dt><dd>{{#HAS_AMOUNT}}{{AMOUNT:x-money}}{{/HAS_AMOUNT}}{{#NO_AMOUNT}}—{{/NO_AMOUNT}}</dd>
<dt>Payment</dt><dd><span class="payment-status">{{#HAS_PAYMENT_STATUS}}{{PAYMENT_STATUS:x-words}}{{/HAS_PAYMENT_STATUS}}{{#NO_PAYMENT_STATUS}}None{{/NO_PAYMENT_STATUS}}</span>{{#IF_HAS_RECEIPT}} · <a href="/payments/{{PAYMENT_ID}}/receipt">Receipt</a>{{#PAYMENT_STATUS_REFUNDED}} · <a href="/payments/{{PAYMENT_ID}}/refund-receipt">Refund receipt</a>{{/PAYMENT_STATUS_REFUNDED}}{{/IF_HAS_RECEIPT}}</dd>
{{#HAS_TICKET_CODE}}<dt>Ticket</dt><dd><code class="ticket-code">{{TICKET_CODE}}</code> <span class="ticket-status">{{#IF_TICKET_VOIDING}}Being voided{{/IF_TICKET_VOIDING}}{{#UNLESS_TICKET_VOIDING}}{{TICKET_STATUS:x-words}}{{/UNLESS_TICKET_VOIDING}}</span>{{#HAS_TICKET_ID}} · <a href="/tickets/{{TICKET_ID}}">Ticket with QR code</a>{{/HAS_TICKET_ID}}</dd>{{/HAS_TICKET_CODE}}{{#NO_TICKET_CODE}}{{#STATUS_CONFIRMED}}<dt>Ticket</dt><dd><span class="pending">not issued yet — reload in a moment</span></dd>{{/STATUS_CONFIRMED}}{{/NO_TICKET_CODE}}
{{#HAS_REASON}}<dt>Reason</dt><dd>{{REASON:x-words}}</dd>{{/HAS_REASON}}
</dl>
</div>
{{#IF_CAN_CANCEL}}<p><a class="button danger" href="/reservations/{{ID}}/cancel">Cancel this booking</a></p>{{/IF_CAN_CANCEL}}
{{#IF_CAN_REVIEW}}<section aria-labelledby="review-h" class="panel">
<h2 id="review-h">How was your stay?</h2>
<form method="post" action="/rooms/{{ROOM_ID}}/reviews" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="/rooms/{{ROOM_ID}}#reviews-h">
<input type="hidden" name="roomId" value="{{ROOM_ID}}">
<input type="hidden" name="reservationId" value="{{ID}}">
<fieldset class="field rating">
<legend class="required">Your rating</legend>
<div class="choices">
<label><input type="radio" id="rating" name="rating" value="1" required> 1 · Poor</label>
<label><input type="radio" name="rating" value="2"> 2 · Fair</label>
<label><input type="radio" name="rating" value="3"> 3 · Good</label>
<label><input type="radio" name="rating" value="4"> 4 · Very good</label>
<label><input type="radio" name="rating" value="5"> 5 · Excellent</label>
</div>
</fieldset>
<div class="field"><label for="content">Your review</label>
<p class="hint" id="content-hint">Optional; up to 4,000 characters.</p>
<textarea id="content" name="content" rows="3" aria-describedby="content-hint"></textarea></div>
<button type="submit" class="primary">Send review</button>
</form>
</section>{{/IF_CAN_REVIEW}}
{{#IF_WAS_REVIEWED}}<p class="reviewed">You reviewed this stay. <a href="/reviews/{{REVIEW_ID}}">See your review</a></p>{{/IF_WAS_REVIEWED}}
{{>FOOTER}}
