{{! The plain-text part of a message's e-mail (text/plain): nothing in plain text needs escaping, so no AUTOESCAPE pragma; no header comes from a template (lib/mail.c writes them). Fields: messages.c email_model. }}Hello {{NAME}},

{{#KIND_CONFIRMATION}}Your booking is confirmed.{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}Your booking is cancelled.{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}Your booking is cancelled: the host has withdrawn the room.{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}Your booking could not be completed, and nothing is booked.{{/KIND_BOOKING_FAILED}}

{{#HAS_REFERENCE}}Reference:  {{REFERENCE}}
{{/HAS_REFERENCE}}Room:       {{ROOM_NAME}}
Check-in:   {{CHECK_IN_TEXT}}
Check-out:  {{CHECK_OUT_TEXT}} ({{NIGHTS_TEXT}})
Guests:     {{GUESTS_TEXT}}
{{#HAS_AMOUNT_TEXT}}Total:      {{AMOUNT_TEXT}}
{{/HAS_AMOUNT_TEXT}}Guest name: {{CUSTOMER}}

{{#KIND_CONFIRMATION}}You can cancel up to and including the check-in day, {{CHECK_IN_TEXT}}, from My bookings{{#UNLESS_FREE}}; the payment is then refunded in full{{/UNLESS_FREE}}.
The attached calendar file (.ics) adds the stay to your calendar.
{{/KIND_CONFIRMATION}}{{#KIND_CANCELLATION}}{{#IF_FREE}}The stay was free: there is nothing to refund.{{/IF_FREE}}{{#UNLESS_FREE}}Your payment is refunded in full; your bank may take a few days to show it.{{/UNLESS_FREE}}
{{/KIND_CANCELLATION}}{{#KIND_FORCE_CANCELLATION}}{{#IF_FREE}}The stay was free: there is nothing to refund.{{/IF_FREE}}{{#UNLESS_FREE}}Your payment is refunded in full; your bank may take a few days to show it.{{/UNLESS_FREE}} We are sorry.
{{/KIND_FORCE_CANCELLATION}}{{#KIND_BOOKING_FAILED}}{{#UNLESS_FREE}}Any payment is refunded in full. {{/UNLESS_FREE}}Book again if you still want the stay.
{{/KIND_BOOKING_FAILED}}{{#HAS_LINK}}
Your booking: {{LINK}}
{{/HAS_LINK}}
Roombook
