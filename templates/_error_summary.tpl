{{%AUTOESCAPE context="HTML"}}{{#HAS_DETAIL}}<div class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="error-summary-h">
<h2 id="error-summary-h">There is a problem</h2>
{{#NO_FIELD_ERRORS}}<p>{{DETAIL}}</p>{{/NO_FIELD_ERRORS}}
{{#HAS_ERRORS}}<ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{TEXT}}</a></li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}
</div>{{/HAS_DETAIL}}
