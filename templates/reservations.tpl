{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#HAS_OF_ROOM}}<p class="crumbs"><a href="/rooms/{{OF_ROOM}}">{{#HAS_OF_ROOM_NAME}}{{OF_ROOM_NAME}}{{/HAS_OF_ROOM_NAME}}{{#NO_OF_ROOM_NAME}}Room {{OF_ROOM}}{{/NO_OF_ROOM_NAME}}</a></p>
<h1>Bookings of {{#HAS_OF_ROOM_NAME}}{{OF_ROOM_NAME}}{{/HAS_OF_ROOM_NAME}}{{#NO_OF_ROOM_NAME}}room {{OF_ROOM}}{{/NO_OF_ROOM_NAME}}</h1>{{/HAS_OF_ROOM}}
{{#NO_OF_ROOM}}<h1>Reservations</h1>{{/NO_OF_ROOM}}
{{>ERROR_SUMMARY}}
<form class="find-reference{{#HAS_ERR_REFERENCE}} invalid{{/HAS_ERR_REFERENCE}}" method="get" action="/reservations" novalidate>
<label for="reference">Find a booking by its reference</label>
<p class="hint" id="reference-hint">RB- and six letters or digits, as on the confirmation, such as RB-7K3Q9F.</p>
{{#HAS_ERR_REFERENCE}}<p class="field-error" id="reference-error"><span class="visually-hidden">Error:</span> {{ERR_REFERENCE}}</p>{{/HAS_ERR_REFERENCE}}
<input id="reference" name="reference" value="{{FORM_REFERENCE}}" autocomplete="off" spellcheck="false" aria-describedby="reference-hint{{#HAS_ERR_REFERENCE}} reference-error{{/HAS_ERR_REFERENCE}}"{{#HAS_ERR_REFERENCE}} aria-invalid="true"{{/HAS_ERR_REFERENCE}}>
<button type="submit">Find</button>
</form>
{{#NO_ITEMS}}<p>No reservations{{#HAS_OF_ROOM}} of this room yet{{/HAS_OF_ROOM}}.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<ul class="bookings reservations">
{{#ITEMS}}<li class="booking-card" data-reservation-id="{{ID}}" data-status="{{STATUS}}">
<h2><a href="/reservations/{{ID}}">{{#HAS_REFERENCE}}{{REFERENCE}}{{/HAS_REFERENCE}}{{#NO_REFERENCE}}Reservation {{ID}}{{/NO_REFERENCE}}</a></h2>
<p class="stay">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}<br><small>{{NIGHTS:x-plural=night}}, {{GUESTS:x-plural=guest}}</small></p>
<dl class="facts">
<dt>Status</dt><dd><span class="status status-{{STATUS}}">{{STATUS:x-words}}</span>{{#HAS_REASON}}<br><small>{{REASON:x-words}}</small>{{/HAS_REASON}}</dd>
<dt>Guest</dt><dd>{{CUSTOMER}}</dd>
{{#IF_SHOW_ROOM}}<dt>Room</dt><dd><a href="/rooms/{{ROOM_ID}}">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}</a></dd>{{/IF_SHOW_ROOM}}
<dt>Total</dt><dd>{{#HAS_AMOUNT}}{{AMOUNT:x-money}}{{/HAS_AMOUNT}}{{#NO_AMOUNT}}—{{/NO_AMOUNT}}</dd>
</dl>
</li>{{/ITEMS}}
</ul>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
