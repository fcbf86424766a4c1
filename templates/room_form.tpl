{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#HAS_ID}}<p class="crumbs"><a href="/rooms">Rooms</a> › <a href="/rooms/{{ID}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}Room {{ID}}{{/NO_NAME}}</a></p>{{/HAS_ID}}
<h1>{{TITLE}}</h1>
{{>ERROR_SUMMARY}}
<form method="post" action="{{ACTION}}" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_form" value="{{FORM_TOKEN}}">
{{#HAS_ID}}<input type="hidden" name="_version" value="{{FORM__VERSION}}">{{/HAS_ID}}
<p class="hint">Fields marked <span class="req">*</span> are required, and a name or a description.</p>
<div class="field{{#HAS_ERR_NAME}} invalid{{/HAS_ERR_NAME}}">
<label for="name">Name</label>
{{#HAS_ERR_NAME}}<p class="field-error" id="name-error"><span class="visually-hidden">Error:</span> {{ERR_NAME}}</p>{{/HAS_ERR_NAME}}
<input type="text" id="name" name="name" value="{{FORM_NAME}}" maxlength="200"{{#HAS_ERR_NAME}} aria-invalid="true" aria-describedby="name-error"{{/HAS_ERR_NAME}}>
</div>
<div class="field{{#HAS_ERR_DESC}} invalid{{/HAS_ERR_DESC}}">
<label for="desc">Description</label>
{{#HAS_ERR_DESC}}<p class="field-error" id="desc-error"><span class="visually-hidden">Error:</span> {{ERR_DESC}}</p>{{/HAS_ERR_DESC}}
<textarea id="desc" name="desc" rows="4" maxlength="4000"{{#HAS_ERR_DESC}} aria-invalid="true" aria-describedby="desc-error"{{/HAS_ERR_DESC}}>{{FORM_DESC:pre_escape}}</textarea>
</div>
<div class="field{{#HAS_ERR_CAPACITY}} invalid{{/HAS_ERR_CAPACITY}}">
<label for="capacity" class="required">Places per night</label>
<p class="hint" id="capacity-hint">How many guests it takes each night, from 1 to 10,000.</p>
{{#HAS_ERR_CAPACITY}}<p class="field-error" id="capacity-error"><span class="visually-hidden">Error:</span> {{ERR_CAPACITY}}</p>{{/HAS_ERR_CAPACITY}}
<input type="number" id="capacity" name="capacity" min="1" max="10000" value="{{FORM_CAPACITY}}" inputmode="numeric" class="short" required aria-describedby="capacity-hint{{#HAS_ERR_CAPACITY}} capacity-error{{/HAS_ERR_CAPACITY}}"{{#HAS_ERR_CAPACITY}} aria-invalid="true"{{/HAS_ERR_CAPACITY}}>
</div>
<div class="field{{#HAS_ERR_PRICE}} invalid{{/HAS_ERR_PRICE}}">
<label for="price" class="required">Price per guest per night, in {{CURRENCY_CODE}}</label>
<p class="hint" id="price-hint">Such as 120 or 120.50. 0 makes it free.</p>
{{#HAS_ERR_PRICE}}<p class="field-error" id="price-error"><span class="visually-hidden">Error:</span> {{ERR_PRICE}}</p>{{/HAS_ERR_PRICE}}
<input type="text" id="price" name="price" value="{{FORM_PRICE}}" inputmode="decimal" autocomplete="off" maxlength="20" class="short" required aria-describedby="price-hint{{#HAS_ERR_PRICE}} price-error{{/HAS_ERR_PRICE}}"{{#HAS_ERR_PRICE}} aria-invalid="true"{{/HAS_ERR_PRICE}}>
</div>
<button type="submit" class="primary">{{#HAS_ID}}Save changes{{/HAS_ID}}{{#NO_ID}}Create room{{/NO_ID}}</button>
</form>
{{>FOOTER}}
