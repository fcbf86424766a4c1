-- An account made without a name was named by its email address, and a booking's guest
-- name defaults to the account's name: hosts saw their guests' addresses. Such accounts
-- are named by the address's local part instead, as new ones now are (accounts.c).
UPDATE account
   SET name = substr(email, 1, instr(email, '@') - 1),
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
 WHERE name = email AND instr(email, '@') > 1;
