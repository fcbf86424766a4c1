{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/payments">Payments</a></p>
<h1>Payment {{ID}}</h1>
<dl class="facts" data-payment-id="{{ID}}" data-status="{{STATUS}}">
<dt>Reservation</dt><dd><a href="/reservations/{{RESERVATION_ID}}">Reservation {{RESERVATION_ID}}</a></dd>
<dt>Amount</dt><dd>{{AMOUNT:x-money}}</dd>
<dt>Status</dt><dd class="payment-status">{{STATUS:x-words}}</dd>
<dt>Card</dt><dd>{{#HAS_CARD_LAST4}}ending in {{CARD_LAST4}}{{/HAS_CARD_LAST4}}{{#NO_CARD_LAST4}}—{{/NO_CARD_LAST4}}</dd>
<dt>Created</dt><dd>{{CREATED_AT:x-datetime}}</dd>
<dt>Updated</dt><dd>{{UPDATED_AT:x-datetime}}</dd>
</dl>
{{#IF_HAS_RECEIPT}}<ul class="actions receipts"><li><a href="/payments/{{ID}}/receipt">Receipt</a></li>{{#STATUS_REFUNDED}}<li><a href="/payments/{{ID}}/refund-receipt">Refund receipt</a></li>{{/STATUS_REFUNDED}}</ul>{{/IF_HAS_RECEIPT}}
{{>FOOTER}}
