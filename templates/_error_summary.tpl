{{%AUTOESCAPE context="HTML"}}{{#HAS_ERRORS}}<div class="error-summary" role="alert" tabindex="-1" autofocus>
<h2>There is a problem</h2>
<ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{FIELD}} {{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
