{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>{{#HAS_ID}}Edit {{NAME}}{{/HAS_ID}}{{#NO_ID}}Host a room{{/NO_ID}}</h1>
{{>ERROR_SUMMARY}}
<form method="post" action="{{ACTION}}" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}">
<input type="hidden" name="_form" value="{{FORM_TOKEN}}">
<div class="field{{#HAS_ERR_NAME}} invalid{{/HAS_ERR_NAME}}">
<label for="name">Name</label>
{{#HAS_ERR_NAME}}<p class="field-error">{{ERR_NAME}}</p>{{/HAS_ERR_NAME}}
<input type="text" id="name" name="name" value="{{FORM_NAME}}" maxlength="200">
</div>
<div class="field{{#HAS_ERR_DESC}} invalid{{/HAS_ERR_DESC}}">
<label for="desc">Description</label>
{{#HAS_ERR_DESC}}<p class="field-error">{{ERR_DESC}}</p>{{/HAS_ERR_DESC}}
<textarea id="desc" name="desc" rows="4" maxlength="4000">{{FORM_DESC}}</textarea>
</div>
<div class="field{{#HAS_ERR_CAPACITY}} invalid{{/HAS_ERR_CAPACITY}}">
<label for="capacity">Places per night</label>
{{#HAS_ERR_CAPACITY}}<p class="field-error">{{ERR_CAPACITY}}</p>{{/HAS_ERR_CAPACITY}}
<input type="number" id="capacity" name="capacity" min="1" max="10000" value="{{FORM_CAPACITY}}" inputmode="numeric">
</div>
<div class="field{{#HAS_ERR_PRICE}} invalid{{/HAS_ERR_PRICE}}">
<label for="price">Price per guest per night, in cents</label>
{{#HAS_ERR_PRICE}}<p class="field-error">{{ERR_PRICE}}</p>{{/HAS_ERR_PRICE}}
<input type="number" id="price" name="price" min="0" value="{{FORM_PRICE}}" inputmode="numeric">
</div>
<button type="submit" class="primary">{{#HAS_ID}}Save changes{{/HAS_ID}}{{#NO_ID}}Create room{{/NO_ID}}</button>
</form>
{{>FOOTER}}
