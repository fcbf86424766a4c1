{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>{{TITLE}}</h1>
{{#NO_ITEMS}}<p>No rooms yet. <a href="/rooms/new">Host the first one</a>.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<div class="scroll"><table class="list">
<thead><tr><th scope="col">Room</th><th scope="col">Status</th><th scope="col">Rating</th><th scope="col">Reviews</th><th scope="col">Bookings</th><th scope="col">Last booking</th></tr></thead>
<tbody>{{#ITEMS}}<tr data-room-id="{{ROOM_ID}}" data-status="{{STATUS}}"><td>{{#UNLESS_OFFERED}}{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ROOM_ID}}{{/NO_NAME}}{{/UNLESS_OFFERED}}{{#IF_OFFERED}}<a href="/rooms/{{ROOM_ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ROOM_ID}}{{/NO_NAME}}</a>{{/IF_OFFERED}}</td><td>{{STATUS:x-words}}</td><td class="nowrap">{{#HAS_RATING}}{{RATING}} / 5{{/HAS_RATING}}{{#NO_RATING}}—{{/NO_RATING}}</td><td>{{REVIEW_CNT}}</td><td><a href="/reservations?roomId={{ROOM_ID}}">{{RESERVATIONS}}</a></td><td>{{#HAS_LAST_RESERVATION_ID}}<a href="/reservations/{{LAST_RESERVATION_ID}}">Booking {{LAST_RESERVATION_ID}}</a> {{LAST_RESERVATION_STATUS:x-words}}{{/HAS_LAST_RESERVATION_ID}}{{#NO_LAST_RESERVATION_ID}}—{{/NO_LAST_RESERVATION_ID}}</td></tr>{{/ITEMS}}</tbody>
</table></div>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
