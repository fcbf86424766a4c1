{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{FORM_ROOM_ID}}">The room</a></p>
<h1>Book</h1>
{{>ERROR_SUMMARY}}
{{>BOOKING_FORM}}
{{>FOOTER}}
