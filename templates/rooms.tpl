{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Rooms</h1>
<p class="lead">Rooms, halls and houses with space left. Pick one to see its calendar and book.</p>
{{#NO_ITEMS}}<p>No rooms yet. <a href="/rooms/new">Host the first one</a>.</p>{{/NO_ITEMS}}
<ul class="cards">
{{#ITEMS}}<li class="card">
<h2><a href="/rooms/{{ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></h2>
<p>{{DESC}}</p>
<dl class="facts">
<dt>Price</dt><dd>{{PRICE:x-money}} per guest per night</dd>
<dt>Capacity</dt><dd>{{CAPACITY:x-plural=place}} per night</dd>
<dt>Rating</dt><dd>{{#HAS_RATING}}{{RATING}} / 5 ({{REVIEW_CNT:x-plural=review}}){{/HAS_RATING}}{{#NO_RATING}}no ratings yet{{/NO_RATING}}</dd>
</dl>
</li>{{/ITEMS}}
</ul>
{{#HAS_NEXT_HREF}}<p class="pager"><a rel="next" href="{{NEXT_HREF}}">Next page</a></p>{{/HAS_NEXT_HREF}}
{{>FOOTER}}
