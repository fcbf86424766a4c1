{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Find a room</h1>
<p class="lead">Say when and for how many: see what is free and what the stay costs.</p>
{{>ERROR_SUMMARY}}
<form class="search panel" method="get" action="{{REQUEST_PATH}}" novalidate>
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
<div class="field{{#HAS_ERR_GUESTS}} invalid{{/HAS_ERR_GUESTS}}">
<label for="guests" class="required">Guests</label>
{{#HAS_ERR_GUESTS}}<p class="field-error" id="guests-error"><span class="visually-hidden">Error:</span> {{ERR_GUESTS}}</p>{{/HAS_ERR_GUESTS}}
<input type="number" id="guests" name="guests" min="1" value="{{FORM_GUESTS}}" inputmode="numeric" required{{#HAS_ERR_GUESTS}} aria-invalid="true" aria-describedby="guests-error"{{/HAS_ERR_GUESTS}}>
</div>
<button type="submit" class="primary">Search</button>
</form>

{{#IF_SEARCHED}}<section aria-labelledby="results-h" class="results">
<h2 id="results-h">{{#HAS_MATCHES}}Free for {{GUESTS:x-plural=guest}}, {{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}} ({{NIGHTS:x-plural=night}}){{/HAS_MATCHES}}{{#NO_MATCHES}}Nothing is free for {{GUESTS:x-plural=guest}}, {{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}{{/NO_MATCHES}}</h2>
{{#NO_MATCHES}}<p>Try other dates, or fewer guests.</p>{{/NO_MATCHES}}
{{#HAS_MATCHES}}<ul class="cards">
{{#MATCHES}}<li class="card match" data-room-id="{{ID}}">
<h3><a href="/rooms/{{ID}}?checkIn={{CHECK_IN:u}}&amp;checkOut={{CHECK_OUT:u}}&amp;guests={{GUESTS:u}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></h3>
{{#HAS_DESC}}<p class="user-text">{{DESC:pre_escape}}</p>{{/HAS_DESC}}
<p class="stay-total">Total <strong class="total">{{TOTAL:x-total}}</strong> <small>for {{GUESTS:x-plural=guest}} × {{NIGHTS:x-plural=night}}</small></p>
<dl class="facts">
<dt>Price</dt><dd>{{PRICE:x-price}}</dd>
<dt>Places left</dt><dd>at least {{PLACES_LEFT}} every night</dd>
<dt>Rating</dt><dd>{{#HAS_RATING}}{{RATING}} / 5 ({{REVIEW_CNT:x-plural=review}}){{/HAS_RATING}}{{#NO_RATING}}no ratings yet{{/NO_RATING}}</dd>
</dl>
</li>{{/MATCHES}}
</ul>{{/HAS_MATCHES}}
{{#HAS_OTHERS}}<h2>Not available for your stay</h2>
<ul class="unavailable">{{#OTHERS}}<li data-room-id="{{ID}}"><a href="/rooms/{{ID}}?checkIn={{CHECK_IN:u}}&amp;checkOut={{CHECK_OUT:u}}&amp;guests={{GUESTS:u}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a>: <span class="why">{{WHY}}</span></li>{{/OTHERS}}</ul>{{/HAS_OTHERS}}
</section>{{/IF_SEARCHED}}

{{#UNLESS_SEARCHED}}<section aria-labelledby="all-h">
<h2 id="all-h">All rooms</h2>
{{#NO_ITEMS}}<p>No rooms yet. <a href="/rooms/new">Host the first one</a>.</p>{{/NO_ITEMS}}
<ul class="cards">
{{#ITEMS}}<li class="card">
<h3><a href="/rooms/{{ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></h3>
<p class="user-text">{{DESC:pre_escape}}</p>
<dl class="facts">
<dt>Price</dt><dd>{{PRICE:x-price}}</dd>
<dt>Capacity</dt><dd>{{CAPACITY:x-plural=place}} per night</dd>
<dt>Rating</dt><dd>{{#HAS_RATING}}{{RATING}} / 5 ({{REVIEW_CNT:x-plural=review}}){{/HAS_RATING}}{{#NO_RATING}}no ratings yet{{/NO_RATING}}</dd>
</dl>
</li>{{/ITEMS}}
</ul>
</section>{{/UNLESS_SEARCHED}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
