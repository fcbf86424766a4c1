{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#ROOM}}<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></p>
<h1>Availability of {{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}room {{ID}}{{/NO_NAME}}</h1>{{/ROOM}}
<form method="get" class="inline">
<label for="from">From</label> <input type="date" id="from" name="from">
<label for="to">To</label> <input type="date" id="to" name="to">
<button type="submit">Show</button>
</form>
<table class="availability">
<thead><tr><th scope="col">Night</th><th scope="col">Capacity</th><th scope="col">Booked</th><th scope="col">Left</th></tr></thead>
<tbody>{{#DAYS}}<tr><th scope="row" class="nowrap">{{DATE:x-date}}</th><td>{{CAPACITY}}</td><td>{{HELD}}</td><td>{{AVAILABLE}}</td></tr>{{/DAYS}}</tbody>
</table>
{{>FOOTER}}
