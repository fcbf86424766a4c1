{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Forgotten password</h1>
{{>ERROR_SUMMARY}}
{{#IF_LINK_GONE}}<div class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="gone-h">
<h2 id="gone-h">This link does not work</h2>
<p>It has expired (a link works for {{LINK_MINUTES}} minutes), or it was used already, or the password was changed since. Ask for a new link below.</p>
</div>{{/IF_LINK_GONE}}
{{#IF_MAIL_OFF}}<p class="lead">This site sends no e-mail, so it cannot send you a link to choose a new password. Ask the site's operator to reset it for you.</p>{{/IF_MAIL_OFF}}
{{#UNLESS_MAIL_OFF}}<p class="lead">Type the email address of your account. We will e-mail you a link to choose a new password.</p>
<form method="post" action="/password-reset" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<div class="field{{#HAS_ERR_EMAIL}} invalid{{/HAS_ERR_EMAIL}}">
<label for="email" class="required">Email</label>
{{#HAS_ERR_EMAIL}}<p class="field-error" id="email-error"><span class="visually-hidden">Error:</span> {{ERR_EMAIL}}</p>{{/HAS_ERR_EMAIL}}
<input type="email" id="email" name="email" value="{{FORM_EMAIL}}" autocomplete="username" maxlength="254" required{{#HAS_ERR_EMAIL}} aria-invalid="true" aria-describedby="email-error"{{/HAS_ERR_EMAIL}}>
</div>
<button type="submit" class="primary">Send me a link</button>
</form>{{/UNLESS_MAIL_OFF}}
<p class="aside">Remembered it? <a href="/sign-in">Sign in</a>.</p>
</div>
{{>FOOTER}}
