{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#ROOM}}<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></p>
<h1>Availability of {{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}room {{ID}}{{/NO_NAME}}</h1>{{/ROOM}}
{{>ERROR_SUMMARY}}
<form class="search panel" method="get" novalidate>
<div class="field{{#HAS_ERR_FROM}} invalid{{/HAS_ERR_FROM}}">
<label for="from">From</label>
{{#HAS_ERR_FROM}}<p class="field-error" id="from-error"><span class="visually-hidden">Error:</span> {{ERR_FROM}}</p>{{/HAS_ERR_FROM}}
<input type="date" id="from" name="from" value="{{FORM_FROM}}"{{#HAS_ERR_FROM}} aria-invalid="true" aria-describedby="from-error"{{/HAS_ERR_FROM}}>
</div>
<div class="field{{#HAS_ERR_TO}} invalid{{/HAS_ERR_TO}}">
<label for="to">To</label>
{{#HAS_ERR_TO}}<p class="field-error" id="to-error"><span class="visually-hidden">Error:</span> {{ERR_TO}}</p>{{/HAS_ERR_TO}}
<input type="date" id="to" name="to" value="{{FORM_TO}}"{{#HAS_ERR_TO}} aria-invalid="true" aria-describedby="to-error"{{/HAS_ERR_TO}}>
</div>
<button type="submit">Show</button>
</form>
{{#HAS_ERRORS}}<p>Meanwhile, the next 30 nights:</p>{{/HAS_ERRORS}}
<div class="scroll"><table class="availability">
<thead><tr><th scope="col">Night</th><th scope="col">Capacity</th><th scope="col">Booked</th><th scope="col">Left</th></tr></thead>
<tbody>{{#DAYS}}<tr><th scope="row" class="nowrap">{{DATE:x-date}}</th><td>{{CAPACITY}}</td><td>{{HELD}}</td><td>{{AVAILABLE}}</td></tr>{{/DAYS}}</tbody>
</table></div>
{{>FOOTER}}
