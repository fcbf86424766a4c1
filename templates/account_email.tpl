{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Change your email</h1>
{{#IF_MAIL_OFF}}<p class="lead">Your account's email is {{CURRENT_EMAIL}}. This site sends no e-mail, so it cannot confirm a new address: ask the site's operator to change it for you.</p>{{/IF_MAIL_OFF}}
{{#UNLESS_MAIL_OFF}}<p class="lead">Your account's email is {{CURRENT_EMAIL}}. We e-mail a link to the new address; it becomes your account's email when you open the link, and we tell the old address that it changed.</p>
{{>ERROR_SUMMARY}}
<p class="hint">Fields marked <span class="req">*</span> are required.</p>
<form method="post" action="/account/email" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<div class="field{{#HAS_ERR_EMAIL}} invalid{{/HAS_ERR_EMAIL}}">
<label for="email" class="required">New email</label>
{{#HAS_ERR_EMAIL}}<p class="field-error" id="email-error"><span class="visually-hidden">Error:</span> {{ERR_EMAIL}}</p>{{/HAS_ERR_EMAIL}}
<input type="email" id="email" name="email" value="{{FORM_EMAIL}}" autocomplete="email" maxlength="254" required{{#HAS_ERR_EMAIL}} aria-invalid="true" aria-describedby="email-error"{{/HAS_ERR_EMAIL}}>
</div>
<div class="field{{#HAS_ERR_CURRENT_PASSWORD}} invalid{{/HAS_ERR_CURRENT_PASSWORD}}">
<label for="currentPassword" class="required">Current password</label>
{{#HAS_ERR_CURRENT_PASSWORD}}<p class="field-error" id="currentPassword-error"><span class="visually-hidden">Error:</span> {{ERR_CURRENT_PASSWORD}}</p>{{/HAS_ERR_CURRENT_PASSWORD}}
<input type="password" id="currentPassword" name="currentPassword" autocomplete="current-password" required{{#HAS_ERR_CURRENT_PASSWORD}} aria-invalid="true" aria-describedby="currentPassword-error"{{/HAS_ERR_CURRENT_PASSWORD}}>
</div>
<button type="submit" class="primary">Send the link</button>
</form>{{/UNLESS_MAIL_OFF}}
<p class="aside"><a href="/account">Back to your account</a></p>
</div>
{{>FOOTER}}
