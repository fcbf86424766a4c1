{{%AUTOESCAPE context="HTML"}}</main>
<footer class="site"><p>Roombook — rooms, halls and resorts, booked simply.</p></footer>
</body>
</html>
