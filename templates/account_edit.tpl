{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Change your name</h1>
<p class="lead">New bookings are made in this name unless you type another; bookings already made keep theirs.</p>
{{>ERROR_SUMMARY}}
<form method="post" action="/account/edit" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<div class="field{{#HAS_ERR_NAME}} invalid{{/HAS_ERR_NAME}}">
<label for="name" class="required">Name</label>
{{#HAS_ERR_NAME}}<p class="field-error" id="name-error"><span class="visually-hidden">Error:</span> {{ERR_NAME}}</p>{{/HAS_ERR_NAME}}
<input type="text" id="name" name="name" value="{{FORM_NAME}}" autocomplete="name" maxlength="100" required{{#HAS_ERR_NAME}} aria-invalid="true" aria-describedby="name-error"{{/HAS_ERR_NAME}}>
</div>
<button type="submit" class="primary">Save name</button>
</form>
<p class="aside"><a href="/account">Back to your account</a></p>
</div>
{{>FOOTER}}
