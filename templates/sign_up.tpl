{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Create an account</h1>
<p class="lead">{{#IF_TO_BOOK}}Create an account to book your stay; what you chose is kept. {{/IF_TO_BOOK}}One account to book rooms and to host your own.</p>
{{>ERROR_SUMMARY}}
<form method="post" action="/sign-up" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="{{FORM_NEXT}}">
<p class="hint">Fields marked <span class="req">*</span> are required.</p>
<div class="field{{#HAS_ERR_NAME}} invalid{{/HAS_ERR_NAME}}">
<label for="name">Your name</label>
<p class="hint" id="name-hint">Optional: shown to hosts on your bookings.</p>
{{#HAS_ERR_NAME}}<p class="field-error" id="name-error"><span class="visually-hidden">Error:</span> {{ERR_NAME}}</p>{{/HAS_ERR_NAME}}
<input type="text" id="name" name="name" value="{{FORM_NAME}}" autocomplete="name" maxlength="200" aria-describedby="name-hint{{#HAS_ERR_NAME}} name-error{{/HAS_ERR_NAME}}"{{#HAS_ERR_NAME}} aria-invalid="true"{{/HAS_ERR_NAME}}>
</div>
<div class="field{{#HAS_ERR_EMAIL}} invalid{{/HAS_ERR_EMAIL}}">
<label for="email" class="required">Email</label>
{{#HAS_ERR_EMAIL}}<p class="field-error" id="email-error"><span class="visually-hidden">Error:</span> {{ERR_EMAIL}}</p>{{/HAS_ERR_EMAIL}}
<input type="email" id="email" name="email" value="{{FORM_EMAIL}}" autocomplete="username" maxlength="254" required{{#HAS_ERR_EMAIL}} aria-invalid="true" aria-describedby="email-error"{{/HAS_ERR_EMAIL}}>
</div>
<div class="field{{#HAS_ERR_PASSWORD}} invalid{{/HAS_ERR_PASSWORD}}">
<label for="password" class="required">Password</label>
<p class="hint" id="password-hint">At least 10 characters; a few words you will remember work well.</p>
{{#HAS_ERR_PASSWORD}}<p class="field-error" id="password-error"><span class="visually-hidden">Error:</span> {{ERR_PASSWORD}}</p>{{/HAS_ERR_PASSWORD}}
<input type="password" id="password" name="password" autocomplete="new-password" minlength="10" required aria-describedby="password-hint{{#HAS_ERR_PASSWORD}} password-error{{/HAS_ERR_PASSWORD}}"{{#HAS_ERR_PASSWORD}} aria-invalid="true"{{/HAS_ERR_PASSWORD}}>
</div>
<button type="submit" class="primary">Create account</button>
</form>
<p class="aside">Already have an account? <a href="/sign-in?next={{FORM_NEXT:u}}">Sign in</a>.</p>
</div>
{{>FOOTER}}
