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
{{#HAS_VISITOR}}<p class="who">Bookings of <strong>{{VISITOR}}</strong></p>{{/HAS_VISITOR}}
</header>
<main id="main">
{{#HAS_FLASH}}<div class="flash" role="status">{{FLASH}}</div>{{/HAS_FLASH}}
