{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>My bookings</h1>
{{#HAS_CUSTOMER}}<p class="lead">Hello, {{CUSTOMER}}. Your reservations, tickets and messages, newest first.</p>{{/HAS_CUSTOMER}}
{{>ERROR_SUMMARY}}
<section aria-labelledby="res-h">
<h2 id="res-h">Reservations</h2>
{{#NO_RESERVATIONS}}<p>No reservations yet. <a href="/rooms">Find a room</a>.</p>{{/NO_RESERVATIONS}}
{{#HAS_RESERVATIONS}}<div class="scroll"><table class="reservations list">
<thead><tr><th scope="col">Reservation</th><th scope="col">Stay</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Ticket</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
{{#RESERVATIONS}}<tr data-reservation-id="{{RESERVATION_ID}}" data-status="{{STATUS}}">
<td><a href="/reservations/{{RESERVATION_ID}}">#{{RESERVATION_ID}}</a> {{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}</td>
<td class="nowrap">{{CHECK_IN}} –<br>{{CHECK_OUT}}<br><small>{{GUESTS}} guest(s)</small></td>
<td class="nowrap">{{AMOUNT:x-money}}</td>
<td><span class="status status-{{STATUS}}">{{#STATUS_CONFIRMED}}Confirmed{{/STATUS_CONFIRMED}}{{#STATUS_REJECTED}}Not booked{{/STATUS_REJECTED}}{{#STATUS_FAILED}}Not booked{{/STATUS_FAILED}}{{#STATUS_CANCELLED}}Cancelled{{/STATUS_CANCELLED}}{{#STATUS_FORCE_CANCELLED}}Cancelled by the host{{/STATUS_FORCE_CANCELLED}}</span><br><small>Payment: <span class="payment-status">{{#HAS_PAYMENT_STATUS}}{{PAYMENT_STATUS}}{{/HAS_PAYMENT_STATUS}}{{#NO_PAYMENT_STATUS}}none{{/NO_PAYMENT_STATUS}}</span></small></td>
<td class="ticket">{{#HAS_TICKET_CODE}}<code class="ticket-code">{{TICKET_CODE}}</code><br><small class="ticket-status">{{TICKET_STATUS}}</small>{{/HAS_TICKET_CODE}}</td>
<td>{{#IF_CAN_CANCEL}}<a href="/reservations/{{RESERVATION_ID}}/cancel">Cancel<span class="visually-hidden"> reservation {{RESERVATION_ID}}</span></a>{{/IF_CAN_CANCEL}}</td>
</tr>
{{/RESERVATIONS}}</tbody>
</table></div>{{/HAS_RESERVATIONS}}
{{#HAS_NEXT_CURSOR}}<p class="pager"><a rel="next" href="/mypage?cursor={{NEXT_CURSOR}}">Older reservations</a></p>{{/HAS_NEXT_CURSOR}}
</section>
<section aria-labelledby="msg-h">
<h2 id="msg-h">Messages</h2>
{{#NO_MESSAGES}}<p>No messages.</p>{{/NO_MESSAGES}}
<ul class="messages">{{#MESSAGES}}<li class="kind-{{KIND}}"><span class="when">{{CREATED_AT}}</span> {{TEXT}}</li>{{/MESSAGES}}</ul>
</section>
{{>FOOTER}}
