{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/payments">Payments</a></p>
<h1>{{#HAS_ROOM_NAME}}Payment for the stay at {{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Payment {{ID}}{{/NO_ROOM_NAME}}</h1>
<dl class="facts" data-payment-id="{{ID}}" data-status="{{STATUS}}">
<dt>Booking</dt><dd><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_REFERENCE}}{{REFERENCE}}{{/HAS_REFERENCE}}{{#NO_REFERENCE}}Reservation {{RESERVATION_ID}}{{/NO_REFERENCE}}</a></dd>
{{#HAS_CHECK_IN}}<dt>Stay</dt><dd>{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}{{#HAS_NIGHTS}} ({{NIGHTS:x-plural=night}}){{/HAS_NIGHTS}}</dd>{{/HAS_CHECK_IN}}
<dt>Amount</dt><dd>{{AMOUNT:x-money}}</dd>
<dt>Status</dt><dd class="payment-status">{{STATUS:x-words}}</dd>
<dt>Card</dt><dd>{{#HAS_CARD_LAST4}}ending in {{CARD_LAST4}}{{/HAS_CARD_LAST4}}{{#NO_CARD_LAST4}}—{{/NO_CARD_LAST4}}</dd>
<dt>Created</dt><dd>{{CREATED_AT:x-datetime}}</dd>
<dt>Updated</dt><dd>{{UPDATED_AT:x-datetime}}</dd>
</dl>
{{#IF_HAS_RECEIPT}}<ul class="actions receipts"><li><a href="/payments/{{ID}}/receipt">Receipt</a></li>{{#STATUS_REFUNDED}}<li><a href="/payments/{{ID}}/refund-receipt">Refund receipt</a></li>{{/STATUS_REFUNDED}}</ul>{{/IF_HAS_RECEIPT}}
{{>FOOTER}}
