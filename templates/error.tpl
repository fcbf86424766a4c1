{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>{{TITLE}}</h1>
{{#NO_FIELD_ERRORS}}<p class="lead detail">{{DETAIL}}</p>{{/NO_FIELD_ERRORS}}
{{#HAS_ERRORS}}<ul class="lead errors">{{#ERRORS}}<li>{{TEXT}}</li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}
<p><a href="/rooms">Back to the rooms</a></p>
{{>FOOTER}}
