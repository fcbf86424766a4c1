{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Your account</h1>
{{>ERROR_SUMMARY}}
<dl class="facts">
<dt>Name</dt><dd>{{NAME}} <a href="/account/edit">Change<span class="visually-hidden"> your name</span></a></dd>
<dt>Email</dt><dd>{{EMAIL}} <a href="/account/email">Change<span class="visually-hidden"> your email</span></a></dd>
<dt>Member since</dt><dd>{{MEMBER_SINCE:x-date}}</dd>
<dt>Password</dt><dd><a href="/account/password">Change your password</a></dd>
</dl>
<p><a href="/mypage">My bookings</a> · <a href="/roomviews">Rooms you host</a></p>
{{#HAS_OTHER_SESSIONS}}<section aria-labelledby="ses-h">
<h2 id="ses-h">Signed in elsewhere</h2>
<p>Besides this browser, your account has {{OTHER_SESSIONS:x-plural=other session}} signed in: another browser, or a script that signed in with your password. Lost a phone, or signed in on a shared computer? End them all at once.</p>
<form method="post" action="/account/sign-out-others" class="inline"><input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}"><button type="submit">Sign out everywhere else</button></form>
</section>{{/HAS_OTHER_SESSIONS}}
<section aria-labelledby="tok-h">
<h2 id="tok-h">API tokens</h2>
<p>Scripts use a token as <code>Authorization: Bearer &lt;token&gt;</code>. A token works until you revoke it.</p>
{{#HAS_TOKENS}}<ul class="tokens">{{#TOKENS}}<li>{{NAME}} <small>created {{CREATED_AT:x-datetime}}, {{#HAS_LAST_USED_AT}}last used {{LAST_USED_AT:x-datetime}}{{/HAS_LAST_USED_AT}}{{#NO_LAST_USED_AT}}never used{{/NO_LAST_USED_AT}}</small>
<form method="post" action="/account/tokens/{{ID}}/delete" class="inline"><input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}"><button type="submit">Revoke<span class="visually-hidden"> {{NAME}}</span></button></form></li>{{/TOKENS}}</ul>{{/HAS_TOKENS}}
<form method="post" action="/account/tokens" class="booking" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<div class="field{{#HAS_ERR_NAME}} invalid{{/HAS_ERR_NAME}}">
<label for="name" class="required">Token name</label>
{{#HAS_ERR_NAME}}<p class="field-error" id="name-error"><span class="visually-hidden">Error:</span> {{ERR_NAME}}</p>{{/HAS_ERR_NAME}}
<input type="text" id="name" name="name" maxlength="100" value="{{FORM_NAME}}" required{{#HAS_ERR_NAME}} aria-invalid="true" aria-describedby="name-error"{{/HAS_ERR_NAME}}>
</div>
<button type="submit">Create token</button>
</form>
</section>
{{>FOOTER}}
