{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{FORM_ROOM_ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{FORM_ROOM_ID}}{{/NO_NAME}}</a></p>
<h1>Check your answers{{#UNLESS_FREE}} before paying{{/UNLESS_FREE}}</h1>
{{>ERROR_SUMMARY}}
{{#HAS_BOOKED_BEFORE}}<div class="warning already-booked" role="note"><p><strong>You have already booked this stay.</strong> <a href="/reservations/{{BOOKED_BEFORE}}">See your booking</a>. Confirming here books it a second time{{#UNLESS_FREE}} and charges your card again{{/UNLESS_FREE}}.</p></div>{{/HAS_BOOKED_BEFORE}}
<dl class="summary-list" data-room-id="{{FORM_ROOM_ID}}">
<dt>Room</dt><dd>{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{FORM_ROOM_ID}}{{/NO_NAME}}{{#HAS_PRICE}}<br><small>{{PRICE:x-price}}</small>{{/HAS_PRICE}}</dd>
<dd class="change"><a href="/?checkIn={{FORM_CHECK_IN:u}}&amp;checkOut={{FORM_CHECK_OUT:u}}&amp;guests={{FORM_GUESTS:u}}">Change<span class="visually-hidden"> room</span></a></dd>
<dt>Check-in</dt><dd class="check-in">{{FORM_CHECK_IN:x-date}}</dd>
<dd class="change"><a href="/rooms/{{FORM_ROOM_ID}}?checkIn={{FORM_CHECK_IN:u}}&amp;checkOut={{FORM_CHECK_OUT:u}}&amp;guests={{FORM_GUESTS:u}}&amp;customer={{FORM_CUSTOMER:u}}#checkIn">Change<span class="visually-hidden"> check-in date</span></a></dd>
<dt>Check-out</dt><dd class="check-out">{{FORM_CHECK_OUT:x-date}}</dd>
<dd class="change"><a href="/rooms/{{FORM_ROOM_ID}}?checkIn={{FORM_CHECK_IN:u}}&amp;checkOut={{FORM_CHECK_OUT:u}}&amp;guests={{FORM_GUESTS:u}}&amp;customer={{FORM_CUSTOMER:u}}#checkOut">Change<span class="visually-hidden"> check-out date</span></a></dd>
{{#HAS_NIGHTS}}<dt>Nights</dt><dd class="nights">{{NIGHTS:x-plural=night}}</dd><dd class="change"></dd>{{/HAS_NIGHTS}}
<dt>Guests</dt><dd class="guests">{{FORM_GUESTS:x-plural=guest}}</dd>
<dd class="change"><a href="/rooms/{{FORM_ROOM_ID}}?checkIn={{FORM_CHECK_IN:u}}&amp;checkOut={{FORM_CHECK_OUT:u}}&amp;guests={{FORM_GUESTS:u}}&amp;customer={{FORM_CUSTOMER:u}}#guests">Change<span class="visually-hidden"> number of guests</span></a></dd>
<dt>Guest name</dt><dd class="customer">{{FORM_CUSTOMER}}</dd>
<dd class="change"><a href="/rooms/{{FORM_ROOM_ID}}?checkIn={{FORM_CHECK_IN:u}}&amp;checkOut={{FORM_CHECK_OUT:u}}&amp;guests={{FORM_GUESTS:u}}&amp;customer={{FORM_CUSTOMER:u}}#customer">Change<span class="visually-hidden"> guest name</span></a></dd>
{{#HAS_TOTAL}}<dt>Total</dt><dd class="total">{{TOTAL:x-total}}</dd><dd class="change"></dd>{{/HAS_TOTAL}}
</dl>

<form class="booking pay panel" method="post" action="/reservations" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_form" value="{{FORM_TOKEN}}">
<input type="hidden" name="_back" value="/rooms/{{FORM_ROOM_ID}}/book">
<input type="hidden" name="roomId" value="{{FORM_ROOM_ID}}">
<input type="hidden" name="checkIn" value="{{FORM_CHECK_IN}}">
<input type="hidden" name="checkOut" value="{{FORM_CHECK_OUT}}">
<input type="hidden" name="guests" value="{{FORM_GUESTS}}">
<input type="hidden" name="customer" value="{{FORM_CUSTOMER}}">
{{#HAS_TOTAL}}<input type="hidden" name="expectedTotal" value="{{TOTAL}}">{{/HAS_TOTAL}}
{{#IF_FREE}}<input type="hidden" name="free" value="1">
<h2>Nothing to pay</h2>
<p>This stay is free: no card is needed.</p>{{/IF_FREE}}
{{#UNLESS_FREE}}<h2>Pay{{#HAS_TOTAL}} {{TOTAL:x-money}}{{/HAS_TOTAL}}</h2>
<div class="field{{#HAS_ERR_CARD}} invalid{{/HAS_ERR_CARD}}">
<label for="card" class="required">Card number</label>
<p class="hint" id="card-hint">12 to 19 digits, as on your card; spaces are fine.</p>
{{#HAS_ERR_CARD}}<p class="field-error" id="card-error"><span class="visually-hidden">Error:</span> {{ERR_CARD}}</p>{{/HAS_ERR_CARD}}
<input type="text" id="card" name="card" inputmode="numeric" autocomplete="cc-number" maxlength="30" required aria-describedby="card-hint{{#HAS_ERR_CARD}} card-error{{/HAS_ERR_CARD}}"{{#HAS_ERR_CARD}} aria-invalid="true"{{/HAS_ERR_CARD}}>
</div>{{/UNLESS_FREE}}
<p class="terms">You can cancel {{#UNLESS_FREE}}free of charge {{/UNLESS_FREE}}until the end of your check-in day, {{FORM_CHECK_IN:x-date}}{{#UNLESS_FREE}}, and get the full amount back{{/UNLESS_FREE}}.</p>
<button type="submit" class="primary">{{#IF_FREE}}Confirm booking{{/IF_FREE}}{{#UNLESS_FREE}}Confirm and pay{{/UNLESS_FREE}}</button>
</form>
{{>FOOTER}}
