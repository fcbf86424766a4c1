{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Choose a new password</h1>
<p class="lead">Once it is saved, you are signed in here, and every other browser signed in to your account is signed out.</p>
{{>ERROR_SUMMARY}}
<form method="post" action="/password-reset/new" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{RESET_TOKEN}}">
<div class="field{{#HAS_ERR_NEW_PASSWORD}} invalid{{/HAS_ERR_NEW_PASSWORD}}">
<label for="newPassword" class="required">New password</label>
<p class="hint" id="newPassword-hint">At least 10 characters; a few words you will remember work well.</p>
{{#HAS_ERR_NEW_PASSWORD}}<p class="field-error" id="newPassword-error"><span class="visually-hidden">Error:</span> {{ERR_NEW_PASSWORD}}</p>{{/HAS_ERR_NEW_PASSWORD}}
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" minlength="10" required aria-describedby="newPassword-hint{{#HAS_ERR_NEW_PASSWORD}} newPassword-error{{/HAS_ERR_NEW_PASSWORD}}"{{#HAS_ERR_NEW_PASSWORD}} aria-invalid="true"{{/HAS_ERR_NEW_PASSWORD}}>
</div>
<button type="submit" class="primary">Save password</button>
</form>
</div>
{{>FOOTER}}
