-- A booking reference a person can read out on the phone ("RB-7K3Q9F": "RB-" and six
-- symbols of 2-9 and A-Z without I, L and O), random (lib/shortcode.c: the kernel's
-- CSPRNG, a collision with the unique index below is drawn again), never sequential.
ALTER TABLE reservation ADD COLUMN reference TEXT;
-- Reservations made before this get one too, drawn here from SQLite's random() (seeded
-- from the operating system's randomness): unguessable, not derived from the id.
UPDATE reservation SET reference = 'RB-' ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1);
-- Two rows drawing the same reference (about n^2 / 1.8e9 for n rows): the later one
-- draws again, three rounds; should one still collide, the index below fails this
-- migration (in its transaction, nothing changed) and the next start tries again.
UPDATE reservation SET reference = 'RB-' ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1)
WHERE EXISTS (SELECT 1 FROM reservation o WHERE o.reference = reservation.reference AND o.id < reservation.id);
UPDATE reservation SET reference = 'RB-' ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1)
WHERE EXISTS (SELECT 1 FROM reservation o WHERE o.reference = reservation.reference AND o.id < reservation.id);
UPDATE reservation SET reference = 'RB-' ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
  substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1)
WHERE EXISTS (SELECT 1 FROM reservation o WHERE o.reference = reservation.reference AND o.id < reservation.id);
CREATE UNIQUE INDEX reservation_reference ON reservation(reference);
-- The service always draws one (lib/shortcode.c); a row inserted another way (by an
-- operator's SQL, by a test) gets one here, so that every reservation has a reference.
CREATE TRIGGER reservation_reference_drawn AFTER INSERT ON reservation WHEN NEW.reference IS NULL
BEGIN
  UPDATE reservation SET reference = 'RB-' ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1) ||
    substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((random() % 31) + 31) % 31, 1)
  WHERE id = NEW.id;
END;
-- The ticket's id (from TicketIssued), so that the reservation page links to the ticket.
ALTER TABLE reservation ADD COLUMN ticket_id INTEGER;
