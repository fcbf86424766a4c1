{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs no-print"><a href="/tickets">Your tickets</a></p>
<article class="ticket-sheet" data-ticket-id="{{ID}}" data-status="{{STATUS}}">
<div class="ticket-text">
<p class="kicker">Admission ticket</p>
<h1>{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Ticket {{ID}}{{/NO_ROOM_NAME}}</h1>
{{#STATUS_VOIDED}}<p class="voided" role="status">This ticket was voided: its booking was cancelled, so it no longer admits anyone.</p>{{/STATUS_VOIDED}}
<dl class="facts">
{{#HAS_CHECK_IN}}<dt>Check-in</dt><dd class="nowrap">{{CHECK_IN:x-date}}</dd>{{/HAS_CHECK_IN}}
{{#HAS_CHECK_OUT}}<dt>Check-out</dt><dd class="nowrap">{{CHECK_OUT:x-date}}</dd>{{/HAS_CHECK_OUT}}
{{#HAS_NIGHTS}}<dt>Nights</dt><dd>{{NIGHTS:x-plural=night}}</dd>{{/HAS_NIGHTS}}
{{#HAS_GUESTS}}<dt>Guests</dt><dd>{{GUESTS:x-plural=guest}}</dd>{{/HAS_GUESTS}}
{{#HAS_CUSTOMER}}<dt>Guest name</dt><dd>{{CUSTOMER}}</dd>{{/HAS_CUSTOMER}}
<dt>Booking reference</dt><dd>{{#HAS_REFERENCE}}<strong class="reference">{{REFERENCE}}</strong>{{/HAS_REFERENCE}}{{#NO_REFERENCE}}<a href="/reservations/{{RESERVATION_ID}}">Reservation {{RESERVATION_ID}}</a>{{/NO_REFERENCE}}</dd>
<dt>Ticket code</dt><dd>{{#HAS_CODE}}<code class="ticket-code">{{CODE}}</code>{{/HAS_CODE}}{{#IF_CODE_HIDDEN}}<span class="pending">shown to the guest only</span>{{/IF_CODE_HIDDEN}}</dd>
<dt>Status</dt><dd class="ticket-status">{{#STATUS_ISSUED}}Valid{{/STATUS_ISSUED}}{{#STATUS_VOIDED}}Voided{{/STATUS_VOIDED}}</dd>
</dl>
</div>
{{#HAS_QR_SVG}}<figure class="ticket-qr">
<div class="qr" role="img" aria-label="QR code of the ticket code {{CODE}}">{{! QR_SVG is markup lib/qr.c drew from the QR modules of our own code: tags and numbers only, never text anyone typed (view.cc sets it from c->res->qr_svg alone), so it is the one value shown unescaped. }}{{QR_SVG:none}}</div>
<figcaption>Show this code at check-in</figcaption>
</figure>{{/HAS_QR_SVG}}
</article>
{{#HAS_QR_SVG}}<p class="no-print hint">To take it on paper, print this page: it prints as the ticket alone, black on white. The QR code is also <a href="/tickets/{{ID}}/qr.svg">an image of its own</a>.</p>{{/HAS_QR_SVG}}
<p class="no-print"><a href="/reservations/{{RESERVATION_ID}}">The booking</a></p>
{{>FOOTER}}
