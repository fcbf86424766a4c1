{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#HAS_ROOM_NAME}}<p class="crumbs"><a href="/rooms/{{ROOM_ID}}">{{ROOM_NAME}}</a>{{#HAS_STAY_ID}} › <a href="/reservations/{{STAY_ID}}">Your stay</a>{{/HAS_STAY_ID}}</p>{{/HAS_ROOM_NAME}}
<h1>Review your stay{{#HAS_ROOM_NAME}} at {{ROOM_NAME}}{{/HAS_ROOM_NAME}}</h1>
{{>ERROR_SUMMARY}}
{{#IF_REFUSED}}<p>{{#HAS_STAY_ID}}<a href="/reservations/{{STAY_ID}}">Back to your stay</a>{{/HAS_STAY_ID}}{{#NO_STAY_ID}}<a href="/mypage">Back to My bookings</a>{{/NO_STAY_ID}}</p>{{/IF_REFUSED}}
{{#UNLESS_REFUSED}}<form method="post" action="/rooms/{{ROOM_ID}}/reviews" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="{{FORM__NEXT}}">
{{#HAS_FORM_RESERVATION_ID}}<input type="hidden" name="reservationId" value="{{FORM_RESERVATION_ID}}">{{/HAS_FORM_RESERVATION_ID}}
<div class="field{{#HAS_ERR_RATING}} invalid{{/HAS_ERR_RATING}}">
<label for="rating" class="required">Rating from 1 to 5</label>
{{#HAS_ERR_RATING}}<p class="field-error" id="rating-error"><span class="visually-hidden">Error:</span> {{ERR_RATING}}</p>{{/HAS_ERR_RATING}}
<input type="number" id="rating" name="rating" min="1" max="5" value="{{FORM_RATING}}" class="short" required{{#HAS_ERR_RATING}} aria-invalid="true" aria-describedby="rating-error"{{/HAS_ERR_RATING}}>
</div>
<div class="field{{#HAS_ERR_CONTENT}} invalid{{/HAS_ERR_CONTENT}}">
<label for="content">Your review</label>
<p class="hint" id="content-hint">Optional; up to 4,000 characters.</p>
{{#HAS_ERR_CONTENT}}<p class="field-error" id="content-error"><span class="visually-hidden">Error:</span> {{ERR_CONTENT}}</p>{{/HAS_ERR_CONTENT}}
<textarea id="content" name="content" rows="4" aria-describedby="content-hint{{#HAS_ERR_CONTENT}} content-error{{/HAS_ERR_CONTENT}}"{{#HAS_ERR_CONTENT}} aria-invalid="true"{{/HAS_ERR_CONTENT}}>{{FORM_CONTENT:pre_escape}}</textarea>
</div>
<button type="submit" class="primary">Send review</button>
</form>{{/UNLESS_REFUSED}}
{{>FOOTER}}
