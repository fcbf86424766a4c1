{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Cancel reservation {{ID}}?</h1>
<p class="lead">{{#HAS_ROOM_NAME}}{{ROOM_NAME}}{{/HAS_ROOM_NAME}}{{#NO_ROOM_NAME}}Room {{ROOM_ID}}{{/NO_ROOM_NAME}}, {{CHECK_IN:x-date}} to {{CHECK_OUT:x-date}}, {{GUESTS:x-plural=guest}}. The payment of {{AMOUNT:x-money}} is refunded in full.</p>
{{#IF_CAN_CANCEL}}<form method="post" action="/reservations/{{ID}}/cancel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="/mypage">
<button type="submit" class="danger">Yes, cancel it</button>
<a href="/reservations/{{ID}}">No, keep it</a>
</form>{{/IF_CAN_CANCEL}}
{{#UNLESS_CAN_CANCEL}}<p>This reservation can no longer be cancelled. <a href="/reservations/{{ID}}">Back to it</a></p>{{/UNLESS_CAN_CANCEL}}
{{>FOOTER}}
