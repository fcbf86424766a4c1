/* services.c — the one list of Roombook's services (outside lib/, which names none).
 * The worker delivers the subscriptions of those that have any; the Makefile and
 * scripts/stack take their lists from the `&<name>_service,` lines below (one a line),
 * and tests/unit/test_delivery.c checks the list against them. */
#include "services.h"

const struct service *const all_services[] = {
	&accounts_service,
	&rooms_service,
	&reservations_service,
	&payments_service,
	&tickets_service,
	&messages_service,
	&mypage_service,
};

const size_t all_services_count = sizeof all_services / sizeof *all_services;
