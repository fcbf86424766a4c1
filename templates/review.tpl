{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#HAS_ROOM_NAME}}<p class="crumbs"><a href="/rooms/{{ROOM_ID}}">{{ROOM_NAME}}</a>{{#HAS_STAY_ID}} › <a href="/reservations/{{STAY_ID}}">Your stay</a>{{/HAS_STAY_ID}}</p>{{/HAS_ROOM_NAME}}
<h1>Review your stay{{#HAS_ROOM_NAME}} at {{ROOM_NAME}}{{/HAS_ROOM_NAME}}</h1>
{{>ERROR_SUMMARY}}
{{#IF_REFUSED}}<p>{{#HAS_STAY_ID}}<a href="/reservations/{{STAY_ID}}">Back to your stay</a>{{/HAS_STAY_ID}}{{#NO_STAY_ID}}<a href="/mypage">Back to My bookings</a>{{/NO_STAY_ID}}</p>{{/IF_REFUSED}}
{{#UNLESS_REFUSED}}<form method="post" action="/rooms/{{ROOM_ID}}/reviews" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="{{FORM__NEXT}}">
{{#HAS_FORM_RESERVATION_ID}}<input type="hidden" name="reservationId" value="{{FORM_RESERVATION_ID}}">{{/HAS_FORM_RESERVATION_ID}}
<fieldset class="field rating{{#HAS_ERR_RATING}} invalid{{/HAS_ERR_RATING}}"{{#HAS_ERR_RATING}} aria-describedby="rating-error"{{/HAS_ERR_RATING}}>
<legend class="required">Your rating</legend>
{{#HAS_ERR_RATING}}<p class="field-error" id="rating-error"><span class="visually-hidden">Error:</span> {{ERR_RATING}}</p>{{/HAS_ERR_RATING}}
<div class="choices">
<label><input type="radio" id="rating" name="rating" value="1" required{{#FORM_RATING_1}} checked{{/FORM_RATING_1}}> 1 · Poor</label>
<label><input type="radio" name="rating" value="2"{{#FORM_RATING_2}} checked{{/FORM_RATING_2}}> 2 · Fair</label>
<label><input type="radio" name="rating" value="3"{{#FORM_RATING_3}} checked{{/FORM_RATING_3}}> 3 · Good</label>
<label><input type="radio" name="rating" value="4"{{#FORM_RATING_4}} checked{{/FORM_RATING_4}}> 4 · Very good</label>
<label><input type="radio" name="rating" value="5"{{#FORM_RATING_5}} checked{{/FORM_RATING_5}}> 5 · Excellent</label>
</div>
</fieldset>
<div class="field{{#HAS_ERR_CONTENT}} invalid{{/HAS_ERR_CONTENT}}">
<label for="content">Your review</label>
<p class="hint" id="content-hint">Optional; up to 4,000 characters.</p>
{{#HAS_ERR_CONTENT}}<p class="field-error" id="content-error"><span class="visually-hidden">Error:</span> {{ERR_CONTENT}}</p>{{/HAS_ERR_CONTENT}}
<textarea id="content" name="content" rows="4" aria-describedby="content-hint{{#HAS_ERR_CONTENT}} content-error{{/HAS_ERR_CONTENT}}"{{#HAS_ERR_CONTENT}} aria-invalid="true"{{/HAS_ERR_CONTENT}}>{{FORM_CONTENT:pre_escape}}</textarea>
</div>
<button type="submit" class="primary">Send review</button>
</form>{{/UNLESS_REFUSED}}
{{>FOOTER}}
