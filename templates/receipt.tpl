{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs no-print"><a href="/payments">Payments</a> › <a href="/payments/{{PAYMENT_ID}}">{{#HAS_ROOM_NAME}}Payment for the stay at {{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Payment {{PAYMENT_ID}}{{/NO_ROOM_NAME}}</a></p>
<article class="receipt" data-kind="{{KIND}}" data-status="{{STATUS}}">
<p class="kicker seller">{{SELLER}}</p>
<h1>{{#KIND_PAYMENT}}Receipt{{/KIND_PAYMENT}}{{#KIND_REFUND}}Refund receipt{{/KIND_REFUND}}</h1>
<dl class="facts">
<dt>Receipt number</dt><dd class="receipt-number nowrap">{{NUMBER}}</dd>
<dt>Date</dt><dd><time datetime="{{ISSUED_AT}}"><span class="nowrap">{{ISSUED_ON:x-date}}</span>, {{ISSUED_TIME}} {{TIME_ZONE}}</time></dd>
<dt>Seller</dt><dd>{{SELLER}}</dd>
<dt>Booking reference</dt><dd>{{#HAS_REFERENCE}}<strong class="reference">{{REFERENCE}}</strong>{{/HAS_REFERENCE}}{{#NO_REFERENCE}}Reservation {{RESERVATION_ID}}{{/NO_REFERENCE}}</dd>
{{#HAS_ROOM_NAME}}<dt>Room</dt><dd>{{ROOM_NAME}}</dd>{{/HAS_ROOM_NAME}}
{{#HAS_CHECK_IN}}<dt>Stay</dt><dd><span class="nowrap">{{CHECK_IN:x-date}}</span> to <span class="nowrap">{{CHECK_OUT:x-date}}</span></dd>{{/HAS_CHECK_IN}}
{{#HAS_NIGHTS}}<dt>Nights</dt><dd>{{NIGHTS:x-plural=night}}</dd>{{/HAS_NIGHTS}}
{{#HAS_GUESTS}}<dt>Guests</dt><dd>{{GUESTS:x-plural=guest}}</dd>{{/HAS_GUESTS}}
<dt>{{#KIND_PAYMENT}}Paid with{{/KIND_PAYMENT}}{{#KIND_REFUND}}Refunded to{{/KIND_REFUND}}</dt><dd>{{#HAS_CARD_LAST4}}card ending in <span class="card-last4">{{CARD_LAST4}}</span>{{/HAS_CARD_LAST4}}{{#NO_CARD_LAST4}}card{{/NO_CARD_LAST4}}</dd>
<dt>Status</dt><dd class="receipt-status">{{#KIND_PAYMENT}}{{#STATUS_APPROVED}}Paid{{/STATUS_APPROVED}}{{#STATUS_REFUNDED}}Paid, since refunded (<a class="no-print" href="/payments/{{PAYMENT_ID}}/refund-receipt">refund receipt</a>){{/STATUS_REFUNDED}}{{/KIND_PAYMENT}}{{#KIND_REFUND}}Refunded in full{{/KIND_REFUND}}</dd>
</dl>
<p class="receipt-total"><span>{{#KIND_PAYMENT}}Total paid{{/KIND_PAYMENT}}{{#KIND_REFUND}}Total refunded{{/KIND_REFUND}}</span> <strong class="amount nowrap">{{AMOUNT:x-money}}</strong></p>
</article>
<p class="no-print hint">Print this page for your records: it prints as the receipt alone.</p>
<p class="no-print"><a href="/reservations/{{RESERVATION_ID}}">The booking</a></p>
{{>FOOTER}}
