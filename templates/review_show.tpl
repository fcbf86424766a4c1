{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{ROOM_ID}}">{{ROOM_NAME}}</a></p>
<h1>Review of {{ROOM_NAME}}</h1>
<dl class="facts" data-review-id="{{ID}}">
<dt>Room</dt><dd><a href="/rooms/{{ROOM_ID}}">{{ROOM_NAME}}</a></dd>
<dt>Rating</dt><dd>{{#HAS_RATING}}{{RATING}} / 5{{/HAS_RATING}}{{#NO_RATING}}no rating given{{/NO_RATING}}</dd>
<dt>Written</dt><dd>{{CREATED_AT:x-date}}</dd>
</dl>
{{#HAS_CONTENT}}<blockquote class="review-content"><p class="user-text">{{CONTENT:pre_escape}}</p></blockquote>{{/HAS_CONTENT}}
{{#NO_CONTENT}}<p>No text was written.</p>{{/NO_CONTENT}}
{{#IF_IS_AUTHOR}}<h2>Your review</h2>
<ul class="actions">{{#HAS_STAY_ID}}<li><a href="/reservations/{{STAY_ID}}">Back to your stay</a></li>{{/HAS_STAY_ID}}
<li><form method="post" action="/reviews/{{ID}}/delete" class="inline"><input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}"><button type="submit" class="secondary">Delete this review</button></form></li></ul>{{/IF_IS_AUTHOR}}
{{>FOOTER}}
