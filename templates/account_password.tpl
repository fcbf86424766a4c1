{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Change your password</h1>
<p class="lead">Every other browser signed in to your account is signed out{{#IF_MAIL_ON}}, and we e-mail you that the password was changed{{/IF_MAIL_ON}}. API tokens keep working: revoke any you do not recognise on <a href="/account">your account</a>.</p>
{{>ERROR_SUMMARY}}
<p class="hint">Fields marked <span class="req">*</span> are required.</p>
<form method="post" action="/account/password" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<div class="field{{#HAS_ERR_CURRENT_PASSWORD}} invalid{{/HAS_ERR_CURRENT_PASSWORD}}">
<label for="currentPassword" class="required">Current password</label>
{{#HAS_ERR_CURRENT_PASSWORD}}<p class="field-error" id="currentPassword-error"><span class="visually-hidden">Error:</span> {{ERR_CURRENT_PASSWORD}}</p>{{/HAS_ERR_CURRENT_PASSWORD}}
<input type="password" id="currentPassword" name="currentPassword" autocomplete="current-password" required{{#HAS_ERR_CURRENT_PASSWORD}} aria-invalid="true" aria-describedby="currentPassword-error"{{/HAS_ERR_CURRENT_PASSWORD}}>
</div>
<div class="field{{#HAS_ERR_NEW_PASSWORD}} invalid{{/HAS_ERR_NEW_PASSWORD}}">
<label for="newPassword" class="required">New password</label>
<p class="hint" id="newPassword-hint">At least 10 characters; a few words you will remember work well.</p>
{{#HAS_ERR_NEW_PASSWORD}}<p class="field-error" id="newPassword-error"><span class="visually-hidden">Error:</span> {{ERR_NEW_PASSWORD}}</p>{{/HAS_ERR_NEW_PASSWORD}}
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" minlength="10" required aria-describedby="newPassword-hint{{#HAS_ERR_NEW_PASSWORD}} newPassword-error{{/HAS_ERR_NEW_PASSWORD}}"{{#HAS_ERR_NEW_PASSWORD}} aria-invalid="true"{{/HAS_ERR_NEW_PASSWORD}}>
</div>
<button type="submit" class="primary">Change password</button>
</form>
<p class="aside"><a href="/account">Back to your account</a></p>
</div>
{{>FOOTER}}
