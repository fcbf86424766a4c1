{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Messages</h1>
{{#NO_ITEMS}}<p>No messages.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<div class="scroll"><table class="list">
<thead><tr><th scope="col">Message</th><th scope="col">Reservation</th><th scope="col">Guest name</th><th scope="col">Kind</th><th scope="col">Text</th><th scope="col">Sent</th></tr></thead>
<tbody>{{#ITEMS}}<tr data-message-id="{{ID}}" class="kind-{{KIND}}"><td><a href="/messages/{{ID}}">{{ID}}</a></td><td><a href="/reservations/{{RESERVATION_ID}}">{{RESERVATION_ID}}</a></td><td>{{CUSTOMER}}</td><td>{{KIND:x-words}}</td><td>{{TEXT}}</td><td class="nowrap">{{CREATED_AT:x-datetime}}</td></tr>{{/ITEMS}}</tbody>
</table></div>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
