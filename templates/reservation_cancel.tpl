{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#IF_CAN_CANCEL}}<h1>Cancel your booking at {{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}room {{ROOM_ID}}{{/NO_ROOM_NAME}}?</h1>
<p class="lead">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}} ({{NIGHTS:x-plural=night}}), {{GUESTS:x-plural=guest}}. {{#UNLESS_FREE}}The payment of {{AMOUNT:x-money}} is refunded in full.{{/UNLESS_FREE}}{{#IF_FREE}}The stay was free: there is nothing to refund.{{/IF_FREE}}</p>
<form method="post" action="/reservations/{{ID}}/cancel" class="confirm">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="/mypage">
<button type="submit" class="danger">Yes, cancel it</button>
<a href="/reservations/{{ID}}">No, keep it</a>
</form>{{/IF_CAN_CANCEL}}
{{#UNLESS_CAN_CANCEL}}<h1>Your booking at {{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}room {{ROOM_ID}}{{/NO_ROOM_NAME}}</h1>
<p class="lead">{{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}} ({{NIGHTS:x-plural=night}}), {{GUESTS:x-plural=guest}}.</p>
<p>{{#IF_WAS_CANCELLED}}This booking is already cancelled{{#UNLESS_FREE}}{{#PAYMENT_STATUS_REFUNDED}}; its payment of {{AMOUNT:x-money}} was refunded{{/PAYMENT_STATUS_REFUNDED}}{{#PAYMENT_STATUS_APPROVED}}; the refund of {{AMOUNT:x-money}} is on its way{{/PAYMENT_STATUS_APPROVED}}{{/UNLESS_FREE}}.{{/IF_WAS_CANCELLED}}{{#STATUS_CONFIRMED}}This booking can no longer be cancelled: a booking can be cancelled until the end of its check-in day, {{CHECK_IN:x-date}}.{{/STATUS_CONFIRMED}}{{#STATUS_REJECTED}}This booking did not go through: there is nothing to cancel.{{/STATUS_REJECTED}}{{#STATUS_FAILED}}This booking did not go through: there is nothing to cancel.{{/STATUS_FAILED}}{{#STATUS_REQUESTED}}This booking is still being completed: reload this page in a moment.{{/STATUS_REQUESTED}} <a href="/reservations/{{ID}}">Back to it</a></p>{{/UNLESS_CAN_CANCEL}}
{{>FOOTER}}
