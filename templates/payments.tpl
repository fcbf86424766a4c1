{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Payments</h1>
{{#NO_ITEMS}}<p>No payments.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<div class="scroll"><table class="list">
<thead><tr><th scope="col">Payment</th><th scope="col">Reservation</th><th scope="col">Amount</th><th scope="col">Card</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>{{#ITEMS}}<tr data-payment-id="{{ID}}" data-status="{{STATUS}}"><td><a href="/payments/{{ID}}">{{ID}}</a></td><td><a href="/reservations/{{RESERVATION_ID}}">{{RESERVATION_ID}}</a></td><td class="nowrap">{{AMOUNT:x-money}}</td><td class="nowrap">{{#HAS_CARD_LAST4}}•••• {{CARD_LAST4}}{{/HAS_CARD_LAST4}}{{#NO_CARD_LAST4}}—{{/NO_CARD_LAST4}}</td><td>{{STATUS:x-words}}</td><td class="nowrap">{{CREATED_AT:x-datetime}}</td></tr>{{/ITEMS}}</tbody>
</table></div>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
