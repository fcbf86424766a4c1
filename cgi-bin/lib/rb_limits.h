/* rb_limits.h — the one set of limits on rooms, bookings and money. rooms validates
 * prices and capacities, reservations validates stays, payments validates amounts,
 * all against these, so every booking that passes validation can be charged.
 * (Not limits.h: with -Icgi-bin/lib that name would hide the C library's <limits.h>.) */
#ifndef RB_LIMITS_H
#define RB_LIMITS_H

#define MAX_PRICE 1000000000LL /* per unit per night, in minor units */
#define MAX_CAPACITY 10000     /* units of a room per date */
#define MAX_GUESTS 10000       /* units one reservation takes each night */
#define MAX_NIGHTS 30          /* nights of one reservation (schema: CHECK nights <= 30) */
#define MAX_ID (1LL << 53)     /* ids stay exact in JSON numbers */

/* The largest amount of a reservation (price × guests × nights): what payments must
 * accept. */
#define MAX_AMOUNT (MAX_PRICE * MAX_GUESTS * MAX_NIGHTS)

_Static_assert(MAX_AMOUNT < (1LL << 53), "amounts must stay exact as JSON numbers");
_Static_assert(MAX_GUESTS >= MAX_CAPACITY, "a reservation may take a whole room");

#endif
