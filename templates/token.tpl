{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Your new API token</h1>
<p class="lead">Copy it now: it is shown this once.</p>
<p><code class="token">{{TOKEN}}</code></p>
<p>Name: {{NAME}}</p>
<p><a href="/account">Back to your account</a></p>
{{>FOOTER}}
