{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>{{TITLE}}</h1>
<p class="lead">{{DETAIL}}</p>
{{#ERRORS}}<ul class="errors"><li>{{FIELD}}: {{MESSAGE}}</li></ul>{{/ERRORS}}
<p><a href="/rooms">Back to the rooms</a></p>
{{>FOOTER}}
