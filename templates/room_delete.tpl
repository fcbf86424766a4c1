{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Delete {{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}room {{ID}}{{/NO_NAME}}?</h1>
<p class="lead">The room disappears from the listings.</p>
{{#HAS_STAYS_AHEAD}}<p class="warning stays-ahead"><strong>{{STAYS_AHEAD:x-plural=booking}} of it, current or upcoming, will be cancelled and refunded</strong>; each guest is told.</p>{{/HAS_STAYS_AHEAD}}
{{#NO_STAYS_AHEAD}}<p class="stays-ahead">It has no current or upcoming bookings: nobody is affected.</p>{{/NO_STAYS_AHEAD}}
{{#IF_STAYS_AHEAD_UNKNOWN}}<p class="warning stays-ahead"><strong>Its current and upcoming bookings will be cancelled and refunded</strong>; each guest is told.</p>{{/IF_STAYS_AHEAD_UNKNOWN}}
<form method="post" action="/rooms/{{ID}}/delete" class="confirm">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger">Yes, delete this room</button>
<a href="/rooms/{{ID}}">No, keep it</a>
</form>
{{>FOOTER}}
