-- The customer's messages, for mypage, from MessageSent events.
CREATE TABLE view_message (
  message_id     INTEGER PRIMARY KEY,
  reservation_id INTEGER,
  customer       TEXT NOT NULL,
  kind           TEXT NOT NULL,
  text           TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX view_message_customer ON view_message(customer, message_id);
