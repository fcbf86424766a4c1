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
{{>FOOTER}}
