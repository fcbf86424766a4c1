{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="auth">
<h1>Confirm your new email</h1>
{{#IF_LINK_GONE}}<div class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="gone-h">
<h2 id="gone-h">This link does not work</h2>
<p>It has expired, or it was used already, or another change was made since. You can ask for a new link from <a href="/account">your account page</a>.</p>
</div>{{/IF_LINK_GONE}}
{{#UNLESS_LINK_GONE}}{{>ERROR_SUMMARY}}
<p class="lead">Make {{NEW_EMAIL}} your account's email? E-mails about your bookings, and links to choose a new password, will go there.</p>
<form method="post" action="/account/email/confirm" novalidate class="panel">
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{CHANGE_TOKEN}}">
<button type="submit" class="primary">Confirm the new email</button>
</form>{{/UNLESS_LINK_GONE}}
</div>
{{>FOOTER}}
