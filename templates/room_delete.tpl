{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Delete {{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}room {{ID}}{{/NO_NAME}}?</h1>
<p class="lead">The room disappears from the listings. Every active reservation of it is cancelled and refunded, and its guests are told.</p>
<form method="post" action="/rooms/{{ID}}/delete" class="confirm">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger">Yes, delete this room</button>
<a href="/rooms/{{ID}}">No, keep it</a>
</form>
{{>FOOTER}}
