{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{#FAILED}}Error: {{/FAILED}}{{#HAS_TITLE}}{{TITLE}} · {{/HAS_TITLE}}Roombook</title>
<link rel="stylesheet" href="/static/style.css?v={{ASSET_VERSION}}">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<nav aria-label="Main">
<a class="brand" href="/"{{#NAV_HOME}} aria-current="page"{{/NAV_HOME}}>Roombook</a>
<a href="/rooms"{{#NAV_ROOMS}} aria-current="page"{{/NAV_ROOMS}}>Rooms</a>
<a href="/mypage"{{#NAV_MYPAGE}} aria-current="page"{{/NAV_MYPAGE}}>My bookings</a>
<a href="/rooms/new"{{#NAV_HOST}} aria-current="page"{{/NAV_HOST}}>Host a room</a>
</nav>
{{#SIGNED_IN}}<form class="who" method="post" action="/sign-out"><input type="hidden" name="_csrf" value="{{CSRF_TOKEN}}"><a class="account" href="/account" title="Your account"{{#NAV_ACCOUNT}} aria-current="page"{{/NAV_ACCOUNT}}>{{#HAS_VISITOR}}{{VISITOR}}{{/HAS_VISITOR}}{{#NO_VISITOR}}Your account{{/NO_VISITOR}}</a> <button type="submit" class="link">Sign out</button></form>{{/SIGNED_IN}}
{{#SIGNED_OUT}}<p class="who"><a href="/sign-in?next={{NEXT_PATH:u}}"{{#NAV_SIGN_IN}} aria-current="page"{{/NAV_SIGN_IN}}>Sign in</a> <a class="button" href="/sign-up?next={{NEXT_PATH:u}}"{{#NAV_SIGN_UP}} aria-current="page"{{/NAV_SIGN_UP}}>Create an account</a></p>{{/SIGNED_OUT}}
</header>
<main id="main">
{{#HAS_FLASH}}<div class="flash" role="status" tabindex="-1"{{#SUCCEEDED}} autofocus{{/SUCCEEDED}}>{{FLASH}}</div>{{/HAS_FLASH}}
