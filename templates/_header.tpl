{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{#HAS_TITLE}}{{TITLE}} · {{/HAS_TITLE}}Roombook</title>
<link rel="stylesheet" href="/static/style.css?v={{ASSET_VERSION}}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<nav aria-label="Main">
<a class="brand" href="/">Roombook</a>
<a href="/rooms">Rooms</a>
<a href="/mypage">My bookings</a>
<a href="/rooms/new">Host a room</a>
</nav>
{{#SIGNED_IN}}<form class="who" method="post" action="/sign-out"><input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}"><a class="account" href="/account" title="Your account">{{#HAS_VISITOR}}{{VISITOR}}{{/HAS_VISITOR}}{{#NO_VISITOR}}Your account{{/NO_VISITOR}}</a> <button type="submit" class="link">Sign out</button></form>{{/SIGNED_IN}}
{{#SIGNED_OUT}}<p class="who"><a href="/sign-in?next={{NEXT_PATH:u}}">Sign in</a> <a class="button" href="/sign-up?next={{NEXT_PATH:u}}">Create an account</a></p>{{/SIGNED_OUT}}
</header>
<main id="main">
{{#HAS_FLASH}}<div class="flash" role="status">{{FLASH}}</div>{{/HAS_FLASH}}
