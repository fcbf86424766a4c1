{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Tickets</h1>
{{#NO_ITEMS}}<p>No tickets.</p>{{/NO_ITEMS}}
{{#HAS_ITEMS}}<div class="scroll"><table class="list">
<thead><tr><th scope="col">Ticket</th><th scope="col">Reservation</th><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Issued</th></tr></thead>
<tbody>{{#ITEMS}}<tr data-ticket-id="{{ID}}" data-status="{{STATUS}}"><td><a href="/tickets/{{ID}}">{{ID}}</a></td><td><a href="/reservations/{{RESERVATION_ID}}">{{RESERVATION_ID}}</a></td><td><code class="ticket-code">{{CODE}}</code></td><td>{{STATUS:x-words}}</td><td class="nowrap">{{CREATED_AT:x-datetime}}</td></tr>{{/ITEMS}}</tbody>
</table></div>{{/HAS_ITEMS}}
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
