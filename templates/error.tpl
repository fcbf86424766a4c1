{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>{{TITLE}}</h1>
<p class="lead detail">{{DETAIL}}</p>
{{#HAS_ERRORS}}<ul class="errors">{{#ERRORS}}<li>{{TEXT}}</li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}
<p><a href="/rooms">Back to the rooms</a></p>
{{>FOOTER}}
