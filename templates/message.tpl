{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/messages">Messages</a></p>
<h1>Message {{ID}}</h1>
<dl class="facts" data-message-id="{{ID}}">
<dt>Reservation</dt><dd><a href="/reservations/{{RESERVATION_ID}}">Reservation {{RESERVATION_ID}}</a></dd>
<dt>To</dt><dd>{{CUSTOMER}}</dd>
<dt>Kind</dt><dd>{{#KIND_CONFIRMATION}}Confirmation{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}Cancellation{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}Cancelled by the host{{/KIND_FORCE_CANCELLATION}}</dd>
<dt>Sent</dt><dd>{{CREATED_AT}}</dd>
</dl>
<p class="message">{{TEXT}}</p>
{{>FOOTER}}
