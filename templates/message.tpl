{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/messages">Messages</a></p>
<h1>Message {{ID}}</h1>
<dl class="facts" data-message-id="{{ID}}">
<dt>Reservation</dt><dd><a href="/reservations/{{RESERVATION_ID}}">Reservation {{RESERVATION_ID}}</a></dd>
<dt>To</dt><dd>{{CUSTOMER}}</dd>
<dt>Kind</dt><dd>{{KIND:x-words}}</dd>
<dt>Sent</dt><dd>{{CREATED_AT:x-datetime}}</dd>
</dl>
<p class="message">{{TEXT}}</p>
{{>FOOTER}}
