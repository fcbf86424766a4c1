-- A room's last booking is its newest reservation that booked something (the highest
-- id: ids grow with time). Before this, any event of an older booking, such as its
-- cancellation, made that one the room's last; this puts the newest back.
UPDATE view_room SET last_reservation_id = newest.id, last_reservation_status = newest.status
FROM (SELECT room_id, max(reservation_id) AS id, status FROM view_reservation
      WHERE status NOT IN ('requested', 'rejected', 'failed') GROUP BY room_id) AS newest
WHERE newest.room_id = view_room.room_id
  AND (view_room.last_reservation_id IS NULL OR view_room.last_reservation_id <> newest.id);
