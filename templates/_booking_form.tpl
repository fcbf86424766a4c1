{{%AUTOESCAPE context="HTML"}}<form class="stay" id="stay" method="get" action="/rooms/{{ID}}/book" novalidate data-price="{{PRICE}}" data-currency="{{CURRENCY}}" data-decimals="{{MONEY_DECIMALS}}">
<p class="hint">Fields marked <span class="req">*</span> are required.</p>
<div class="dates">
<div class="field{{#HAS_ERR_CHECK_IN}} invalid{{/HAS_ERR_CHECK_IN}}">
<label for="checkIn" class="required">Check-in date</label>
{{#HAS_ERR_CHECK_IN}}<p class="field-error" id="checkIn-error"><span class="visually-hidden">Error:</span> {{ERR_CHECK_IN}}</p>{{/HAS_ERR_CHECK_IN}}
<input type="date" id="checkIn" name="checkIn" value="{{FORM_CHECK_IN}}" min="{{TODAY}}" required{{#HAS_ERR_CHECK_IN}} aria-invalid="true" aria-describedby="checkIn-error"{{/HAS_ERR_CHECK_IN}}>
</div>
<div class="field{{#HAS_ERR_CHECK_OUT}} invalid{{/HAS_ERR_CHECK_OUT}}">
<label for="checkOut" class="required">Check-out date</label>
{{#HAS_ERR_CHECK_OUT}}<p class="field-error" id="checkOut-error"><span class="visually-hidden">Error:</span> {{ERR_CHECK_OUT}}</p>{{/HAS_ERR_CHECK_OUT}}
<input type="date" id="checkOut" name="checkOut" value="{{FORM_CHECK_OUT}}" min="{{TOMORROW}}" required{{#HAS_ERR_CHECK_OUT}} aria-invalid="true" aria-describedby="checkOut-error"{{/HAS_ERR_CHECK_OUT}}>
</div>
</div>
<div class="field{{#HAS_ERR_GUESTS}} invalid{{/HAS_ERR_GUESTS}}">
<label for="guests" class="required">Guests</label>
<p class="hint" id="guests-hint">This room takes up to {{CAPACITY:x-plural=guest}} a night.</p>
{{#HAS_ERR_GUESTS}}<p class="field-error" id="guests-error"><span class="visually-hidden">Error:</span> {{ERR_GUESTS}}</p>{{/HAS_ERR_GUESTS}}
<input type="number" id="guests" name="guests" min="1" max="{{CAPACITY}}" value="{{FORM_GUESTS}}" inputmode="numeric" required aria-describedby="guests-hint{{#HAS_ERR_GUESTS}} guests-error{{/HAS_ERR_GUESTS}}"{{#HAS_ERR_GUESTS}} aria-invalid="true"{{/HAS_ERR_GUESTS}}>
</div>
<div class="field{{#HAS_ERR_CUSTOMER}} invalid{{/HAS_ERR_CUSTOMER}}">
<label for="customer">Guest name</label>
<p class="hint" id="customer-hint">Optional: who is staying, if not you.</p>
{{#HAS_ERR_CUSTOMER}}<p class="field-error" id="customer-error"><span class="visually-hidden">Error:</span> {{ERR_CUSTOMER}}</p>{{/HAS_ERR_CUSTOMER}}
<input type="text" id="customer" name="customer" value="{{FORM_CUSTOMER}}" autocomplete="name" maxlength="200" aria-describedby="customer-hint{{#HAS_ERR_CUSTOMER}} customer-error{{/HAS_ERR_CUSTOMER}}">
</div>
<div class="quote" id="quote" tabindex="-1">
{{#HAS_TOTAL}}<p>Total for {{GUESTS:x-plural=guest}} × {{NIGHTS:x-plural=night}}, {{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}: <strong class="total">{{TOTAL:x-total}}</strong></p>
{{#IF_AVAILABLE}}<p class="quote-ok">Available on every night of your stay.</p>{{/IF_AVAILABLE}}
{{#UNLESS_AVAILABLE}}<p class="quote-no"><strong>Not available:</strong> {{WHY}}</p>{{/UNLESS_AVAILABLE}}{{/HAS_TOTAL}}
{{#HAS_ERRORS}}<p>To see the total, correct:</p>
<ul class="quote-errors">{{#ERRORS}}<li><a href="#{{FIELD}}">{{TEXT}}</a></li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}
<button type="submit" formaction="/rooms/{{ID}}#quote" class="secondary">Update total</button>
</div>
<div class="next"{{#IF_UNBOOKABLE}} hidden{{/IF_UNBOOKABLE}}>
{{#SIGNED_OUT}}<p class="hint">Next you sign in or create an account; what you chose here is kept. {{#UNLESS_FREE}}You pay by card after checking your answers.{{/UNLESS_FREE}}{{#IF_FREE}}Then you check your answers and confirm: there is nothing to pay.{{/IF_FREE}}</p>{{/SIGNED_OUT}}
{{#SIGNED_IN}}<p class="hint">Next you check your answers, then {{#UNLESS_FREE}}pay by card{{/UNLESS_FREE}}{{#IF_FREE}}confirm: there is nothing to pay{{/IF_FREE}}.</p>{{/SIGNED_IN}}
<button type="submit" class="primary">Continue</button>
</div>
{{#IF_UNBOOKABLE}}<p class="hint unbookable">Change the stay above, then <em>Update total</em> to book it.</p>{{/IF_UNBOOKABLE}}
</form>
