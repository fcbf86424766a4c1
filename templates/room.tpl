{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/rooms">Rooms</a></p>
<h1>{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</h1>
{{>ERROR_SUMMARY}}
<p class="lead user-text">{{DESC:pre_escape}}</p>
<dl class="facts">
<dt>Price</dt><dd>{{PRICE:x-price}}</dd>
<dt>Capacity</dt><dd>{{CAPACITY:x-plural=place}} per night</dd>
<dt>Rating</dt><dd>{{#HAS_RATING}}{{RATING}} / 5 ({{REVIEW_CNT:x-plural=review}}){{/HAS_RATING}}{{#NO_RATING}}no ratings yet{{/NO_RATING}}</dd>
</dl>

<section aria-labelledby="book-h" class="panel book">
<h2 id="book-h">Book</h2>
{{#HAS_BOOKED_BEFORE}}<p class="warning already-booked"><strong>You have already booked this stay.</strong> <a href="/reservations/{{BOOKED_BEFORE}}">See your booking</a>.</p>{{/HAS_BOOKED_BEFORE}}
{{>BOOKING_FORM}}
</section>

<section aria-labelledby="calendar-h">
<h2 id="calendar-h">Availability</h2>
<table class="calendar">
<caption>{{CALENDAR_SPAN}}: places left per night{{#IF_ASKED}}; the nights of your stay are outlined and underlined{{/IF_ASKED}}</caption>
<thead><tr><th scope="col">Mon</th><th scope="col">Tue</th><th scope="col">Wed</th><th scope="col">Thu</th><th scope="col">Fri</th><th scope="col">Sat</th><th scope="col">Sun</th></tr></thead>
<tbody>
{{#WEEKS}}<tr>{{#DAYS}}<td class="{{STATE}}{{#IF_CHOSEN}} chosen{{/IF_CHOSEN}}{{#IF_CONFLICT}} conflict{{/IF_CONFLICT}}" data-date="{{DATE}}">{{#HAS_DATE}}<span class="date">{{LABEL}}</span> <span class="left">{{#IF_SOLD_OUT}}Sold out{{/IF_SOLD_OUT}}{{#UNLESS_SOLD_OUT}}{{AVAILABLE}} left{{/UNLESS_SOLD_OUT}}</span>{{#IF_PAST}}<span class="visually-hidden">, past</span>{{/IF_PAST}}{{#IF_CHOSEN}}<span class="stay-night visually-hidden">, {{#IF_CONFLICT}}a night of your stay without enough places{{/IF_CONFLICT}}{{#UNLESS_CONFLICT}}a night of your stay{{/UNLESS_CONFLICT}}</span>{{/IF_CHOSEN}}{{/HAS_DATE}}</td>{{/DAYS}}</tr>
{{/WEEKS}}</tbody>
</table>
<p class="pager calendar-pager">{{#HAS_CALENDAR_EARLIER}}<a href="{{CALENDAR_EARLIER}}">Earlier weeks</a>{{/HAS_CALENDAR_EARLIER}}{{#HAS_CALENDAR_LATER}}<a rel="next" href="{{CALENDAR_LATER}}">Later weeks</a>{{/HAS_CALENDAR_LATER}}</p>
</section>

{{#HAS_REVIEWS}}<section aria-labelledby="reviews-h">
<h2 id="reviews-h">Reviews</h2>
<ul class="reviews">{{#REVIEWS}}<li>{{#HAS_RATING}}<strong>{{RATING}} / 5</strong> {{/HAS_RATING}}<span class="user-text">{{CONTENT:pre_escape}}</span> <small>{{CREATED_AT:x-date}}</small></li>{{/REVIEWS}}</ul>
</section>{{/HAS_REVIEWS}}
{{#NO_REVIEWS}}<section aria-labelledby="reviews-h">
<h2 id="reviews-h">Reviews</h2>
<p>No reviews yet.</p>
</section>{{/NO_REVIEWS}}

{{#IF_IS_HOST}}<section aria-labelledby="host-h" class="host">
<h2 id="host-h">You host this room</h2>
<ul class="actions">
<li><a href="/rooms/{{ID}}/edit">Edit this room</a></li>
<li><a href="/reservations?roomId={{ID}}">Its reservations</a></li>
<li><a href="/rooms/{{ID}}/availability">Availability table</a></li>
<li><a href="/rooms/{{ID}}/delete">Delete it</a></li>
<li><a href="/roomviews">All the rooms you host</a></li>
</ul>
</section>{{/IF_IS_HOST}}
<script src="/static/booking.js" defer></script>
{{>FOOTER}}
