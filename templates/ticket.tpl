{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/tickets">Tickets</a></p>
<h1>Ticket {{ID}}</h1>
<dl class="facts" data-ticket-id="{{ID}}" data-status="{{STATUS}}">
<dt>Reservation</dt><dd><a href="/reservations/{{RESERVATION_ID}}">Reservation {{RESERVATION_ID}}</a></dd>
<dt>Code</dt><dd><code class="ticket-code">{{CODE}}</code></dd>
<dt>Status</dt><dd class="ticket-status">{{STATUS:x-words}}</dd>
<dt>Issued</dt><dd>{{CREATED_AT:x-datetime}}</dd>
<dt>Updated</dt><dd>{{UPDATED_AT:x-datetime}}</dd>
</dl>
{{>FOOTER}}
