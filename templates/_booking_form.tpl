{{%AUTOESCAPE context="HTML"}}<form class="booking" method="post" action="/reservations" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_form" value="{{FORM_TOKEN}}">
<input type="hidden" name="roomId" value="{{FORM_ROOM_ID}}">
<input type="hidden" name="_back" value="/rooms/{{FORM_ROOM_ID}}">
<div class="field{{#HAS_ERR_CHECK_IN}} invalid{{/HAS_ERR_CHECK_IN}}">
<label for="checkIn">Check-in date</label>
{{#HAS_ERR_CHECK_IN}}<p class="field-error" id="checkIn-error">{{ERR_CHECK_IN}}</p>{{/HAS_ERR_CHECK_IN}}
<input type="date" id="checkIn" name="checkIn" value="{{FORM_CHECK_IN}}" required{{#HAS_ERR_CHECK_IN}} aria-invalid="true" aria-describedby="checkIn-error"{{/HAS_ERR_CHECK_IN}}>
</div>
<div class="field{{#HAS_ERR_NIGHTS}} invalid{{/HAS_ERR_NIGHTS}}">
<label for="nights">Nights</label>
{{#HAS_ERR_NIGHTS}}<p class="field-error" id="nights-error">{{ERR_NIGHTS}}</p>{{/HAS_ERR_NIGHTS}}
<input type="number" id="nights" name="nights" min="1" max="30" value="{{FORM_NIGHTS}}" inputmode="numeric"{{#HAS_ERR_NIGHTS}} aria-invalid="true" aria-describedby="nights-error"{{/HAS_ERR_NIGHTS}}>
</div>
<div class="field{{#HAS_ERR_GUESTS}} invalid{{/HAS_ERR_GUESTS}}">
<label for="guests">Guests</label>
{{#HAS_ERR_GUESTS}}<p class="field-error" id="guests-error">{{ERR_GUESTS}}</p>{{/HAS_ERR_GUESTS}}
<input type="number" id="guests" name="guests" min="1" value="{{FORM_GUESTS}}" inputmode="numeric"{{#HAS_ERR_GUESTS}} aria-invalid="true" aria-describedby="guests-error"{{/HAS_ERR_GUESTS}}>
</div>
<div class="field{{#HAS_ERR_CUSTOMER}} invalid{{/HAS_ERR_CUSTOMER}}">
<label for="customer">Guest name</label>
<p class="hint" id="customer-hint">Who is staying; yours unless you book for someone else.</p>
{{#HAS_ERR_CUSTOMER}}<p class="field-error" id="customer-error">{{ERR_CUSTOMER}}</p>{{/HAS_ERR_CUSTOMER}}
<input type="text" id="customer" name="customer" value="{{FORM_CUSTOMER}}" autocomplete="name" maxlength="200" aria-describedby="customer-hint{{#HAS_ERR_CUSTOMER}} customer-error{{/HAS_ERR_CUSTOMER}}"{{#HAS_ERR_CUSTOMER}} aria-invalid="true"{{/HAS_ERR_CUSTOMER}}>
</div>
{{#SIGNED_IN}}<div class="field{{#HAS_ERR_CARD}} invalid{{/HAS_ERR_CARD}}">
<label for="card">Card number</label>
{{#HAS_ERR_CARD}}<p class="field-error" id="card-error">{{ERR_CARD}}</p>{{/HAS_ERR_CARD}}
<input type="text" id="card" name="card" inputmode="numeric" autocomplete="cc-number"{{#HAS_ERR_CARD}} aria-invalid="true" aria-describedby="card-error"{{/HAS_ERR_CARD}}>
</div>
<button type="submit" class="primary">Book and pay</button>{{/SIGNED_IN}}
{{#SIGNED_OUT}}<p class="hint">To book, sign in or create an account first; what you chose here is kept, and you pay by card after that.</p>
<button type="submit" class="primary">Sign in to book</button>{{/SIGNED_OUT}}
</form>
