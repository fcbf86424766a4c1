{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/messages">Messages</a></p>
<h1>{{KIND:x-words}}</h1>
<dl class="facts" data-message-id="{{ID}}">
<dt>Booking</dt><dd><a href="/reservations/{{RESERVATION_ID}}">{{#HAS_ROOM_NAME}}Stay at {{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Reservation {{RESERVATION_ID}}{{/NO_ROOM_NAME}}</a>{{#HAS_REFERENCE}} <small>(reference <span class="reference">{{REFERENCE}}</span>)</small>{{/HAS_REFERENCE}}</dd>
<dt>To</dt><dd>{{CUSTOMER}}</dd>
<dt>Written</dt><dd>{{CREATED_AT:x-datetime}}</dd>
<dt>E-mail</dt><dd class="delivery">{{#DELIVERY}}<span data-delivery-status="{{STATUS}}">{{#STATUS_SENT}}Sent {{SENT_AT:x-datetime}}{{/STATUS_SENT}}{{#STATUS_PENDING}}Not sent yet: on its way{{/STATUS_PENDING}}{{#STATUS_RETRYING}}Not sent yet: attempt {{ATTEMPTS}} failed ({{LAST_ERROR}}); trying again at {{NEXT_ATTEMPT_AT:x-datetime}}{{/STATUS_RETRYING}}{{#STATUS_FAILED}}Not sent: {{LAST_ERROR}} (after {{ATTEMPTS}} attempts){{/STATUS_FAILED}}{{#STATUS_OFF}}Not e-mailed: this site does not send e-mail{{/STATUS_OFF}}</span>{{/DELIVERY}}{{#NO_DELIVERY}}Not e-mailed{{/NO_DELIVERY}}</dd>
</dl>
<p class="message">{{TEXT}}</p>
{{>FOOTER}}
