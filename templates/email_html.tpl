{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{SUBJECT}}</title>
</head>
<body>
<p>Hello {{NAME}},</p>
<h1>{{#KIND_CONFIRMATION}}Booking confirmed{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}Booking cancelled{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}Booking cancelled by the host{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}Booking not completed{{/KIND_BOOKING_FAILED}}</h1>
<p>{{#KIND_CONFIRMATION}}Your booking is confirmed.{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}Your booking is cancelled.{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}Your booking is cancelled: the host has withdrawn the room.{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}Your booking could not be completed, and nothing is booked.{{/KIND_BOOKING_FAILED}}</p>
<table role="presentation">
{{#HAS_REFERENCE}}<tr><th scope="row" align="left">Reference</th><td>{{REFERENCE}}</td></tr>
{{/HAS_REFERENCE}}<tr><th scope="row" align="left">Room</th><td>{{ROOM_NAME}}</td></tr>
<tr><th scope="row" align="left">Check-in</th><td>{{CHECK_IN_TEXT}}</td></tr>
<tr><th scope="row" align="left">Check-out</th><td>{{CHECK_OUT_TEXT}} ({{NIGHTS_TEXT}})</td></tr>
<tr><th scope="row" align="left">Guests</th><td>{{GUESTS_TEXT}}</td></tr>
{{#HAS_AMOUNT_TEXT}}<tr><th scope="row" align="left">Total</th><td>{{AMOUNT_TEXT}}</td></tr>
{{/HAS_AMOUNT_TEXT}}<tr><th scope="row" align="left">Guest name</th><td>{{CUSTOMER}}</td></tr>
</table>
{{#KIND_CONFIRMATION}}<p>You can cancel up to and including the check-in day, {{CHECK_IN_TEXT}}, from My bookings{{#UNLESS_FREE}}; the payment is then refunded in full{{/UNLESS_FREE}}.</p>
<p>The attached calendar file (.ics) adds the stay to your calendar.</p>
{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}<p>{{#IF_FREE}}The stay was free: there is nothing to refund.{{/IF_FREE}}{{#UNLESS_FREE}}Your payment is refunded in full; your bank may take a few days to show it.{{/UNLESS_FREE}}</p>
{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}<p>{{#IF_FREE}}The stay was free: there is nothing to refund.{{/IF_FREE}}{{#UNLESS_FREE}}Your payment is refunded in full; your bank may take a few days to show it.{{/UNLESS_FREE}} We are sorry.</p>
{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}<p>{{#UNLESS_FREE}}Any payment is refunded in full. {{/UNLESS_FREE}}Book again if you still want the stay.</p>
{{/KIND_BOOKING_FAILED}}{{#HAS_LINK}}<p><a href="{{LINK}}">See your booking</a></p>
{{/HAS_LINK}}<p>Roombook</p>
</body>
</html>
