{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Reservations</h1>
<form class="find-reference" method="get" action="/reservations">
<label for="reference">Find a booking by its reference</label>
<input id="reference" name="reference" placeholder="RB-7K3Q9F" autocomplete="off" spellcheck="false">
<button type="submit">Find</button>
</form>
{{#NO_ITEMS}}<p>No reservations.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<div class="scroll"><table class="list">
<thead><tr><th scope="col">Reservation</th><th scope="col">Reference</th><th scope="col">Room</th><th scope="col">Stay</th><th scope="col">Guests</th><th scope="col">Guest</th><th scope="col">Status</th></tr></thead>
<tbody>{{#ITEMS}}<tr data-reservation-id="{{ID}}" data-status="{{STATUS}}"><td><a href="/reservations/{{ID}}">{{ID}}</a></td><td class="reference nowrap">{{REFERENCE}}</td><td><a href="/rooms/{{ROOM_ID}}">Room {{ROOM_ID}}</a></td><td class="nowrap">{{CHECK_IN:x-date}} –<br>{{CHECK_OUT:x-date}}<br><small>{{NIGHTS:x-plural=night}}</small></td><td>{{GUESTS:x-plural=guest}}</td><td>{{CUSTOMER}}</td><td>{{STATUS:x-words}}{{#HAS_REASON}}<br><small>{{REASON:x-words}}</small>{{/HAS_REASON}}</td></tr>{{/ITEMS}}</tbody>
</table></div>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
