{{%AUTOESCAPE context="HTML"}}{{#HAS_DETAIL}}<div class="error-summary" role="alert" tabindex="-1" autofocus>
<h2>There is a problem</h2>
<p>{{DETAIL}}</p>
{{#HAS_ERRORS}}<ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{LABEL}} {{MESSAGE}}</a></li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}
</div>{{/HAS_DETAIL}}
