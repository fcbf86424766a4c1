{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Sign in</h1>
{{#IF_TO_BOOK}}<p class="lead">Sign in to book your stay; what you chose is kept.</p>{{/IF_TO_BOOK}}
{{>ERROR_SUMMARY}}
<form method="post" action="/sign-in" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_next" value="{{FORM_NEXT}}">
<div class="field{{#HAS_ERR_EMAIL}} invalid{{/HAS_ERR_EMAIL}}">
<label for="email" class="required">Email</label>
{{#HAS_ERR_EMAIL}}<p class="field-error" id="email-error"><span class="visually-hidden">Error:</span> {{ERR_EMAIL}}</p>{{/HAS_ERR_EMAIL}}
<input type="email" id="email" name="email" value="{{FORM_EMAIL}}" autocomplete="username" maxlength="254" required{{#HAS_ERR_EMAIL}} aria-invalid="true" aria-describedby="email-error"{{/HAS_ERR_EMAIL}}>
</div>
<div class="field{{#HAS_ERR_PASSWORD}} invalid{{/HAS_ERR_PASSWORD}}">
<label for="password" class="required">Password</label>
{{#HAS_ERR_PASSWORD}}<p class="field-error" id="password-error"><span class="visually-hidden">Error:</span> {{ERR_PASSWORD}}</p>{{/HAS_ERR_PASSWORD}}
<input type="password" id="password" name="password" autocomplete="current-password" required{{#HAS_ERR_PASSWORD}} aria-invalid="true" aria-describedby="password-error"{{/HAS_ERR_PASSWORD}}>
</div>
<button type="submit" class="primary">Sign in</button>
</form>
<p class="aside"><a href="/password-reset">Forgotten your password?</a></p>
<p class="aside">New to Roombook? <a href="/sign-up?next={{FORM_NEXT:u}}">Create an account</a>.</p>
</div>
{{>FOOTER}}
